import { describe, expect, it } from 'vitest';
import { DEFAULT_WINDOWS, liveWindowOf, parseWindowSpecs } from './window-specs.ts';

describe('parseWindowSpecs (PULSE_WINDOWS)', () => {
  it('parses the default: a 10 s live window, 10 min sessions and UTC days', () => {
    expect(parseWindowSpecs(DEFAULT_WINDOWS)).toEqual([
      { name: 'live', kind: 'tumbling', sizeMs: 10_000 },
      { name: 'session', kind: 'session', gapMs: 600_000 },
      { name: 'day', kind: 'daily' },
    ]);
  });

  it('parses every kind, in order, to the exact objects', () => {
    expect(parseWindowSpecs('live=tumbling:10s,hrv=hopping:60s/10s,session=session:10m,day=daily')).toEqual([
      { name: 'live', kind: 'tumbling', sizeMs: 10_000 },
      { name: 'hrv', kind: 'hopping', sizeMs: 60_000, advanceMs: 10_000 },
      { name: 'session', kind: 'session', gapMs: 600_000 },
      { name: 'day', kind: 'daily' },
    ]);
  });

  it('takes every unit, blanks around items and a trailing comma', () => {
    expect(parseWindowSpecs(' a=tumbling:1500ms , b=hopping:1h/30m, c_2=session:24h ,')).toEqual([
      { name: 'a', kind: 'tumbling', sizeMs: 1500 },
      { name: 'b', kind: 'hopping', sizeMs: 3_600_000, advanceMs: 1_800_000 },
      { name: 'c_2', kind: 'session', gapMs: 86_400_000 },
    ]);
  });

  it('accepts a hopping window whose advance equals its size (a tumbling one)', () => {
    expect(parseWindowSpecs('live=tumbling:10s,h=hopping:30s/30s')[1]).toEqual({
      name: 'h',
      kind: 'hopping',
      sizeMs: 30_000,
      advanceMs: 30_000,
    });
  });

  it('requires the first window to be tumbling', () => {
    expect(() => parseWindowSpecs('hrv=hopping:60s/10s,live=tumbling:10s')).toThrow(
      'the first window must be tumbling (the live window)',
    );
    expect(() => parseWindowSpecs('day=daily')).toThrow('the first window must be tumbling');
    expect(() => parseWindowSpecs('')).toThrow('the first window must be tumbling');
  });

  it('rejects a name used twice', () => {
    expect(() => parseWindowSpecs('live=tumbling:10s,live=hopping:30s/10s')).toThrow('window name live is used twice');
  });

  it('rejects a duration that is not a number with a unit', () => {
    expect(() => parseWindowSpecs('live=tumbling:10x')).toThrow(
      'live=tumbling:10x: "10x" is not a duration like 500ms, 10s, 5m or 1h',
    );
    expect(() => parseWindowSpecs('live=tumbling:10')).toThrow('"10" is not a duration');
    expect(() => parseWindowSpecs('live=tumbling:1.5s')).toThrow('"1.5s" is not a duration');
    expect(() => parseWindowSpecs('live=tumbling:10s,h=hopping:30s/10x')).toThrow('"10x" is not a duration');
  });

  it('rejects a hopping advance longer than its size', () => {
    expect(() => parseWindowSpecs('live=tumbling:10s,h=hopping:30s/60s')).toThrow(
      'h=hopping:30s/60s: advance must be between 1000 ms and 30000 ms, got 60000 ms',
    );
  });

  it('rejects a hopping window without /ADVANCE, or with two', () => {
    expect(() => parseWindowSpecs('live=tumbling:10s,h=hopping:30s')).toThrow(
      'h=hopping:30s: hopping takes SIZE/ADVANCE',
    );
    expect(() => parseWindowSpecs('live=tumbling:10s,h=hopping:30s/10s/5s')).toThrow('hopping takes SIZE/ADVANCE');
  });

  it('rejects an unknown kind', () => {
    expect(() => parseWindowSpecs('live=tumbling:10s,x=sliding:10s')).toThrow(
      'x=sliding:10s: unknown window kind sliding (tumbling, hopping, session, daily)',
    );
  });

  it('rejects a second daily (or session) window', () => {
    expect(() => parseWindowSpecs('live=tumbling:10s,day=daily,day2=daily')).toThrow('at most one daily window');
    expect(() => parseWindowSpecs('live=tumbling:10s,s1=session:1m,s2=session:5m')).toThrow(
      'at most one session window',
    );
  });

  it('rejects arguments to daily, and missing arguments elsewhere', () => {
    expect(() => parseWindowSpecs('live=tumbling:10s,day=daily:1d')).toThrow('day=daily:1d: daily takes no arguments');
    expect(() => parseWindowSpecs('live=tumbling')).toThrow('live=tumbling: tumbling needs arguments');
    expect(() => parseWindowSpecs('live=tumbling:10s,s=session')).toThrow('s=session: session needs arguments');
  });

  it('rejects sizes, advances and gaps out of range', () => {
    expect(() => parseWindowSpecs('live=tumbling:500ms')).toThrow(
      'live=tumbling:500ms: size must be between 1000 ms and 3600000 ms, got 500 ms',
    );
    expect(() => parseWindowSpecs('live=tumbling:2h')).toThrow(
      'size must be between 1000 ms and 3600000 ms, got 7200000 ms',
    );
    expect(() => parseWindowSpecs('live=tumbling:10s,h=hopping:61m/10s')).toThrow('size must be between');
    expect(() => parseWindowSpecs('live=tumbling:10s,h=hopping:30s/999ms')).toThrow(
      'advance must be between 1000 ms and 30000 ms, got 999 ms',
    );
    expect(() => parseWindowSpecs('live=tumbling:10s,s=session:25h')).toThrow(
      'gap must be between 1000 ms and 86400000 ms, got 90000000 ms',
    );
  });

  it('rejects an item that is not name=kind[:args]', () => {
    expect(() => parseWindowSpecs('Live=tumbling:10s')).toThrow('"Live=tumbling:10s" is not name=kind[:args]');
    expect(() => parseWindowSpecs('tumbling:10s')).toThrow('is not name=kind[:args]');
  });

  it('names the first, tumbling window the live one', () => {
    expect(liveWindowOf(parseWindowSpecs('tile=tumbling:5s,day=daily'))).toEqual({
      name: 'tile',
      kind: 'tumbling',
      sizeMs: 5_000,
    });
    expect(() => liveWindowOf([{ name: 'day', kind: 'daily' }])).toThrow('the first window must be tumbling');
    expect(() => liveWindowOf([])).toThrow('the first window must be tumbling');
  });
});
