import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { partitionFor } from './partitioner.ts';
import type { Log, LogRecord, SubscribeOptions } from './types.ts';

/**
 * The behaviour every Log implementation promises, as one suite: the embedded log runs it, and
 * the Kafka Log will run the same. `makeLog(dir)` opens a log over `dir` (reopening the same dir
 * must find the same data); each test names its topics' partition counts itself.
 */
export function logContract(name: string, makeLog: (dir: string) => Promise<Log>): void {
  describe(`Log contract: ${name}`, () => {
    const dirs: string[] = [];
    const open: Log[] = [];
    afterEach(async () => {
      for (const log of open.splice(0)) await log.close().catch(() => undefined);
      for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    });

    const tempDir = (): string => {
      const d = mkdtempSync(join(tmpdir(), 'pulse-log-contract-'));
      dirs.push(d);
      return d;
    };
    const openLog = async (dir: string): Promise<Log> => {
      const log = await makeLog(dir);
      open.push(log);
      return log;
    };
    const closeLog = async (log: Log): Promise<void> => {
      open.splice(open.indexOf(log), 1);
      await log.close();
    };
    const rec = (key: string, n: number) => ({ key, value: Buffer.from(`${key}#${n}`) });
    const text = (r: LogRecord) => r.value.toString();

    /** Subscribes, waits until caught up with everything produced so far, closes (commits). */
    async function drain(log: Log, group: string, topics: string[], extra: Partial<SubscribeOptions> = {}) {
      const got: LogRecord[] = [];
      const sub = log.subscribe({ group, topics, onBatch: (rs) => void got.push(...rs), ...extra });
      await sub.caughtUp();
      await sub.close();
      return got;
    }

    it('puts keyed records in partitionFor(key) and returns them in order with dense offsets', async () => {
      const log = await openLog(tempDir());
      await log.ensureTopics([{ name: 't', partitions: 3 }]);
      expect(log.partitionsOf('t')).toBe(3);
      const keys = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', '用户-7'];
      for (let i = 0; i < 40; i++)
        await log.produce(
          't',
          keys.map((k) => rec(k, i)),
        );
      const got = await drain(log, 'g', ['t']);
      expect(got).toHaveLength(40 * keys.length);
      for (const r of got) {
        expect(r.topic).toBe('t');
        expect(r.partition).toBe(partitionFor(r.key, 3));
        expect(text(r).startsWith(`${r.key}#`)).toBe(true);
      }
      // per partition: offsets 0..n-1 in order; per key: values in produce order
      const ends = await log.endOffsets('t');
      for (let p = 0; p < 3; p++) {
        const offsets = got.filter((r) => r.partition === p).map((r) => r.offset);
        expect(offsets).toEqual(Array.from({ length: ends[p]! }, (_, i) => i));
      }
      expect(ends.reduce((a, b) => a + b, 0)).toBe(40 * keys.length);
      for (const k of keys) {
        expect(got.filter((r) => r.key === k).map(text)).toEqual(Array.from({ length: 40 }, (_, i) => `${k}#${i}`));
      }
    });

    it('keeps timestamps given at produce and stamps the append time otherwise', async () => {
      const log = await openLog(tempDir());
      await log.ensureTopics([{ name: 't', partitions: 1 }]);
      const before = Date.now();
      await log.produce('t', [{ ...rec('a', 0), timestamp: 1_700_000_000_123 }, rec('a', 1)]);
      const got = await drain(log, 'g', ['t']);
      expect(got[0]!.timestamp).toBe(1_700_000_000_123);
      expect(got[1]!.timestamp).toBeGreaterThanOrEqual(before);
      expect(got[1]!.timestamp).toBeLessThanOrEqual(Date.now());
    });

    it('lets two groups consume independently', async () => {
      const log = await openLog(tempDir());
      await log.ensureTopics([{ name: 't', partitions: 2 }]);
      await log.produce(
        't',
        Array.from({ length: 10 }, (_, i) => rec(`u${i}`, i)),
      );
      const a1 = await drain(log, 'a', ['t']);
      await log.produce(
        't',
        Array.from({ length: 5 }, (_, i) => rec(`u${i}`, 10 + i)),
      );
      const b1 = await drain(log, 'b', ['t']);
      const a2 = await drain(log, 'a', ['t']);
      expect(a1.map(text).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `u${i}#${i}`).sort());
      expect(b1).toHaveLength(15);
      expect(a2.map(text).sort()).toEqual(Array.from({ length: 5 }, (_, i) => `u${i}#${10 + i}`).sort());
    });

    it('resumes after the last commit on reopen and redelivers what was not committed', async () => {
      const dir = tempDir();
      let log = await openLog(dir);
      await log.ensureTopics([{ name: 't', partitions: 1 }]);
      await log.produce(
        't',
        Array.from({ length: 20 }, (_, i) => rec('k', i)),
      );
      expect((await drain(log, 'g', ['t'])).map(text)).toEqual(Array.from({ length: 20 }, (_, i) => `k#${i}`));

      // these are delivered, but the handler fails: nothing past the last commit is committed
      await log.produce(
        't',
        Array.from({ length: 10 }, (_, i) => rec('k', 20 + i)),
      );
      let failed!: () => void;
      const attempted = new Promise<void>((r) => (failed = r));
      const seen: string[] = [];
      const sub = log.subscribe({
        group: 'g',
        topics: ['t'],
        onBatch(rs) {
          seen.push(...rs.map(text));
          failed();
          throw new Error('handler failed on purpose');
        },
      });
      await attempted;
      await sub.close();
      expect(seen[0]).toBe('k#20');
      await closeLog(log);

      log = await openLog(dir);
      expect(log.partitionsOf('t')).toBe(1);
      expect(await log.endOffsets('t')).toEqual([30]);
      const again = await drain(log, 'g', ['t']);
      expect(again.map(text)).toEqual(Array.from({ length: 10 }, (_, i) => `k#${20 + i}`));
      expect(again.map((r) => r.offset)).toEqual(Array.from({ length: 10 }, (_, i) => 20 + i));
      // committed by that close: nothing is left
      expect(await drain(log, 'g', ['t'])).toEqual([]);
    });

    it('commits the snapshot with the offsets and restores it in onAssign after reopen', async () => {
      const dir = tempDir();
      let log = await openLog(dir);
      await log.ensureTopics([{ name: 't', partitions: 2 }]);
      await log.produce(
        't',
        Array.from({ length: 30 }, (_, i) => rec(`u${i % 6}`, i)),
      );
      const counts = [0, 0];
      const assigned: [number, Buffer | null][] = [];
      await drain(log, 'g', ['t'], {
        onAssign: (task, state) => void assigned.push([task, state]),
        onBatch: (rs, task) => void (counts[task] = counts[task]! + rs.length),
        snapshot: (task) => Buffer.from(`count=${counts[task]}`),
      });
      expect(assigned.sort((x, y) => x[0] - y[0])).toEqual([
        [0, null],
        [1, null],
      ]);
      expect(counts[0]! + counts[1]!).toBe(30);
      await closeLog(log);

      log = await openLog(dir);
      const restored = new Map<number, string | undefined>();
      const revoked: number[] = [];
      await drain(log, 'g', ['t'], {
        onAssign: (task, state) => void restored.set(task, state?.toString()),
        onRevoke: (task) => void revoked.push(task),
      });
      expect(restored).toEqual(
        new Map([
          [0, `count=${counts[0]}`],
          [1, `count=${counts[1]}`],
        ]),
      );
      expect(revoked.sort()).toEqual([0, 1]);
    });

    it('commits a state that a punctuation or onRevoke changed, with no record since the last commit', async () => {
      const dir = tempDir();
      let log = await openLog(dir);
      await log.ensureTopics([{ name: 't', partitions: 1 }]);
      await log.produce('t', [rec('k', 0)]);
      const initial = { records: 0, punctuated: false, revoked: false };
      let state = { ...initial };
      const snapshot = () => Buffer.from(JSON.stringify(state));
      const restore = (s: Buffer | null) =>
        void (state = s ? (JSON.parse(s.toString()) as typeof state) : { ...initial });
      let committed = false;
      const first = log.subscribe({
        group: 'g',
        topics: ['t'],
        punctuateMs: 20,
        onAssign: (_task, s) => restore(s),
        onBatch: (rs) => {
          if (rs.length > 0) state.records += rs.length;
          else if (committed) state.punctuated = true;
        },
        snapshot,
      });
      await first.caughtUp();
      await first.commit();
      // from here on only punctuations change the state
      committed = true;
      while (!state.punctuated) await new Promise((r) => setTimeout(r, 20));
      await first.close();
      await closeLog(log);

      log = await openLog(dir);
      const second = log.subscribe({
        group: 'g',
        topics: ['t'],
        onAssign: (_task, s) => restore(s),
        onBatch: () => undefined,
        onRevoke: () => void (state.revoked = true),
        snapshot,
      });
      await second.caughtUp();
      expect(state).toEqual({ records: 1, punctuated: true, revoked: false });
      await second.close();
      await closeLog(log);

      log = await openLog(dir);
      await drain(log, 'g', ['t'], { onAssign: (_task, s) => restore(s), snapshot });
      expect(state).toEqual({ records: 1, punctuated: true, revoked: true });
    });

    it('rejects caughtUp() when the subscription closes before it caught up', async () => {
      const log = await openLog(tempDir());
      await log.ensureTopics([{ name: 't', partitions: 1 }]);
      await log.produce('t', [rec('k', 0)]);
      const sub = log.subscribe({ group: 'g', topics: ['t'], onBatch: () => undefined });
      const caughtUp = expect(sub.caughtUp()).rejects.toThrow(/closed/);
      await sub.close();
      await caughtUp;
    });

    it('restores a task that has state from its last checkpoint when a batch fails, and reads on from there', async () => {
      const log = await openLog(tempDir());
      await log.ensureTopics([{ name: 't', partitions: 1 }]);
      await log.produce(
        't',
        Array.from({ length: 10 }, (_, i) => rec('k', i)),
      );
      // the task's state: what it has processed (a stage's state moves on as it computes a batch)
      let state: string[] = [];
      const restored: string[][] = [];
      let fail = true;
      const sub = log.subscribe({
        group: 'g',
        topics: ['t'],
        onAssign: (_task, s) => {
          state = s ? (JSON.parse(s.toString()) as string[]) : [];
          restored.push([...state]);
        },
        onBatch(rs) {
          state.push(...rs.map(text));
          if (fail && state.includes('k#15')) {
            fail = false;
            throw new Error('the batch failed after changing the state');
          }
        },
        snapshot: () => Buffer.from(JSON.stringify(state)),
      });
      await sub.caughtUp();
      await sub.commit();
      await log.produce(
        't',
        Array.from({ length: 10 }, (_, i) => rec('k', 10 + i)),
      );
      await sub.caughtUp();
      await sub.close();
      // delivered again against the state it had failed with, k#10… would be in it twice
      expect(state).toEqual(Array.from({ length: 20 }, (_, i) => `k#${i}`));
      expect(restored).toEqual([[], Array.from({ length: 10 }, (_, i) => `k#${i}`)]);
    });

    it('caughtUp resolves once every task has processed the end offsets as of the call', async () => {
      const log = await openLog(tempDir());
      await log.ensureTopics([{ name: 't', partitions: 4 }]);
      const empty = log.subscribe({ group: 'empty', topics: ['t'], onBatch: () => undefined });
      await empty.caughtUp();
      await empty.close();

      await log.produce(
        't',
        Array.from({ length: 500 }, (_, i) => rec(`u${i % 37}`, i)),
      );
      let processed = 0;
      const sub = log.subscribe({
        group: 'g',
        topics: ['t'],
        maxBatchRecords: 7,
        async onBatch(rs) {
          await new Promise((r) => setTimeout(r, 1));
          processed += rs.length;
        },
      });
      await sub.caughtUp();
      expect(processed).toBe(500);
      await log.produce('t', [rec('late', 0)]);
      await sub.caughtUp();
      expect(processed).toBe(501);
      await sub.close();
    });

    it('delivers one batch at a time per task, within maxBatchRecords, earlier topics first', async () => {
      const log = await openLog(tempDir());
      await log.ensureTopics([
        { name: 'table', partitions: 2 },
        { name: 'stream', partitions: 2 },
      ]);
      // the stream is written first, yet within a task the table must come first
      await log.produce(
        'stream',
        Array.from({ length: 50 }, (_, i) => rec(`u${i % 10}`, i)),
      );
      await log.produce(
        'table',
        Array.from({ length: 10 }, (_, i) => rec(`u${i}`, i)),
      );
      const inFlight = [0, 0];
      let overlap = false;
      const batches: LogRecord[][] = [];
      const sub = log.subscribe({
        group: 'g',
        topics: ['table', 'stream'],
        maxBatchRecords: 8,
        async onBatch(rs, task) {
          if (++inFlight[task]! > 1) overlap = true;
          batches.push(rs);
          await new Promise((r) => setTimeout(r, 2));
          inFlight[task]!--;
        },
      });
      await sub.caughtUp();
      await sub.close();
      expect(overlap).toBe(false);
      expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(8);
      for (let task = 0; task < 2; task++) {
        const seq = batches.flat().filter((r) => r.partition === task);
        const firstStream = seq.findIndex((r) => r.topic === 'stream');
        const lastTable = seq.map((r) => r.topic).lastIndexOf('table');
        expect(lastTable).toBeGreaterThanOrEqual(0); // u0..u9 land in both partitions (murmur2)
        expect(lastTable).toBeLessThan(firstStream);
        for (const topic of ['table', 'stream']) {
          const offsets = seq.filter((r) => r.topic === topic).map((r) => r.offset);
          expect(offsets).toEqual(Array.from({ length: offsets.length }, (_, i) => i));
        }
      }
      expect(batches.flat()).toHaveLength(60);
    });

    it('with tables, never delivers a stream record before the table record produced before it', async () => {
      const log = await openLog(tempDir());
      await log.ensureTopics([
        { name: 'table', partitions: 2 },
        { name: 'stream', partitions: 2 },
      ]);
      const seen: string[] = [];
      const sub = log.subscribe({
        group: 'g',
        topics: ['table', 'stream'],
        tables: 1,
        onBatch: (rs) => void seen.push(...rs.map(text)),
      });
      await sub.caughtUp();
      // a member checks in (their profile), then their samples come at once: while running
      for (let i = 0; i < 30; i++) {
        await log.produce('table', [rec(`u${i}`, 0)]);
        await log.produce('stream', [rec(`u${i}`, 1), rec(`u${i}`, 2)]);
      }
      await sub.caughtUp();
      await sub.close();
      expect(seen).toHaveLength(90);
      for (let i = 0; i < 30; i++) expect(seen.indexOf(`u${i}#0`), `u${i}`).toBeLessThan(seen.indexOf(`u${i}#1`));
    });

    it('starts a new group at the end when fromBeginning is false', async () => {
      const log = await openLog(tempDir());
      await log.ensureTopics([{ name: 't', partitions: 2 }]);
      await log.produce('t', [rec('a', 0), rec('b', 0)]);
      const got: LogRecord[] = [];
      const sub = log.subscribe({
        group: 'g',
        topics: ['t'],
        fromBeginning: false,
        onBatch: (rs) => void got.push(...rs),
      });
      await sub.caughtUp();
      await log.produce('t', [rec('a', 1)]);
      await sub.caughtUp();
      await sub.close();
      expect(got.map(text)).toEqual(['a#1']);
    });

    it('starts a new group at the end of the fromEnd topics and at the start of the others', async () => {
      const log = await openLog(tempDir());
      await log.ensureTopics([
        { name: 'table', partitions: 2 },
        { name: 'stream', partitions: 2 },
      ]);
      await log.produce('table', [rec('a', 0), rec('b', 0)]);
      await log.produce('stream', [rec('a', 0), rec('b', 0)]);
      const got: string[] = [];
      const sub = log.subscribe({
        group: 'g',
        topics: ['table', 'stream'],
        fromEnd: ['stream'],
        onBatch: (rs) => void got.push(...rs.map((r) => `${r.topic}:${text(r)}`)),
      });
      await sub.caughtUp();
      await log.produce('stream', [rec('a', 1), rec('b', 1)]);
      await sub.caughtUp();
      await sub.close();
      expect(got.sort()).toEqual(['stream:a#1', 'stream:b#1', 'table:a#0', 'table:b#0']);
    });

    it('fails clearly on an unknown topic', async () => {
      const log = await openLog(tempDir());
      await log.ensureTopics([{ name: 'known', partitions: 1 }]);
      await expect(log.produce('nope', [rec('a', 0)])).rejects.toThrow(/unknown topic "nope".*ensureTopics/);
      expect(() => log.partitionsOf('nope')).toThrow(/unknown topic "nope"/);
      expect(() => log.subscribe({ group: 'g', topics: ['nope'], onBatch: () => undefined })).toThrow(
        /unknown topic "nope"/,
      );
      await expect(log.endOffsets('nope')).rejects.toThrow(/unknown topic "nope"/);
    });

    it('reports consumer lag per group', async () => {
      const log = await openLog(tempDir());
      await log.ensureTopics([{ name: 't', partitions: 2 }]);
      await log.produce(
        't',
        Array.from({ length: 10 }, (_, i) => rec(`u${i}`, i)),
      );
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const sub = log.subscribe({ group: 'slow', topics: ['t'], onBatch: () => gate });
      expect((await log.consumerLag())['slow']).toBe(10);
      release();
      await sub.caughtUp();
      expect((await log.consumerLag())['slow']).toBe(0);
      await sub.close();
    });
  });
}
