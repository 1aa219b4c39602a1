import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DiskLog } from './disk-log.ts';
import type { LogRecord } from '../types.ts';

const child = fileURLToPath(new URL('./crash-child.ts', import.meta.url));

describe('DiskLog under kill -9', () => {
  it('keeps every acknowledged record, once, in per-key order, and takes appends after', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pulse-log-crash-'));
    try {
      const proc = spawn(process.execPath, ['--import', 'tsx', child, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
      const acked: number[] = [];
      let text = '';
      await new Promise<void>((resolve) => {
        proc.stdout!.on('data', (d: Buffer) => {
          text += d.toString();
          const lines = text.split('\n');
          text = lines.pop()!;
          for (const l of lines) {
            const [first, size] = l.split('+').map(Number) as [number, number];
            for (let i = 0; i < size; i++) acked.push(first + i);
          }
          if (acked.length > 20_000 && proc.exitCode === null && !proc.killed) {
            proc.kill('SIGKILL');
          }
        });
        proc.once('exit', () => resolve());
      });
      expect(proc.signalCode).toBe('SIGKILL');

      const log = await DiskLog.open({
        dir,
        partitions: 4,
        fsyncIntervalMs: 2,
        retentionMs: 1e12,
        retentionBytes: 1e12,
      });
      await log.ensureTopics([{ name: 't' }]);
      const got: LogRecord[] = [];
      const sub = log.subscribe({ group: 'check', topics: ['t'], onBatch: (rs) => void got.push(...rs) });
      await sub.caughtUp();
      const seqs = got.map((r) => Number(r.value.toString()));
      expect(new Set(seqs).size).toBe(seqs.length);
      const present = new Set(seqs);
      expect(acked.filter((s) => !present.has(s))).toEqual([]);
      for (let k = 0; k < 7; k++) {
        const mine = got.filter((r) => r.key === `k${k}`).map((r) => Number(r.value.toString()));
        expect(mine).toEqual([...mine].sort((a, b) => a - b));
      }
      const before = (await log.endOffsets('t')).reduce((a, b) => a + b);
      await log.produce('t', [{ key: 'k0', value: Buffer.from('after') }]);
      expect((await log.endOffsets('t')).reduce((a, b) => a + b)).toBe(before + 1);
      await sub.close();
      await log.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
