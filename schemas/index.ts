export * from './types.generated.ts';
export { serde, SerdeError, type Serde, type EventTypes } from './serde.ts';
export { topics, topicSchemas, topicSpecs, type TopicId, type TopicName } from './topics.ts';
export { loadSchema, schemaFiles, type SchemaName, type AvroSchema } from './catalog.ts';
export { generateTypes } from './codegen.ts';
export { migrations, historyTables, rollupTables, type Migration } from './clickhouse/migrations.ts';
