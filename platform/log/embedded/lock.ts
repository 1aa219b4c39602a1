import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';

/**
 * `<dir>/LOCK` holds the pid of the process that has the log open, so a second process (or a
 * second open in this one) fails with a clear error instead of interleaving appends. A lock left
 * by a dead process (kill -9) is taken over. Limits: a pid reused by an unrelated live process
 * reads as "held" (the error names the pid, so an operator can check), and two processes taking
 * over the same stale lock in the same instant are not told apart.
 */
export interface DirLock {
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function lockDir(dir: string, logger: Logger): DirLock {
  const path = join(dir, 'LOCK');
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const text = readFileSync(path, 'utf8').trim();
      const pid = Number.parseInt(text, 10);
      if (pid === process.pid) {
        throw new Error(`log directory ${dir} is already open in this process (pid ${pid}, ${path})`);
      }
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
        throw new Error(
          `log directory ${dir} is locked by running process ${pid} (${path}); stop it or use another data dir`,
        );
      }
      logger.warn({ lock: path, stalePid: text }, 'taking over the lock of a process that is gone');
      try {
        unlinkSync(path);
      } catch (unlinkErr) {
        if ((unlinkErr as NodeJS.ErrnoException).code !== 'ENOENT') throw unlinkErr;
      }
      continue;
    }
    try {
      writeSync(fd, `${process.pid}\n`);
    } finally {
      closeSync(fd);
    }
    return {
      release() {
        try {
          if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
      },
    };
  }
  throw new Error(`could not take the lock ${path}: another process keeps taking it`);
}
