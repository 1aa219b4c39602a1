import { describe, expect, it } from 'vitest';
import { parseRecording, RecordingError } from './index.ts';

const parse = (text: string) => parseRecording(Buffer.from(text), 'session.csv');
const T0 = Date.UTC(2024, 2, 1, 8, 0, 0);

describe('CSV recordings', () => {
  it('reads ts,bpm,rr with epoch ms and ISO times, RR split by spaces or ";"', () => {
    const r = parse(
      ['ts,bpm,rr', `${T0},72,812 830`, '2024-03-01T08:00:01Z,74,"801;790"', '2024-03-01T08:00:02.500+00:00,,'].join(
        '\r\n',
      ),
    );
    expect(r.format).toBe('csv');
    expect(r.samples).toEqual([
      { ts: T0, bpm: 72, rr: [812, 830], cadence: null, power: null, speed: null, steps: null },
      { ts: T0 + 1000, bpm: 74, rr: [801, 790], cadence: null, power: null, speed: null, steps: null },
      { ts: T0 + 2500, bpm: null, rr: [], cadence: null, power: null, speed: null, steps: null },
    ]);
    expect(r.summary).toBeUndefined();
  });

  it('reads ts,bpm and time_ms,hr (relative time), skipping blank lines', () => {
    expect(parse(`\nts,bpm\n${T0},60\n\n${T0 + 500},61\n`).samples.map((s) => [s.ts, s.bpm])).toEqual([
      [T0, 60],
      [T0 + 500, 61],
    ]);
    expect(parse('TIME_MS, HR\n0,90\n1000,95\n').samples.map((s) => [s.ts, s.bpm])).toEqual([
      [0, 90],
      [1000, 95],
    ]);
  });

  it('skips rows whose fields are all empty, as a spreadsheet writes below the data', () => {
    expect(parse(`ts,bpm,rr\n${T0},60,1000\n,,\n${T0 + 1000},61,\n , ,""\n,,\n`).samples.map((s) => s.bpm)).toEqual([
      60, 61,
    ]);
  });

  it('takes whole-ms steps as ms, down to 1 kHz', () => {
    expect(parse('time_ms,hr\n0,90\n1,91\n2,92\n').samples.map((s) => s.ts)).toEqual([0, 1, 2]);
  });

  it('merges a duplicated timestamp into the first reading: RR appended, missing values filled', () => {
    const r = parse(`ts,bpm,rr\n${T0},75,800\n${T0},75,790\n${T0 + 1000},,810\n${T0 + 1000},76,805\n`);
    expect(r.samples.map((s) => [s.ts, s.bpm, s.rr])).toEqual([
      [T0, 75, [800, 790]],
      [T0 + 1000, 76, [810, 805]],
    ]);
    expect(r.duplicates).toBe(2);
  });

  it('merges a long run of rows sharing a timestamp into one reading with every RR interval', () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => `${T0},70,${700 + (i % 100)}`);
    const r = parse(['ts,bpm,rr', ...rows, `${T0 + 1000},71,800`].join('\n'));
    expect(r.samples.map((s) => [s.ts, s.rr.length])).toEqual([
      [T0, 20_000],
      [T0 + 1000, 1],
    ]);
    expect(r.samples[0]!.rr.slice(0, 3)).toEqual([700, 701, 702]);
    expect(r.duplicates).toBe(19_999);
  });

  it('drops RR intervals outside 200–3000 ms, as a live sample may not carry them, and counts them', () => {
    const r = parse(`ts,bpm,rr\n${T0},70,800;5;60000;1e300;199;3001;3000\n${T0 + 1000},72,810 200\n`);
    expect(r.samples.map((s) => s.rr)).toEqual([
      [800, 3000],
      [810, 200],
    ]);
    expect(r.rejectedRr).toBe(5);
  });

  it('keeps the first of duplicated timestamps and rejects bpm outside 20–250', () => {
    const r = parse('time_ms,hr\n0,90\n0,91\n1000,19\n2000,251\n3000,20\n4000,250\n');
    expect(r.samples.map((s) => s.bpm)).toEqual([90, null, null, 20, 250]);
    expect([r.duplicates, r.rejected]).toEqual([1, 2]);
  });

  it.each([
    ['time,heart\n0,90\n', 'wrong CSV columns: expected "ts,bpm[,rr]" or "time_ms,hr", found "time,heart"'],
    [
      'ts,bpm,rr,power\n0,90,,1\n',
      'wrong CSV columns: expected "ts,bpm[,rr]" or "time_ms,hr", found "ts,bpm,rr,power"',
    ],
    ['time_ms,hr\n0,90\n1000,9O\n', 'line 3: hr "9O" is not a number'],
    ['time_ms,hr\n0,90\nlater,91\n', 'line 3: time_ms "later" is not a number of ms'],
    ['ts,bpm\nyesterday,91\n', 'line 2: ts "yesterday" is not ms since epoch or ISO-8601'],
    ['ts,bpm,rr\n0,90,800 x\n', 'line 2: rr "x" is not a positive number of ms'],
    ['ts,bpm\n0,90,1\n', 'line 2: expected 2 fields (ts,bpm), found 3'],
    ['\ntime_ms,hr\n0,90\n2000,91\n\n1000,92\n', 'line 6: time goes backwards (1000 ms after 2000 ms)'],
    [
      `ts,bpm\n${T0 + 1000},90\n${T0},91\n`,
      'line 3: time goes backwards (2024-03-01T08:00:00.000Z after 2024-03-01T08:00:01.000Z)',
    ],
    ['time_ms,hr\n0,\n1000,300\n', 'no heart-rate data in this CSV file: every heart rate (1) was outside 20–250 bpm'],
    ['time_ms,hr\n', 'no samples in this CSV file'],
    [
      'ts,bpm,rr\n0,72,0.812 0.830\n1000,74,0.801\n',
      'RR intervals look like seconds (all below 10); milliseconds expected',
    ],
    [
      'ts,bpm\n1700000000,90\n1700000001,91\n',
      'line 2: time 1700000000 looks like seconds since the epoch; milliseconds expected',
    ],
    [
      'time_ms,hr\n0,90\n0.25,91\n0.5,92\n0.75,93\n',
      'time_ms steps by 0.25 (median): faster than 1 kHz in ms, so it looks like seconds; milliseconds expected',
    ],
  ])('refuses %j', (text, message) => {
    expect(() => parse(text)).toThrow(RecordingError);
    expect(() => parse(text)).toThrow(message);
  });
});
