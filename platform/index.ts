export { loadConfig, ConfigError, configFlags, unusedSettings, type Config, type ConfigFlags } from './config.ts';
export { createLogger, type Logger } from './logger.ts';
export { createMetrics, registerLagGauge, type Metrics } from './metrics.ts';
export { Lifecycle } from './lifecycle.ts';
export {
  tokenSigner,
  resolveAuthSecret,
  AuthError,
  roles,
  type Role,
  type TokenClaims,
  type VerifiedClaims,
  type TokenSigner,
} from './auth.ts';
export {
  createLog,
  createEmbeddedLog,
  EmbeddedLog,
  KafkaLog,
  type KafkaLogOptions,
  measureLogThroughput,
  partitionFor,
  murmur2,
  type EmbeddedLogOptions,
  type LogThroughput,
  type Log,
  type LogRecord,
  type ProduceRecord,
  type SubscribeOptions,
  type Subscription,
  type TopicSpec,
} from './log/index.ts';
export { emitter, deadLetters, decodeRecords, type Emitter, type DeadLetters, type StageDeps } from './stage.ts';
export { createTaskState, type TaskState } from './state.ts';
export { runStage, type StageSpec, type RunningStage } from './stage-runner.ts';
export { startStageHarness, type StageHarness } from './stage-harness.ts';
export { parseWindowSpecs, liveWindowOf, sessionGapOf, DEFAULT_WINDOWS, type WindowSpec } from './window-specs.ts';
export {
  createStore,
  migrate,
  ChdbStore,
  ServerStore,
  StoreError,
  sqlLiteral,
  bindLiterals,
  quoteString,
  parseRetention,
  applyRetention,
  type Store,
  type StoreInfo,
  type QueryParams,
  type QueryValue,
  type MigrationReport,
  type RetentionPolicy,
} from './store/index.ts';
