import { join } from 'node:path';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { DiskLog, type DiskLogOptions } from './disk/index.ts';
import type { Log } from './types.ts';

export type { Log, LogRecord, ProduceRecord, SubscribeOptions, Subscription, TopicSpec } from './types.ts';
export { partitionFor, murmur2 } from './partitioner.ts';
export { DiskLog, type DiskLogOptions };

/** The embedded on-disk log. */
export function createEmbeddedLog(options: DiskLogOptions): Promise<DiskLog> {
  return DiskLog.open(options);
}

/** The Log for the configured mode. */
export async function createLog(config: Config, logger: Logger): Promise<Log> {
  if (config.mode === 'kafka') {
    throw new Error('kafka mode is not available yet: the Kafka Log arrives with the "Kafka mode" issue');
  }
  return createEmbeddedLog({
    dir: join(config.dataDir, 'log'),
    partitions: config.partitions,
    fsyncIntervalMs: config.fsyncIntervalMs,
    retentionMs: config.retentionMs,
    retentionBytes: config.retentionBytes,
    logger,
  });
}
