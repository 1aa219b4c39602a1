import { performance } from 'node:perf_hooks';
import { EmbeddedLog } from './embedded-log.ts';

export interface LogThroughput {
  /** records made durable per second (first produce call to the last acknowledgement) */
  producePerSec: number;
  /** records through produce → fsync → one consumer group per second (first call to last delivery) */
  endToEndPerSec: number;
}

const BATCH = 500;
/** produce calls awaiting their fsync at once, as concurrent ingest requests would be */
const IN_FLIGHT = 32;
const USERS = 1000;

/**
 * Produces `n` ~40-byte records in batches of 500 to a 4-partition topic (fsyncIntervalMs 5,
 * the default) while one consumer group reads them, in `dir` (which must be empty or new).
 * Not a test: `pulsecoach bench` and the log's own measurement call it.
 */
export async function measureLogThroughput(dir: string, n: number): Promise<LogThroughput> {
  const log = await EmbeddedLog.open({
    dir,
    partitions: 4,
    fsyncIntervalMs: 5,
    retentionMs: 1e12,
    retentionBytes: 1e15,
  });
  try {
    await log.ensureTopics([{ name: 'bench' }]);
    const keys = Array.from({ length: USERS }, (_, i) => `user-${String(i).padStart(6, '0')}`);
    // ~40-byte values: a sample-sized payload, distinct per record
    const value = (i: number) => Buffer.from(`{"bpm":${60 + (i % 120)},"ts":${1_700_000_000_000 + i}}`.padEnd(40, ' '));
    const batches: { key: string; value: Buffer }[][] = [];
    for (let i = 0; i < n; i += BATCH) {
      const b: { key: string; value: Buffer }[] = [];
      for (let j = i; j < Math.min(n, i + BATCH); j++) b.push({ key: keys[j % USERS]!, value: value(j) });
      batches.push(b);
    }

    let consumed = 0;
    let consumedAt = 0;
    let allConsumed!: () => void;
    const done = new Promise<void>((r) => (allConsumed = r));
    const sub = log.subscribe({
      group: 'bench',
      topics: ['bench'],
      onBatch(records) {
        consumed += records.length;
        if (consumed >= n) {
          consumedAt = performance.now();
          allConsumed();
        }
      },
    });

    const t0 = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < batches.length) await log.produce('bench', batches[next++]!);
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    const producedAt = performance.now();
    await done;
    await sub.close();
    return {
      producePerSec: Math.round(n / ((producedAt - t0) / 1000)),
      endToEndPerSec: Math.round(n / ((consumedAt - t0) / 1000)),
    };
  } finally {
    await log.close();
  }
}
