export * from './types.generated.ts';
export { serde, SerdeError, type Serde, type EventTypes } from './serde.ts';
export { topics, topicSchemas, topicSpecs, type TopicId, type TopicName } from './topics.ts';
export { loadSchema, schemaFiles, type SchemaName, type AvroSchema } from './catalog.ts';
export { generateTypes } from './codegen.ts';
export { sessionProblems, ALIAS_MAX_LENGTH, ALIAS_PATTERN } from './session-rules.ts';
export {
  latestTsOf,
  sampleProblems,
  show,
  BPM_RANGE,
  CHANNEL_RANGES,
  FUTURE_TS,
  ID_PATTERN,
  MAX_RR,
  MIN_TS,
  RR_RANGE_MS,
  type SampleProblems,
} from './sample-rules.ts';
export { migrations, historyTables, rollupTables, type Migration } from './clickhouse/migrations.ts';
