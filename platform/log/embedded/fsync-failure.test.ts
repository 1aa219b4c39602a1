import { describe, expect, it, vi } from 'vitest';
import type { LogRecord } from '../types.ts';
import type * as FsIo from './fs-io.ts';
import { testLogs } from './test-logs.ts';

/** fdatasync fails when armed (the disk reports an error): the rest of fs-io is the real one. */
const failing = vi.hoisted(() => ({ next: false }));
vi.mock('./fs-io.ts', async (importOriginal) => {
  const real = await importOriginal<typeof FsIo>();
  return {
    ...real,
    fdatasync: (fd: number) => {
      if (!failing.next) return real.fdatasync(fd);
      failing.next = false;
      return Promise.reject(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    },
  };
});

describe('embedded log, when fdatasync fails', () => {
  const { tempDir, open, close } = testLogs('pulse-fsync-', {
    partitions: 1,
    fsyncIntervalMs: 1,
    retentionMs: 1e12,
    retentionBytes: 1e12,
  });
  const read = async (dir: string) => {
    const log = await open(dir);
    const got: string[] = [];
    const sub = log.subscribe({
      group: `g${Math.random()}`,
      topics: ['t'],
      onBatch: (rs: LogRecord[]) => void got.push(...rs.map((r) => `${r.offset}:${r.value.toString()}`)),
    });
    await sub.caughtUp();
    await sub.close();
    return { log, got };
  };

  it('keeps no record of a produce it failed: after a restart, the retry is stored once', async () => {
    const dir = tempDir();
    const log = await open(dir);
    await log.ensureTopics([{ name: 't', partitions: 1 }]);
    await log.produce('t', [{ key: 'k', value: Buffer.from('a') }]);
    failing.next = true;
    await expect(log.produce('t', [{ key: 'k', value: Buffer.from('b') }])).rejects.toThrow(/fdatasync/);
    expect(log.unwritable()).toMatch(/fdatasync of .* failed/);
    await close(log).catch(() => undefined);

    const reopened = await read(dir);
    expect(reopened.got).toEqual(['0:a']);
    await reopened.log.produce('t', [{ key: 'k', value: Buffer.from('b') }]);
    await close(reopened.log);
    expect((await read(dir)).got).toEqual(['0:a', '1:b']);
  });
});
