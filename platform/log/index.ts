import { join } from 'node:path';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { createEmbeddedLog } from './embedded/index.ts';
import type { Log } from './types.ts';

export type { Log, LogRecord, ProduceRecord, SubscribeOptions, Subscription, TopicSpec } from './types.ts';
export { partitionFor, murmur2 } from './partitioner.ts';
export { createEmbeddedLog, EmbeddedLog, type EmbeddedLogOptions } from './embedded/index.ts';
/**
 * @deprecated the names of the walking skeleton's log (disk/), kept so platform/index.ts still
 * compiles; they are the embedded log now. Import EmbeddedLog / EmbeddedLogOptions instead.
 */
export { EmbeddedLog as DiskLog, type EmbeddedLogOptions as DiskLogOptions } from './embedded/index.ts';

/** The Log for the configured mode: the embedded log under `<dataDir>/log`, or Kafka. */
export async function createLog(config: Config, logger: Logger): Promise<Log> {
  if (config.mode === 'kafka') {
    throw new Error('kafka mode is not available yet: the Kafka Log arrives with issue "Kafka mode"');
  }
  return createEmbeddedLog({
    dir: join(config.dataDir, 'log'),
    partitions: config.partitions,
    fsyncIntervalMs: config.fsyncIntervalMs,
    retentionMs: config.retentionMs,
    retentionBytes: config.retentionBytes,
    logger: logger.child({ component: 'log' }),
  });
}
