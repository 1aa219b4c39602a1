import { SampleCollector } from './collector.ts';
import { RecordingError } from './errors.ts';
import type { Recording } from './types.ts';
import { parseNumber, parseTimestamp, quote } from './values.ts';

const LAYOUTS = ['ts,bpm', 'ts,bpm,rr', 'time_ms,hr'];

function fields(line: string): string[] {
  return line.split(',').map((f) => f.trim().replace(/^"(.*)"$/, '$1'));
}

function number(text: string, column: string, where: string): number | null {
  if (text === '') return null;
  const value = parseNumber(text);
  if (value === null) throw new RecordingError(`${where}: ${column} ${quote(text)} is not a number`);
  return value;
}

function rrList(text: string, where: string): number[] {
  return text
    .split(/[\s;]+/)
    .filter((t) => t !== '')
    .map((t) => {
      const rr = parseNumber(t);
      if (rr === null || rr <= 0) throw new RecordingError(`${where}: rr ${quote(t)} is not a positive number of ms`);
      return rr;
    });
}

/**
 * Refuses a `time_ms,hr` recording whose median step is under 1 ms: in ms it would have been
 * sampled faster than 1 kHz, so its times are seconds (4 Hz in seconds steps by 0.25). A step
 * of 1 or more is taken as ms, so no recording in ms at 1 kHz or slower is refused; whole
 * seconds at 1 Hz (steps of 1) cannot be told by their times from 1 kHz in ms and pass.
 */
function checkMilliseconds(samples: readonly { ts: number }[]): void {
  const steps = samples
    .slice(1)
    .map((s, i) => s.ts - samples[i]!.ts)
    .sort((a, b) => a - b);
  if (steps.length === 0) return;
  const mid = (steps.length - 1) / 2;
  const median = (steps[Math.floor(mid)]! + steps[Math.ceil(mid)]!) / 2;
  if (median < 1) {
    throw new RecordingError(
      `time_ms steps by ${median} (median): faster than 1 kHz in ms, so it looks like seconds; milliseconds expected`,
    );
  }
}

/**
 * CSV with header `ts,bpm[,rr]` (ts: ms since epoch or ISO-8601; rr: ms separated by spaces or ";")
 * or `time_ms,hr` (ms since start).
 */
export function parseCsv(text: string): Recording {
  const lines = text.split(/\r?\n/);
  const headerLine = Math.max(
    lines.findIndex((line) => line.trim() !== ''),
    0,
  );
  const first = lines[headerLine] ?? '';
  const header = fields(first)
    .map((f) => f.toLowerCase())
    .join(',');
  if (!LAYOUTS.includes(header)) {
    throw new RecordingError(`wrong CSV columns: expected "ts,bpm[,rr]" or "time_ms,hr", found ${quote(first.trim())}`);
  }
  const relative = header === 'time_ms,hr';
  const width = header.split(',').length;
  const collector = new SampleCollector();
  lines.forEach((line, i) => {
    if (i <= headerLine) return;
    const row = fields(line);
    // blank, or all fields empty: spreadsheets write ",," rows below the data
    if (row.every((f) => f === '')) return;
    const where = `line ${i + 1}`;
    if (row.length !== width) {
      throw new RecordingError(`${where}: expected ${width} fields (${header}), found ${row.length}`);
    }
    const [time = '', bpm = '', rr = ''] = row;
    const ts = relative ? parseNumber(time) : parseTimestamp(time);
    if (ts === null) {
      const expected = relative ? 'a number of ms' : 'ms since epoch or ISO-8601';
      throw new RecordingError(`${where}: ${relative ? 'time_ms' : 'ts'} ${quote(time)} is not ${expected}`);
    }
    collector.add({ ts, bpm: number(bpm, relative ? 'hr' : 'bpm', where), rr: rrList(rr, where) }, where);
  });
  const recording = collector.finish('csv');
  if (relative) checkMilliseconds(recording.samples);
  return recording;
}
