import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createEmbeddedLog, type EmbeddedLog } from '../platform/log/embedded/index.ts';
import type { LogRecord } from '../platform/log/types.ts';

/**
 * The embedded log under kill -9: a real child process appends (or consumes) as fast as it can
 * and is SIGKILLed mid-way; reopening the directory must show every acknowledged record exactly
 * once, in per-key order, and a consumer group must resume at its checkpoint with nothing skipped.
 */
const CHILD = fileURLToPath(new URL('../platform/log/embedded/crash-child.ts', import.meta.url));

interface Child {
  proc: ChildProcess;
  /** complete lines printed so far */
  lines: string[];
  stderr(): string;
  /** resolves once `enough(lines)` holds; rejects if the child exits first */
  until(enough: (lines: string[]) => boolean): Promise<void>;
}

function start(mode: 'produce' | 'consume', dir: string): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, mode, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  let err = '';
  let check: (() => void) | null = null;
  proc.stdout!.on('data', (d: Buffer) => {
    const text = partial + d.toString();
    const cut = text.lastIndexOf('\n');
    if (cut < 0) {
      partial = text;
      return;
    }
    for (const l of text.slice(0, cut).split('\n')) lines.push(l);
    partial = text.slice(cut + 1);
    check?.();
  });
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return {
    proc,
    lines,
    stderr: () => err,
    until(enough) {
      return new Promise((resolve, reject) => {
        check = () => {
          if (enough(lines)) {
            check = null;
            resolve();
          }
        };
        proc.once('exit', (code, signal) => {
          if (check) reject(new Error(`crash child exited (${code ?? signal}) early:\n${err}`));
        });
        check();
      });
    },
  };
}

async function kill9(c: Child): Promise<void> {
  if (c.proc.exitCode !== null || c.proc.signalCode !== null) return;
  c.proc.kill('SIGKILL');
  // 'close', not 'exit': the lines still in the pipes count too
  await once(c.proc, 'close');
}

const open = (dir: string): Promise<EmbeddedLog> =>
  createEmbeddedLog({ dir, partitions: 4, fsyncIntervalMs: 2, retentionMs: 1e12, retentionBytes: 1e15 });

async function readAll(log: EmbeddedLog, group: string): Promise<LogRecord[]> {
  const got: LogRecord[] = [];
  const sub = log.subscribe({ group, topics: ['crash'], onBatch: (rs) => void got.push(...rs) });
  await sub.caughtUp();
  await sub.close();
  return got;
}

describe('embedded log under kill -9', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('keeps every acknowledged record, exactly once, in per-key order, and appends after', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pulse-log-crash-'));
    dirs.push(dir);
    const child = start('produce', dir);
    try {
      await child.until((lines) => lines.length >= 5000);
    } finally {
      await kill9(child);
    }
    expect(child.proc.signalCode).toBe('SIGKILL');
    const acked = child.lines.map((l) => l.split(' '));
    expect(acked.length).toBeGreaterThanOrEqual(5000);

    const log = await open(dir);
    try {
      const records = await readAll(log, 'verify');
      const count = new Map<string, number>();
      const perKey = new Map<string, number[]>();
      for (const r of records) {
        const [seq, key, n] = r.value.toString().split(' ');
        expect(key).toBe(r.key);
        count.set(seq!, (count.get(seq!) ?? 0) + 1);
        const ns = perKey.get(key!) ?? [];
        ns.push(Number(n));
        perKey.set(key!, ns);
      }
      // every acknowledged record is there exactly once (and nothing is there twice)
      const missing = acked.filter(([seq]) => count.get(seq!) !== 1);
      expect(missing).toEqual([]);
      expect([...count.values()].every((c) => c === 1)).toBe(true);
      // per key: 0, 1, 2, … with no gap, reaching at least the highest acknowledged number
      for (const [key, ns] of perKey) {
        expect(ns).toEqual(ns.map((_, i) => i));
        const highestAcked = Math.max(-1, ...acked.filter(([, k]) => k === key).map(([, , n]) => Number(n)));
        expect(ns.length).toBeGreaterThan(highestAcked);
      }
      expect(perKey.size).toBe(16);

      // the log takes new appends at the right offsets
      const before = await log.endOffsets('crash');
      await log.produce('crash', [{ key: 'p0-k0', value: Buffer.from('after the crash') }]);
      const after = await log.endOffsets('crash');
      expect(after.reduce((a, b) => a + b, 0)).toBe(before.reduce((a, b) => a + b, 0) + 1);
      const tail = await readAll(log, 'verify');
      expect(tail).toHaveLength(1);
      expect(tail[0]!.value.toString()).toBe('after the crash');
      expect(tail[0]!.offset).toBe(before[tail[0]!.partition]);
    } finally {
      await log.close();
    }
  }, 60_000);

  it('resumes a consumer group killed mid-way at its checkpoint, skipping nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pulse-log-crash-'));
    dirs.push(dir);
    const total = 40_000;
    let log = await open(dir);
    await log.ensureTopics([{ name: 'crash' }]);
    for (let i = 0; i < total; i += 500) {
      await log.produce(
        'crash',
        Array.from({ length: 500 }, (_, j) => ({ key: `u${(i + j) % 97}`, value: Buffer.from(String(i + j)) })),
      );
    }
    const ends = await log.endOffsets('crash');
    await log.close();

    const child = start('consume', dir);
    try {
      await child.until((lines) => lines.length >= 8000 && lines.filter((l) => l.startsWith('c ')).length >= 3);
    } finally {
      await kill9(child);
    }
    const processed = [new Set<number>(), new Set<number>(), new Set<number>(), new Set<number>()];
    const committedAtLeast = [0, 0, 0, 0];
    for (const l of child.lines) {
      const parts = l.split(' ');
      if (parts[0] === 'p') processed[Number(parts[1])]!.add(Number(parts[2]));
      else if (parts[0] === 'c')
        parts.slice(1).forEach((o, p) => (committedAtLeast[p] = Math.max(committedAtLeast[p]!, Number(o))));
    }
    const processedCount = processed.reduce((n, s) => n + s.size, 0);
    expect(processedCount).toBeGreaterThan(0);
    expect(processedCount).toBeLessThan(total); // killed mid-way

    log = await open(dir);
    try {
      const restored = new Map<number, number>();
      const got: LogRecord[] = [];
      const sub = log.subscribe({
        group: 'cg',
        topics: ['crash'],
        onAssign: (task, state) =>
          void restored.set(task, state ? (JSON.parse(state.toString()) as { next: number }).next : 0),
        onBatch: (rs) => void got.push(...rs),
      });
      await sub.caughtUp();
      await sub.close();
      for (let p = 0; p < 4; p++) {
        const redelivered = got.filter((r) => r.partition === p).map((r) => r.offset);
        const resume = redelivered[0] ?? ends[p]!;
        // the state restored is the one committed with the offsets it resumes from
        expect(restored.get(p)).toBe(resume);
        // no commit that the child saw complete was lost
        expect(resume).toBeGreaterThanOrEqual(committedAtLeast[p]!);
        // nothing skipped: below the resume point the child processed every record ...
        for (let o = 0; o < resume; o++)
          if (!processed[p]!.has(o)) throw new Error(`partition ${p}: offset ${o} skipped`);
        // ... and from it on everything comes again, once, in order
        expect(redelivered).toEqual(Array.from({ length: ends[p]! - resume }, (_, i) => resume + i));
      }
      expect(got.length).toBeGreaterThan(0);
    } finally {
      await log.close();
    }
  }, 60_000);
});
