import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logContract } from '../contract.ts';
import type { LogRecord } from '../types.ts';
import { decodeCheckpoint } from './checkpoint.ts';
import { createEmbeddedLog, type EmbeddedLog } from './index.ts';
import { testLogs } from './test-logs.ts';
import { scanSegment } from './segment.ts';

const base = { partitions: 3, fsyncIntervalMs: 1, retentionMs: 1e12, retentionBytes: 1e12 };

logContract('embedded', (dir) => createEmbeddedLog({ dir, ...base }));

describe('embedded log', () => {
  const { tempDir, open, close } = testLogs('pulse-embedded-', base);
  const drain = async (log: EmbeddedLog, group: string, topics: string[]) => {
    const got: LogRecord[] = [];
    const sub = log.subscribe({ group, topics, onBatch: (rs) => void got.push(...rs) });
    await sub.caughtUp();
    await sub.close();
    return got;
  };
  const segments = (dir: string, topic: string, p: number) =>
    readdirSync(join(dir, topic, String(p)))
      .filter((n) => n.endsWith('.seg'))
      .sort();

  it('lays out <dir>/<topic>/<partition>/<20-digit base offset>.seg and rolls at segmentBytes', async () => {
    const dir = tempDir();
    const log = await open(dir, { partitions: 1, segmentBytes: 2048 });
    await log.ensureTopics([{ name: 'pulse.t.v1' }]);
    for (let i = 0; i < 60; i++) await log.produce('pulse.t.v1', [{ key: 'k', value: Buffer.alloc(100, i) }]);
    const names = segments(dir, 'pulse.t.v1', 0);
    expect(names[0]).toBe('00000000000000000000.seg');
    expect(names.length).toBeGreaterThan(2);
    // each segment is named after its first offset, and holds no more than segmentBytes
    for (const n of names) {
      const path = join(dir, 'pulse.t.v1', '0', n);
      expect(statSync(path).size).toBeLessThanOrEqual(2048);
      const scan = await scanSegment(path, Number(n.slice(0, 20)), statSync(path).size);
      expect(scan.problem).toBeNull();
    }
    await close(log);
    const again = await open(dir, { partitions: 1, segmentBytes: 2048 });
    const got = await drain(again, 'g', ['pulse.t.v1']);
    expect(got.map((r) => r.value[0])).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(got.map((r) => r.offset)).toEqual(Array.from({ length: 60 }, (_, i) => i));
  });

  it('coalesces concurrent produce calls into one frame per partition (fsyncIntervalMs 0)', async () => {
    const dir = tempDir();
    const log = await open(dir, { partitions: 1, fsyncIntervalMs: 0 });
    await log.ensureTopics([{ name: 't' }]);
    await Promise.all(
      Array.from({ length: 100 }, (_, i) => log.produce('t', [{ key: `k${i}`, value: Buffer.from([i]) }])),
    );
    const path = join(dir, 't', '0', segments(dir, 't', 0)[0]!);
    const frames = await countFrames(path);
    expect(frames).toBe(1);
    expect(await log.endOffsets('t')).toEqual([100]);
  });

  it('splits big batches into bounded frames and reads big values back', async () => {
    const log = await open(tempDir(), { partitions: 2 });
    await log.ensureTopics([{ name: 't' }]);
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    const many = Array.from({ length: 30_000 }, (_, i) => ({
      key: `u${i % 50}`,
      value: Buffer.from(`value-${i}-`.padEnd(60, 'x')),
    }));
    await log.produce('t', [...many, { key: 'big', value: big }]);
    const got = await drain(log, 'g', ['t']);
    expect(got).toHaveLength(30_001);
    expect(got.find((r) => r.key === 'big')!.value.equals(big)).toBe(true);
    const u7 = got.filter((r) => r.key === 'u7').map((r) => r.value.toString().split('-')[1]);
    expect(u7).toEqual(Array.from({ length: 600 }, (_, i) => String(7 + 50 * i)));
  });

  it('rejects a bad batch whole, and a key too long for the format', async () => {
    const log = await open(tempDir(), { partitions: 1 });
    await log.ensureTopics([{ name: 't' }]);
    const bad = [
      { key: 'a', value: Buffer.from('1') },
      { key: 'b', value: 'not a buffer' as unknown as Buffer },
    ];
    await expect(log.produce('t', bad)).rejects.toThrow(/produce to t: record 1 needs a string key and a Buffer value/);
    await expect(log.produce('t', [{ key: 'x'.repeat(70_000), value: Buffer.alloc(1) }])).rejects.toThrow(
      /key over 65535 bytes/,
    );
    expect(await log.endOffsets('t')).toEqual([0]);
  });

  it('writes one checkpoint file per task holding offsets and state', async () => {
    const dir = tempDir();
    const log = await open(dir, { partitions: 2 });
    await log.ensureTopics([{ name: 'a' }, { name: 'b' }]);
    await log.produce(
      'a',
      Array.from({ length: 20 }, (_, i) => ({ key: `u${i}`, value: Buffer.from('x') })),
    );
    const sub = log.subscribe({
      group: 'grp',
      topics: ['a', 'b'],
      onBatch: () => undefined,
      snapshot: (t) => Buffer.from(`state${t}`),
    });
    await sub.caughtUp();
    await sub.commit();
    const ends = await log.endOffsets('a');
    for (let task = 0; task < 2; task++) {
      const path = join(dir, '_groups', 'grp', `${task}.ckpt`);
      const ck = decodeCheckpoint(readFileSync(path), path);
      expect(ck.offsets).toEqual(
        new Map([
          ['a', ends[task]],
          ['b', 0],
        ]),
      );
      expect(ck.state?.toString()).toBe(`state${task}`);
    }
    expect(() => log.subscribe({ group: 'grp', topics: ['a'], onBatch: () => undefined })).toThrow(
      /already has a member/,
    );
    await sub.close();
  });

  it('resolves commit() only once a checkpoint holding what was processed before the call is on disk', async () => {
    const dir = tempDir();
    // timer checkpoints every millisecond, so a commit() often meets one still being written
    const log = await open(dir, { partitions: 1, commitIntervalMs: 1 });
    await log.ensureTopics([{ name: 'a' }]);
    await log.produce(
      'a',
      Array.from({ length: 1500 }, (_, i) => ({ key: 'u', value: Buffer.from(String(i)) })),
    );
    let next = 0;
    const sub = log.subscribe({
      group: 'grp',
      topics: ['a'],
      maxBatchRecords: 1,
      onBatch: async (rs) => {
        await new Promise((resolve) => setImmediate(resolve));
        next = rs[0]!.offset + 1;
      },
    });
    const path = join(dir, '_groups', 'grp', '0.ckpt');
    const early: string[] = [];
    while (next < 1500) {
      const asOfCall = next;
      await sub.commit();
      const onDisk = decodeCheckpoint(readFileSync(path), path).offsets.get('a')!;
      if (onDisk < asOfCall) early.push(`commit() at ${asOfCall} resolved with ${onDisk} on disk`);
    }
    await sub.close();
    expect(early).toEqual([]);
  });
  it('refuses topics that are not co-partitioned, and repartitioning', async () => {
    const log = await open(tempDir());
    await log.ensureTopics([
      { name: 'a', partitions: 2 },
      { name: 'b', partitions: 3 },
    ]);
    expect(() => log.subscribe({ group: 'g', topics: ['a', 'b'], onBatch: () => undefined })).toThrow(
      /co-partitioned.*a has 2.*b has 3/,
    );
    await expect(log.ensureTopics([{ name: 'a', partitions: 4 }])).rejects.toThrow(
      /topic a has 2 partitions.*cannot repartition/,
    );
    await expect(log.ensureTopics([{ name: '../evil' }])).rejects.toThrow(/invalid topic name/);
  });

  it('locks its directory: a second open fails naming the holder, a dead holder is taken over', async () => {
    const dir = tempDir();
    const log = await open(dir);
    await expect(createEmbeddedLog({ dir, ...base })).rejects.toThrow(
      new RegExp(`already open in this process \\(pid ${process.pid}`),
    );
    await close(log);
    expect(existsSync(join(dir, 'LOCK'))).toBe(false);

    // a live process holds it (our parent, the vitest runner, is alive)
    writeFileSync(join(dir, 'LOCK'), `${process.ppid}\n`);
    await expect(createEmbeddedLog({ dir, ...base })).rejects.toThrow(
      new RegExp(`locked by running process ${process.ppid}`),
    );

    // a process that is gone
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(join(dir, 'LOCK'), `${dead}\n`);
    const taken = await open(dir);
    expect(readFileSync(join(dir, 'LOCK'), 'utf8').split('\n')[0]).toBe(String(process.pid));
    await close(taken);

    // a container restarted after a kill: the lock names this pid (1 there), but this process never opened the log
    writeFileSync(join(dir, 'LOCK'), `${process.pid}\n`);
    const restarted = await open(dir);
    await close(restarted);

    // a live pid that started at another time than the lock says: its number was reused
    writeFileSync(join(dir, 'LOCK'), `${process.ppid}\n1\n`);
    const reused = await open(dir);
    await close(reused);
    expect(readdirSync(dir).filter((f) => f.startsWith('LOCK'))).toEqual([]);
  });

  it('refuses a second open of a directory it holds, under another path too (a symlink)', async () => {
    const dir = tempDir();
    await open(dir);
    const link = join(tempDir(), 'same');
    symlinkSync(dir, link);
    await expect(open(link)).rejects.toThrow(/is already open in this process/);
  });

  it('fails only the produces that wrote to a partition that cannot be written, and says so for /readyz', async () => {
    const dir = tempDir();
    const log = await open(dir, { partitions: 2, fsyncIntervalMs: 20 });
    await log.ensureTopics([{ name: 't', partitions: 2 }]);
    // a key for each partition
    const keys: string[] = [];
    for (let i = 0; keys[0] === undefined || keys[1] === undefined; i++) {
      const before = await log.endOffsets('t');
      await log.produce('t', [{ key: `k${i}`, value: Buffer.from('x') }]);
      const p = (await log.endOffsets('t')).findIndex((end, q) => end > before[q]!);
      if (keys[p] === undefined) keys[p] = `k${i}`;
    }
    expect(log.unwritable()).toBeNull();
    // partition 1's file descriptor closed under it: its next write fails with EBADF, a real error
    const store = (log as unknown as { topics: Map<string, { stores: { fd: number }[] }> }).topics.get('t')!.stores[1]!;
    closeSync(store.fd);
    const one = (k: string) => log.produce('t', [{ key: k, value: Buffer.from('y') }]);
    // three calls in one flush: the one to partition 0 alone is durable, the others fail
    const [toZero, toOne, toBoth] = await Promise.allSettled([
      one(keys[0]!),
      one(keys[1]!),
      log.produce('t', [
        { key: keys[0]!, value: Buffer.from('z') },
        { key: keys[1]!, value: Buffer.from('z') },
      ]),
    ]);
    expect(toZero.status, String((toZero as PromiseRejectedResult).reason)).toBe('fulfilled');
    expect([toOne.status, toBoth.status]).toEqual(['rejected', 'rejected']);
    expect(log.unwritable()).toMatch(/cannot truncate after a failed write/);
    // partition 0 goes on taking writes
    await one(keys[0]!);
    await log.close().catch(() => undefined);
  });

  it('flushes pending produces on close', async () => {
    const dir = tempDir();
    const log = await open(dir, { fsyncIntervalMs: 10_000 });
    await log.ensureTopics([{ name: 't', partitions: 1 }]);
    const acked = log.produce('t', [{ key: 'a', value: Buffer.from('1') }]);
    await close(log);
    await acked;
    const again = await open(dir);
    expect(await again.endOffsets('t')).toEqual([1]);
    await expect(log.produce('t', [{ key: 'a', value: Buffer.from('2') }])).rejects.toThrow(/closed/);
  });
});

async function countFrames(path: string): Promise<number> {
  const buf = readFileSync(path);
  let n = 0;
  for (let pos = 0; pos < buf.length; pos += buf.readUInt32LE(pos + 4)) n++;
  return n;
}
