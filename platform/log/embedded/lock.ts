import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, realpathSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';

/**
 * `<dir>/LOCK` names the process that has the log open: its pid and, where /proc has it, the
 * time it started. A second process (or a second open in this one) fails with a clear error
 * instead of interleaving appends; the lock of a process that is gone (kill -9) is taken over.
 * - A second open in this process is known by the directories this process holds, not by the
 *   pid: a container restarted after a kill runs as the same pid (1) as the one that left the lock.
 * - A pid that is alive but started at another time than the lock says is another process that
 *   reuses the number: the lock is stale.
 * - The lock is created with its content in one step (a file written aside, then linked), so no
 *   process reads it empty and takes it over while its holder is still writing it.
 * Limits: without /proc a pid reused by an unrelated live process reads as "held" (the error
 * names the pid, so an operator can check), and processes in other pid namespaces (another
 * container on the same volume) are not seen at all.
 */
export interface DirLock {
  release(): void;
}

/** the log directories this process holds */
const held = new Set<string>();

/** When process `pid` started (clock ticks since boot, /proc/<pid>/stat field 22); null where unknown. */
function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the command name, which is in parentheses and may hold spaces
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the lock's holder still runs: alive, and (where both are known) started when the lock says. */
function holderRuns(pid: number, started: string | undefined): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return false;
  const now = startTime(pid);
  return started === undefined || now === null || now === started;
}

/**
 * Removes the LOCK judged stale from `text`, and only that one: a process starting at the same
 * time may have taken it over in between, and unlinking the path would drop that live lock (both
 * would then hold the directory). It is moved aside, checked, and put back if it is another.
 */
function removeStale(path: string, text: string): void {
  const aside = `${path}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    if (readFileSync(aside, 'utf8') !== text) linkSync(aside, path);
  } catch (err) {
    // (EEXIST: a third process holds it now; the next attempt reads whose it is)
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(aside);
  }
}

export function lockDir(dir: string, logger: Logger): DirLock {
  // (the directory itself, whatever path names it: a symlink to an open one is that one)
  const key = realpathSync(resolve(dir));
  const path = join(dir, 'LOCK');
  if (held.has(key)) {
    throw new Error(`log directory ${dir} is already open in this process (pid ${process.pid}, ${path})`);
  }
  const own = `${process.pid}\n${startTime(process.pid) ?? ''}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    const aside = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(aside, own);
    try {
      linkSync(aside, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const text = readFileSync(path, 'utf8');
      const [pidText = '', started] = text.split('\n');
      const pid = Number.parseInt(pidText, 10);
      if (pid !== process.pid && holderRuns(pid, started || undefined)) {
        throw new Error(
          `log directory ${dir} is locked by running process ${pid} (${path}); stop it or use another data dir`,
        );
      }
      logger.warn({ lock: path, stalePid: pidText }, 'taking over the lock of a process that is gone');
      removeStale(path, text);
      continue;
    } finally {
      unlinkSync(aside);
    }
    held.add(key);
    return {
      release() {
        held.delete(key);
        try {
          if (readFileSync(path, 'utf8') === own) unlinkSync(path);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
      },
    };
  }
  throw new Error(`could not take the lock ${path}: another process keeps taking it`);
}
