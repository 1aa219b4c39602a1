import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { partitionFor } from '../partitioner.ts';
import type { LogRecord } from '../types.ts';
import { DiskLog, type DiskLogOptions } from './disk-log.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'pulse-log-'));
  dirs.push(d);
  return d;
}

const open = (dir: string, o: Partial<DiskLogOptions> = {}) =>
  DiskLog.open({ dir, partitions: 3, fsyncIntervalMs: 1, retentionMs: 1e12, retentionBytes: 1e12, ...o });

const rec = (key: string, n: number) => ({ key, value: Buffer.from(`${key}#${n}`) });

/** Consumes everything currently in `topics` with a group, then closes it (committing). */
async function drain(
  log: DiskLog,
  group: string,
  topics: string[],
  extra: Partial<Parameters<DiskLog['subscribe']>[0]> = {},
) {
  const got: LogRecord[] = [];
  const sub = log.subscribe({ group, topics, onBatch: (rs) => void got.push(...rs), ...extra });
  await sub.caughtUp();
  await sub.close();
  return got;
}

describe('DiskLog', () => {
  it('puts keyed records in their murmur2 partition, in order, with dense offsets', async () => {
    const log = await open(tempDir());
    await log.ensureTopics([{ name: 't' }]);
    const keys = ['alice', 'bob', 'carol', 'dave'];
    for (let i = 0; i < 50; i++)
      await log.produce(
        't',
        keys.map((k) => rec(k, i)),
      );
    const got = await drain(log, 'g', ['t']);
    expect(got).toHaveLength(200);
    for (const k of keys) {
      const mine = got.filter((r) => r.key === k);
      expect(new Set(mine.map((r) => r.partition))).toEqual(new Set([partitionFor(k, 3)]));
      expect(mine.map((r) => r.value.toString())).toEqual(Array.from({ length: 50 }, (_, i) => `${k}#${i}`));
    }
    for (let p = 0; p < 3; p++) {
      const offsets = got.filter((r) => r.partition === p).map((r) => r.offset);
      expect(offsets).toEqual(offsets.map((_, i) => i));
    }
    expect((await log.endOffsets('t')).reduce((a, b) => a + b)).toBe(200);
    await log.close();
  });

  it('refuses unknown topics and a second process on the same directory', async () => {
    const dir = tempDir();
    const log = await open(dir);
    await expect(log.produce('nope', [rec('a', 1)])).rejects.toThrow(/unknown topic nope/);
    writeFileSync(join(dir, '.lock'), '1'); // pid 1 is alive: another owner
    await expect(open(dir)).rejects.toThrow(/another pulsecoach process \(pid 1\)/);
    await log.close();
  });

  it('keeps offsets per group, resumes after the last commit and redelivers what was not committed', async () => {
    const dir = tempDir();
    let log = await open(dir);
    await log.ensureTopics([{ name: 't' }]);
    await log.produce(
      't',
      Array.from({ length: 30 }, (_, i) => rec(`k${i % 5}`, i)),
    );
    expect(await drain(log, 'a', ['t'])).toHaveLength(30);
    await log.produce(
      't',
      Array.from({ length: 10 }, (_, i) => rec(`k${i % 5}`, 100 + i)),
    );
    // group b never committed anything; group a committed 30 on close
    await log.close();
    log = await open(dir);
    expect((await drain(log, 'a', ['t'])).map((r) => r.value.toString()).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `k${i % 5}#${100 + i}`).sort(),
    );
    expect(await drain(log, 'b', ['t'])).toHaveLength(40);
    expect(await log.consumerLag()).toEqual({});
    await log.close();
  });

  it('commits the stage state with the offsets and hands it back on assign', async () => {
    const dir = tempDir();
    let log = await open(dir);
    await log.ensureTopics([{ name: 't' }]);
    await log.produce(
      't',
      Array.from({ length: 12 }, (_, i) => rec(`k${i}`, i)),
    );
    const counts = new Map<number, number>();
    await drain(log, 'g', ['t'], {
      onBatch: (rs, task) => void counts.set(task, (counts.get(task) ?? 0) + rs.length),
      snapshot: (task) => Buffer.from(String(counts.get(task) ?? 0)),
    });
    await log.close();
    log = await open(dir);
    const restored = new Map<number, string | null>();
    await drain(log, 'g', ['t'], { onAssign: (task, state) => void restored.set(task, state?.toString() ?? null) });
    expect(restored).toEqual(new Map([...Array(3).keys()].map((t) => [t, String(counts.get(t) ?? 0)])));
    await log.close();
  });

  it('delivers earlier topics of a task first (tables before streams)', async () => {
    const log = await open(tempDir(), { partitions: 1 });
    await log.ensureTopics([{ name: 'stream' }, { name: 'table' }]);
    await log.produce('stream', [rec('u', 1)]);
    await log.produce('table', [rec('u', 2)]);
    const got = await drain(log, 'g', ['table', 'stream']);
    expect(got.map((r) => r.topic)).toEqual(['table', 'stream']);
    await log.close();
  });

  it('cuts a torn write off the tail and keeps every whole frame before it', async () => {
    const dir = tempDir();
    let log = await open(dir, { partitions: 1 });
    await log.ensureTopics([{ name: 't' }]);
    for (let i = 0; i < 5; i++) await log.produce('t', [rec('a', i), rec('a', i + 100)]);
    await log.close();
    const segDir = join(dir, 't', '0');
    const seg = join(
      segDir,
      readdirSync(segDir).find((n) => n.endsWith('.seg'))!,
    );
    truncateSync(seg, statSync(seg).size - 3); // the last frame loses its end
    log = await open(dir, { partitions: 1 });
    expect(await log.endOffsets('t')).toEqual([8]);
    await log.produce('t', [rec('a', 999)]);
    expect((await drain(log, 'g', ['t'])).map((r) => [r.offset, r.value.toString()]).slice(-2)).toEqual([
      [7, 'a#103'],
      [8, 'a#999'],
    ]);
    await log.close();

    // a flipped byte inside the last frame: its CRC no longer matches
    const bytes = readFileSync(seg);
    bytes[bytes.length - 2] ^= 0xff;
    writeFileSync(seg, bytes);
    log = await open(dir, { partitions: 1 });
    expect(await log.endOffsets('t')).toEqual([8]);
    await log.close();
  });

  it('deletes old segments by size and by age; a consumer behind them skips to the log start', async () => {
    const dir = tempDir();
    const log = await open(dir, { partitions: 1, segmentBytes: 200, retentionBytes: 1000 });
    await log.ensureTopics([{ name: 't' }, { name: 'kept', compacted: true }]);
    for (let i = 0; i < 100; i++) {
      await log.produce('t', [rec('a', i)]);
      await log.produce('kept', [rec('a', i)]);
    }
    log.retain();
    const got = await drain(log, 'g', ['t']);
    expect(got.length).toBeLessThan(100);
    expect(got[got.length - 1]!.value.toString()).toBe('a#99');
    expect(got[0]!.offset).toBe(100 - got.length);
    expect(await drain(log, 'g2', ['kept'])).toHaveLength(100);
    await log.close();

    const aged = await open(dir, { partitions: 1, segmentBytes: 200, retentionMs: 1 });
    await new Promise((r) => setTimeout(r, 5));
    aged.retain();
    const left = readdirSync(join(dir, 't', '0')).filter((n) => n.endsWith('.seg'));
    expect(left).toHaveLength(1); // only the active segment stays
    await aged.close();
  });
});
