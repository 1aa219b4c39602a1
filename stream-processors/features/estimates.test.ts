import { describe, expect, it } from 'vitest';
import { estimateMaxHr, restingHrFromSeries } from './estimates.ts';

const T0 = 1_700_000_000_000;

describe('estimateMaxHr', () => {
  // Hand-computed from the published equations: Tanaka et al. 2001 at 40 y: 208 − 28 = 180,
  // where it meets Fox's 220 − 40 = 180; at 20 y Tanaka 194 vs Fox 200, at 60 y 166 vs 160.
  // Gulati et al. 2010 at 50 y: 206 − 44 = 162.
  it('uses Tanaka by default, Fox or Gulati on request', () => {
    expect(estimateMaxHr(40)).toBeCloseTo(180, 10);
    expect(estimateMaxHr(40, 'fox')).toBeCloseTo(180, 10);
    expect(estimateMaxHr(20)).toBeCloseTo(194, 10);
    expect(estimateMaxHr(60)).toBeCloseTo(166, 10);
    expect(estimateMaxHr(60, 'fox')).toBeCloseTo(160, 10);
    expect(estimateMaxHr(50, 'gulati')).toBeCloseTo(162, 10);
  });
});

/** 1 Hz readings from second `from`, values from `bpm(i)`. */
const run = (from: number, n: number, bpm: (i: number) => number) =>
  Array.from({ length: n }, (_, i) => ({ ts: T0 + (from + i) * 1000, bpm: bpm(i) }));

describe('restingHrFromSeries (project rule)', () => {
  it('finds the lowest stable, fully covered window', () => {
    const day = [
      ...run(0, 300, () => 75),
      // 2 min alternating 51/53: mean 52, SD 1 → the answer
      ...run(300, 120, (i) => (i % 2 ? 53 : 51)),
      ...run(420, 300, () => 70),
      // lower but unstable: alternating 40/60, mean 50, SD 10
      ...run(720, 120, (i) => (i % 2 ? 60 : 40)),
      ...run(840, 300, () => 72),
      // lower and stable, but only 30 s before a 10 min dropout, then 30 s more
      ...run(1140, 30, () => 45),
      ...run(1770, 30, () => 45),
      ...run(1800, 120, () => 80),
    ];
    const r = restingHrFromSeries(day)!;
    expect(r.bpm).toBeCloseTo(52, 10);
    expect(r.startTs).toBe(T0 + 300_000);
  });
  it('honours windowS and maxSd', () => {
    // 30 s at 48 then 60: a 60 s window from 0 mixes them (mean 54, SD 6); with default maxSd 3 the
    // lowest stable window starts at 26 s, four readings of 48 and 56 of 60: mean 59.2, SD 2.99.
    const s = [...run(0, 30, () => 48), ...run(30, 120, () => 60)];
    expect(restingHrFromSeries(s)).toEqual({ bpm: expect.closeTo(59.2, 10), startTs: T0 + 26_000 });
    expect(restingHrFromSeries(s, { maxSd: 7 })!.bpm).toBeCloseTo(54, 10);
    expect(restingHrFromSeries(s, { windowS: 30 })!.bpm).toBeCloseTo(48, 10);
  });
  it('is null when no window is stable', () => {
    expect(restingHrFromSeries(run(0, 300, (i) => (i % 2 ? 60 : 50)))).toBeNull();
    expect(restingHrFromSeries(run(0, 30, () => 50))).toBeNull();
  });
});
