import { join } from 'node:path';
import { topicSchemas } from '../../schemas/index.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { createEmbeddedLog } from './embedded/index.ts';
import { KafkaLog } from './kafka/index.ts';
import type { Log } from './types.ts';

export type { Log, LogRecord, ProduceRecord, SubscribeOptions, Subscription, TopicSpec } from './types.ts';
export { partitionFor, murmur2 } from './partitioner.ts';
export { KafkaLog, type KafkaLogOptions } from './kafka/index.ts';
export {
  createEmbeddedLog,
  EmbeddedLog,
  measureLogThroughput,
  type EmbeddedLogOptions,
  type LogThroughput,
} from './embedded/index.ts';

/** The Log for the configured mode: the embedded log under `<dataDir>/log`, or Kafka (KAFKA_BROKERS). */
export async function createLog(config: Config, logger: Logger): Promise<Log> {
  if (config.mode === 'kafka') {
    return KafkaLog.open({
      brokers: (config.kafkaBrokers ?? '').split(',').map((b) => b.trim()),
      namespace: config.kafkaPrefix,
      partitions: config.partitions,
      replicationFactor: config.replicationFactor,
      retentionMs: config.retentionMs,
      retentionBytes: config.retentionBytes,
      commitIntervalMs: config.commitIntervalMs,
      exactlyOnceCommitIntervalMs: config.exactlyOnceCommitIntervalMs,
      logger: logger.child({ component: 'log' }),
      schemaRegistry: { url: config.schemaRegistryUrl ?? '', schemas: topicSchemas() },
    });
  }
  return createEmbeddedLog({
    dir: join(config.dataDir, 'log'),
    partitions: config.partitions,
    fsyncIntervalMs: config.fsyncIntervalMs,
    retentionMs: config.retentionMs,
    retentionBytes: config.retentionBytes,
    commitIntervalMs: config.commitIntervalMs,
    logger: logger.child({ component: 'log' }),
  });
}
