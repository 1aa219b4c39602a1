export { loadConfig, ConfigError, configFlags, type Config, type ConfigFlags } from './config.ts';
export { createLogger, type Logger } from './logger.ts';
export { createMetrics, type Metrics } from './metrics.ts';
export { Lifecycle } from './lifecycle.ts';
export {
  tokenSigner,
  resolveAuthSecret,
  AuthError,
  roles,
  type Role,
  type TokenClaims,
  type TokenSigner,
} from './auth.ts';
export type { Log, LogRecord, ProduceRecord, SubscribeOptions, Subscription, TopicSpec } from './log/types.ts';
export { partitionFor, murmur2 } from './log/partitioner.ts';
export { emitter, deadLetters, decodeRecords, type Emitter, type DeadLetters, type StageDeps } from './stage.ts';
export { createTaskState, type TaskState } from './state.ts';
export { runStage, type StageSpec, type RunningStage } from './stage-runner.ts';
