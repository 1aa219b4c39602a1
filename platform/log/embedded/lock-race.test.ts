import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type * as Fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { lockDir } from './lock.ts';

/**
 * When armed, the next read of a LOCK is followed, before the reader acts on it, by another
 * process taking the stale lock over (a live pid: the vitest runner, our parent): two processes
 * starting together on a directory a crashed one left locked.
 */
const race = vi.hoisted(() => ({ armed: false }));
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof Fs>();
  const readFileSync = ((path: string, ...rest: unknown[]) => {
    const text = (real.readFileSync as (...a: unknown[]) => unknown)(path, ...rest);
    if (race.armed && String(path).endsWith('/LOCK')) {
      race.armed = false;
      real.unlinkSync(path);
      real.writeFileSync(path, `${process.ppid}\n`);
    }
    return text;
  }) as typeof real.readFileSync;
  return { ...real, default: { ...real, readFileSync }, readFileSync };
});

describe('taking over a stale lock', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('leaves the lock alone when another process took it over after it was read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pulse-lock-race-'));
    dirs.push(dir);
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(join(dir, 'LOCK'), `${dead}\n`);
    race.armed = true;
    expect(() => lockDir(dir, pino({ level: 'silent' }))).toThrow(
      new RegExp(`locked by running process ${process.ppid}`),
    );
    expect(readFileSync(join(dir, 'LOCK'), 'utf8')).toBe(`${process.ppid}\n`);
  });
});
