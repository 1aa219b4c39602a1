import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../types.ts';
import type { EmbeddedLog } from './index.ts';
import { testLogs } from './test-logs.ts';

describe('embedded log retention', () => {
  const { tempDir, open, close } = testLogs('pulse-retention-', {
    partitions: 1,
    fsyncIntervalMs: 0,
    retentionMs: 1e12,
    retentionBytes: 1e12,
    segmentBytes: 1024,
  });
  const segmentFiles = (dir: string, topic: string) =>
    readdirSync(join(dir, topic, '0'))
      .filter((n) => n.endsWith('.seg'))
      .sort();
  const partitionBytes = (dir: string, topic: string) =>
    segmentFiles(dir, topic).reduce((n, f) => n + statSync(join(dir, topic, '0', f)).size, 0);
  /** 100-byte values, one frame (~150 bytes) per produce */
  const fill = async (log: EmbeddedLog, topic: string, from: number, n: number, timestamp?: number) => {
    for (let i = from; i < from + n; i++) {
      await log.produce(topic, [{ key: 'k', value: Buffer.from(String(i).padEnd(100, '.')), timestamp }]);
    }
  };
  const consume = async (log: EmbeddedLog, group: string, topic = 't') => {
    const got: LogRecord[] = [];
    const sub = log.subscribe({ group, topics: [topic], onBatch: (rs) => void got.push(...rs) });
    await sub.caughtUp();
    await sub.close();
    return got;
  };
  const seq = (r: LogRecord) => Number.parseInt(r.value.toString(), 10);

  it('deletes the oldest segments while a partition is over retentionBytes; consumers skip ahead', async () => {
    const dir = tempDir();
    const log = await open(dir, { retentionBytes: 4096 });
    await log.ensureTopics([{ name: 't' }, { name: 'profiles', compacted: true }]);
    await fill(log, 't', 0, 10);
    expect((await consume(log, 'early')).map(seq)).toEqual(Array.from({ length: 10 }, (_, i) => i)); // commits 10
    await fill(log, 't', 10, 190);
    await fill(log, 'profiles', 0, 100);
    await log.runRetention();

    const files = segmentFiles(dir, 't');
    expect(files.length).toBeGreaterThan(1);
    expect(partitionBytes(dir, 't')).toBeLessThanOrEqual(4096);
    const start = log.startOffsets('t')[0]!;
    expect(start).toBe(Number(files[0]!.slice(0, 20)));
    expect(start).toBeGreaterThan(10);
    expect(await log.endOffsets('t')).toEqual([200]);
    // compacted topics are exempt
    expect(log.startOffsets('profiles')).toEqual([0]);
    expect(partitionBytes(dir, 'profiles')).toBeGreaterThan(4096);

    // a new group starts at the log start; a group committed below it skips ahead to it
    const fresh = await consume(log, 'fresh');
    expect(fresh.map((r) => r.offset)).toEqual(Array.from({ length: 200 - start }, (_, i) => start + i));
    expect(fresh.map(seq)).toEqual(Array.from({ length: 200 - start }, (_, i) => start + i));
    const early = await consume(log, 'early');
    expect(early[0]!.offset).toBe(start);
    expect(early).toHaveLength(200 - start);
  });

  it('deletes segments whose newest record is older than retentionMs, also after a reopen', async () => {
    const dir = tempDir();
    const hour = 3_600_000;
    let log = await open(dir, { retentionMs: hour });
    await log.ensureTopics([{ name: 't' }]);
    await fill(log, 't', 0, 30, Date.now() - 3 * hour); // several old segments
    await close(log);

    // reopened: the old segments' newest timestamps are unknown until retention scans them
    // (opening runs a pass too, in the background)
    log = await open(dir, { retentionMs: hour });
    await fill(log, 't', 30, 20); // recent records roll new segments
    await log.runRetention();
    const start = log.startOffsets('t')[0]!;
    expect(start).toBeGreaterThan(0);
    expect(start).toBeLessThanOrEqual(30);
    const files = segmentFiles(dir, 't');
    expect(Number(files[0]!.slice(0, 20))).toBe(start);
    const got = await consume(log, 'late');
    expect(got[0]!.offset).toBe(start);
    expect(got.map(seq)).toEqual(Array.from({ length: 50 - start }, (_, i) => start + i));

    // once the old records are all gone, nothing recent is deleted
    await fill(log, 't', 50, 20);
    await log.runRetention();
    const after = await consume(log, 'after');
    expect(after.every((r) => seq(r) >= 30 || r.offset >= start)).toBe(true);
    expect(after.filter((r) => seq(r) >= 30)).toHaveLength(40);
  });

  it('rolls a quiet partition whose only segment is past retention, then deletes it', async () => {
    const dir = tempDir();
    const hour = 3_600_000;
    const log = await open(dir, { retentionMs: hour, segmentBytes: 1024 * 1024 });
    await log.ensureTopics([{ name: 't' }]);
    await fill(log, 't', 0, 5, Date.now() - 2 * hour);
    await log.runRetention(); // one segment, the active one: kept, marked to roll
    expect(segmentFiles(dir, 't')).toHaveLength(1);
    await fill(log, 't', 5, 1); // rolls to 5.seg (and the roll runs retention)
    await log.runRetention();
    expect(segmentFiles(dir, 't')).toEqual(['00000000000000000005.seg']);
    expect((await consume(log, 'g')).map(seq)).toEqual([5]);
  });
});
