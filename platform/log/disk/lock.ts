import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';

/**
 * One process per log directory: a lock file holding the owner's pid. A lock left by a process
 * that no longer exists (kill -9, power cut) is taken over.
 */
export function acquireLock(path: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      return () => {
        try {
          unlinkSync(path);
        } catch {
          // already gone: nothing to release
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSync(path, 'utf8'));
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new Error(
          `another pulsecoach process (pid ${pid}) holds the log lock ${path}; stop it or use another --data-dir`,
        );
      }
      unlinkSync(path);
    }
  }
  throw new Error(`cannot take the log lock ${path}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
