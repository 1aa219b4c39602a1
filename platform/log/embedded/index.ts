import { EmbeddedLog, type EmbeddedLogOptions } from './embedded-log.ts';

export { EmbeddedLog, type EmbeddedLogOptions } from './embedded-log.ts';

/**
 * Opens (creating if needed) the embedded log in `options.dir`: recovers every partition's last
 * segment, takes the directory lock, and returns a Log whose produce resolves once durable.
 */
export function createEmbeddedLog(options: EmbeddedLogOptions): Promise<EmbeddedLog> {
  return EmbeddedLog.open(options);
}
export { measureLogThroughput, type LogThroughput } from './throughput.ts';
