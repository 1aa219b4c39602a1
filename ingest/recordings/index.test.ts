import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_BYTES, parseRecording, readRecording, RecordingError } from './index.ts';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'recordings-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const parse = (text: string, name?: string) => parseRecording(Buffer.from(text), name);

describe('format detection', () => {
  it('goes by content first: the extension does not override it', () => {
    expect(parse('time_ms,hr\n0,80\n', 'wrong.json').format).toBe('csv');
    expect(parse('[{"ts":0,"bpm":80}]', 'wrong.csv').format).toBe('json');
    expect(parse('  \n812\n', 'wrong.tcx').format).toBe('rr');
  });

  it('uses the extension when the content is not recognisable', () => {
    expect(() => parse('ts;bpm\n0;80\n', 'export.CSV')).toThrow('wrong CSV columns');
    expect(() => parse('RR\n800\n', 'beats.txt')).toThrow('line 1: "RR" is not a positive number of ms');
    expect(() => parseRecording(Buffer.from([1, 2, 3]), 'ride.fit')).toThrow('not a FIT file');
  });

  it.each([
    [Buffer.alloc(0), 'file is empty'],
    [Buffer.from(' \r\n\t\n'), 'file is empty'],
    [
      Buffer.from('hello world\n'),
      'unknown format: not FIT, TCX, JSON, CSV or an RR list (file starts with "hello world")',
    ],
    [Buffer.from('BEGIN:VCALENDAR'), 'unknown format'],
  ])('refuses %j', (bytes, message) => {
    expect(() => parseRecording(bytes, 'notes')).toThrow(RecordingError);
    expect(() => parseRecording(bytes, 'notes')).toThrow(message);
  });
});

describe('readRecording', () => {
  it('reads a file and uses its name as the hint', async () => {
    const path = join(dir, 'beats.txt');
    await writeFile(path, '1000\n500\n');
    const r = await readRecording(path);
    expect(r.samples.map((s) => [s.ts, s.bpm])).toEqual([
      [1000, 60],
      [1500, 120],
    ]);
  });

  it('refuses a file over the size limit before reading it; the default is 32 MB', async () => {
    const path = join(dir, 'big.csv');
    await writeFile(path, `time_ms,hr\n${'0,80\n'.repeat(30)}`);
    await expect(readRecording(path, { maxBytes: 100 })).rejects.toThrow(
      'file is too large: 161 bytes, the limit is 100 bytes',
    );
    expect(() => parseRecording(Buffer.alloc(3 * 1024 * 1024), 'x.fit', { maxBytes: 2 * 1024 * 1024 })).toThrow(
      'file is too large: 3.0 MB, the limit is 2.0 MB',
    );
    expect(DEFAULT_MAX_BYTES).toBe(32 * 1024 * 1024);
  });

  it('turns a missing file into a RecordingError', async () => {
    const path = join(dir, 'missing.fit');
    await expect(readRecording(path)).rejects.toThrow(RecordingError);
    await expect(readRecording(path)).rejects.toThrow(`cannot read ${path}: ENOENT`);
  });
});

describe('RecordingError', () => {
  it('keeps its message on one line', () => {
    const error = new RecordingError('malformed JSON:\n  Unexpected end\r\n');
    expect(error.message).toBe('malformed JSON: Unexpected end');
    expect(error.name).toBe('RecordingError');
    expect(error).toBeInstanceOf(Error);
  });
});
