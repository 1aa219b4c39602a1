import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from './fs-io.ts';

/**
 * This log's identity, `<dir>/LOG_ID`, made once when the directory is new. Offsets start again
 * at 0 in a new log, so whoever remembers offsets outside the log (the sink's marks in
 * ClickHouse) must tell logs apart.
 */
export function logId(dir: string): string {
  const path = join(dir, 'LOG_ID');
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const id = randomUUID();
  writeFileAtomicSync(path, `${id}\n`);
  return id;
}
