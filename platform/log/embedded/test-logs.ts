import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { createEmbeddedLog, type EmbeddedLog, type EmbeddedLogOptions } from './index.ts';

/**
 * Test fixture: temp directories and logs opened with the suite's defaults, all closed and
 * removed after each test. For the embedded log's own test files.
 */
export function testLogs(prefix: string, defaults: Omit<EmbeddedLogOptions, 'dir'>) {
  const dirs: string[] = [];
  const logs: EmbeddedLog[] = [];
  afterEach(async () => {
    for (const l of logs.splice(0)) await l.close().catch(() => undefined);
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return {
    tempDir(): string {
      const d = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(d);
      return d;
    },
    async open(dir: string, o: Partial<EmbeddedLogOptions> = {}): Promise<EmbeddedLog> {
      const log = await createEmbeddedLog({ dir, ...defaults, ...o });
      logs.push(log);
      return log;
    },
    async close(log: EmbeddedLog): Promise<void> {
      logs.splice(logs.indexOf(log), 1);
      await log.close();
    },
  };
}
