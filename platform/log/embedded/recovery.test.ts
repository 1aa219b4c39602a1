import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
  appendFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../logger.ts';
import type { LogRecord } from '../types.ts';
import { HEADER_BYTES } from './frame.ts';
import { createEmbeddedLog, type EmbeddedLog } from './index.ts';

/**
 * Torn writes: the tail of the last segment is damaged the ways a crash or a bad disk leaves it;
 * reopening keeps every whole frame before it, drops the damaged one (logging the bytes), and
 * appends continue at the right offset.
 */
describe('embedded log recovery', () => {
  const dirs: string[] = [];
  const logs: EmbeddedLog[] = [];
  afterEach(async () => {
    for (const l of logs.splice(0)) await l.close().catch(() => undefined);
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  /** Captures what the log logs, to check that recovery says what it dropped. */
  function capture() {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger('info', {
      write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>),
    });
    return { lines, logger };
  }

  async function open(dir: string, logger = createLogger('silent')) {
    const log = await createEmbeddedLog({
      dir,
      partitions: 1,
      fsyncIntervalMs: 0,
      retentionMs: 1e12,
      retentionBytes: 1e12,
      logger,
    });
    logs.push(log);
    return log;
  }

  /** 10 frames of 5 records each (one awaited produce = one frame); returns the segment path. */
  async function writeFrames(dir: string): Promise<string> {
    const log = await open(dir);
    await log.ensureTopics([{ name: 't' }]);
    for (let f = 0; f < 10; f++) {
      await log.produce(
        't',
        Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value: Buffer.from(`f${f}r${i}`) })),
      );
    }
    logs.splice(logs.indexOf(log), 1);
    await log.close();
    const pdir = join(dir, 't', '0');
    return join(pdir, readdirSync(pdir).filter((n) => n.endsWith('.seg'))[0]!);
  }

  /** Start of the last frame in the file. */
  function lastFrameStart(path: string): number {
    const buf = readFileSync(path);
    let pos = 0;
    let last = 0;
    while (pos < buf.length) {
      last = pos;
      pos += buf.readUInt32LE(pos + 4);
    }
    return last;
  }

  let groups = 0;
  async function readAll(log: EmbeddedLog): Promise<LogRecord[]> {
    const got: LogRecord[] = [];
    const sub = log.subscribe({ group: `check${groups++}`, topics: ['t'], onBatch: (rs) => void got.push(...rs) });
    await sub.caughtUp();
    await sub.close();
    return got;
  }

  async function expectRecovered(
    dir: string,
    lines: Record<string, unknown>[],
    droppedBytes: number,
    log: EmbeddedLog,
  ) {
    expect(await log.endOffsets('t')).toEqual([45]);
    const got = await readAll(log);
    expect(got.map((r) => r.value.toString())).toEqual(
      Array.from({ length: 45 }, (_, n) => `f${Math.floor(n / 5)}r${n % 5}`),
    );
    const warning = lines.find((l) => l['msg'] === 'log recovery: truncated a torn or corrupt tail');
    expect(warning).toMatchObject({ topic: 't', partition: 0, droppedBytes });
    // appends continue at offset 45, and survive another reopen
    await log.produce('t', [{ key: 'k', value: Buffer.from('after') }]);
    expect(await log.endOffsets('t')).toEqual([46]);
    logs.splice(logs.indexOf(log), 1);
    await log.close();
    const again = await open(dir);
    const all = await readAll(again);
    expect(all).toHaveLength(46);
    expect(all[45]).toMatchObject({ offset: 45, key: 'k' });
    expect(all[45]!.value.toString()).toBe('after');
  }

  it('truncates a frame cut short mid-way', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pulse-recovery-'));
    dirs.push(dir);
    const path = await writeFrames(dir);
    const size = statSync(path).size;
    const start = lastFrameStart(path);
    truncateSync(path, size - 7);
    const { lines, logger } = capture();
    await expectRecovered(dir, lines, size - 7 - start, await open(dir, logger));
    expect(statSync(path).size).toBeGreaterThan(start); // the new record was appended where the torn frame was
  });

  it('truncates a frame whose header is torn', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pulse-recovery-'));
    dirs.push(dir);
    const path = await writeFrames(dir);
    const start = lastFrameStart(path);
    truncateSync(path, start + HEADER_BYTES - 5);
    const { lines, logger } = capture();
    await expectRecovered(dir, lines, HEADER_BYTES - 5, await open(dir, logger));
  });

  it('drops the last frame when a byte in it is flipped (CRC mismatch)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pulse-recovery-'));
    dirs.push(dir);
    const path = await writeFrames(dir);
    const buf = readFileSync(path);
    const start = lastFrameStart(path);
    buf[start + HEADER_BYTES + 20]! ^= 0x40; // inside the records
    writeFileSync(path, buf);
    const { lines, logger } = capture();
    await expectRecovered(dir, lines, buf.length - start, await open(dir, logger));
    const warning = lines.find((l) => l['msg'] === 'log recovery: truncated a torn or corrupt tail');
    expect(warning!['reason']).toBe('CRC mismatch');
  });

  it('drops zeroed garbage after the last frame', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pulse-recovery-'));
    dirs.push(dir);
    const path = await writeFrames(dir);
    const start = lastFrameStart(path);
    truncateSync(path, start); // the 10th frame never made it ...
    appendFileSync(path, Buffer.alloc(4096)); // ... but the file grew (preallocated blocks)
    const { lines, logger } = capture();
    await expectRecovered(dir, lines, 4096, await open(dir, logger));
  });

  it('opens an intact log without truncating anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pulse-recovery-'));
    dirs.push(dir);
    const path = await writeFrames(dir);
    const size = statSync(path).size;
    const { lines, logger } = capture();
    const log = await open(dir, logger);
    expect(await log.endOffsets('t')).toEqual([50]);
    expect(statSync(path).size).toBe(size);
    expect(lines.filter((l) => String(l['msg']).includes('recovery'))).toEqual([]);
  });
});
