import { describe, expect, it } from 'vitest';
import { rowEncoder, tsvString, type Column } from './row-format.ts';

const columns: Column[] = [
  { name: 'userId', type: 'String' },
  { name: 'ts', type: 'Int64' },
  { name: 'bpm', type: 'Nullable(Int32)' },
  { name: 'rr', type: 'Array(Int32)' },
  { name: 'pctMax', type: 'Float64' },
  { name: 'names', type: 'Array(String)' },
  { name: 'comment', type: 'Nullable(String)' },
];

const lines = (b: Buffer) => b.toString().split('\n').slice(0, -1);

describe('row encoders', () => {
  it('write JSONCompactEachRow in column order, with defaults for missing fields', () => {
    const encode = rowEncoder(columns, 'JSONCompactEachRow');
    const out = encode([
      { userId: 'a"b', ts: 5, bpm: null, rr: [1, 2], pctMax: 0.5, names: ['x'], comment: 'ok', extra: 'dropped' },
      { userId: 'c', ts: 6 },
    ]);
    expect(lines(out).map((l) => JSON.parse(l))).toEqual([
      ['a"b', 5, null, [1, 2], 0.5, ['x'], 'ok'],
      ['c', 6, null, [], 0, [], null],
    ]);
  });

  it('write TabSeparated with the characters that end fields and rows escaped', () => {
    const encode = rowEncoder(columns, 'TabSeparated');
    const out = encode([
      {
        userId: 'tab\there\nnew\\slash',
        ts: 5,
        bpm: 120,
        rr: [500],
        pctMax: 0.25,
        names: ["o'k", 'b\\c', 'tab\there'],
        comment: null,
      },
    ]);
    // the array's elements as quoted literals, escaped once (a ClickHouse 18.16 server reads them back)
    expect(lines(out)).toEqual([
      "tab\\there\\nnew\\\\slash\t5\t120\t[500]\t0.25\t['o\\'k','b\\\\c','tab\\there']\t\\N",
    ]);
    expect(tsvString('plain')).toBe('plain');
  });

  it('turn non-finite numbers into NULL, or 0 where the column cannot be NULL', () => {
    const row = { userId: 'u', ts: 1, bpm: Number.NaN, rr: [], pctMax: Infinity, names: [], comment: null };
    expect(JSON.parse(lines(rowEncoder(columns, 'JSONCompactEachRow')([row]))[0]!)).toEqual([
      'u',
      1,
      null,
      [],
      0,
      [],
      null,
    ]);
    expect(lines(rowEncoder(columns, 'TabSeparated')([row]))[0]).toBe('u\t1\t\\N\t[]\t0\t[]\t\\N');
  });

  it('refuse a column name that is not an identifier, and types it cannot write', () => {
    expect(() => rowEncoder([{ name: 'a; drop', type: 'String' }], 'TabSeparated')).toThrow(/not an identifier/);
    expect(() => rowEncoder([{ name: 'at', type: 'DateTime64(3)' }], 'TabSeparated')).toThrow(/no row encoding/);
  });
});
