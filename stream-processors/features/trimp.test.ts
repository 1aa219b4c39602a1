import { describe, expect, it } from 'vitest';
import { banisterTrimp, banisterTrimpSeries, edwardsTrimp, edwardsTrimpSeries } from './trimp.ts';

const T0 = 1_700_000_000_000;
/** `minutes` of 1 Hz readings at `bpm`, plus a closing reading. */
const steady = (minutes: number, bpm: number) =>
  Array.from({ length: minutes * 60 + 1 }, (_, i) => ({ ts: T0 + i * 1000, bpm }));

describe('banisterTrimp (Banister 1991; Morton, Fitz-Clarke & Banister 1990)', () => {
  // Worked example on calculatorhub.com's TRIMP calculator page: 45 min at 150 bpm, rest 60,
  // max 190, male: x = 90/130 = 0.6923, 45 · 0.6923 · 0.64 · e^(1.92 · 0.6923) = 75.3 (the page
  // prints 75.36 from a rounded weighting 2.4191; unrounded it is 2.4179 and TRIMP 75.33).
  it('gives 75.3 for 45 min at 150 bpm, rest 60, max 190, male', () => {
    expect(banisterTrimp(45, 150, 60, 190, 'm')).toBeCloseTo(75.33, 2);
  });
  // Worked example on fellrnr.com's "TRIMP" page (2012): male, HRmax 200, HRrest 40, 30 min at
  // 130 bpm: 30 · 0.5625 · 0.64 · e^(1.92 · 0.5625) ≈ 32 (31.80).
  it('gives ≈ 32 for the fellrnr example', () => {
    expect(banisterTrimp(30, 130, 40, 200, 'm')).toBeCloseTo(31.8, 1);
  });
  // Same page: the male weighting at HRmax is 0.64 · e^1.92 = 4.37 (4.365) TRIMP per minute. Women's
  // coefficients 0.86 · e^(1.67x) give 0.86 · e^1.67 = 4.57 per minute at HRmax.
  it('uses the sex-specific coefficients', () => {
    expect(banisterTrimp(1, 190, 60, 190, 'm')).toBeCloseTo(4.365, 3);
    expect(banisterTrimp(1, 190, 60, 190, 'f')).toBeCloseTo(4.568, 3);
    expect(banisterTrimp(45, 150, 60, 190, 'f')).toBeCloseTo(85.14, 2);
  });
  it('clamps the reserve fraction to [0, 1]', () => {
    expect(banisterTrimp(10, 50, 60, 190)).toBe(0);
    expect(banisterTrimp(10, 230, 60, 190)).toBeCloseTo(banisterTrimp(10, 190, 60, 190), 10);
  });
});

describe('banisterTrimpSeries', () => {
  it('sums per-interval bouts: a steady 45 min gives the session value 75.33', () => {
    expect(banisterTrimpSeries(steady(45, 150), { restHr: 60, maxHr: 190 })).toBeCloseTo(75.33, 2);
  });
  it('adds no load across a dropout beyond maxGapS', () => {
    const withGap = [...steady(1, 150), { ts: T0 + 3_660_000, bpm: 150 }];
    // 60 s of readings, then 5 s (the cap) for the last one before the hour-long gap
    expect(banisterTrimpSeries(withGap, { restHr: 60, maxHr: 190 })).toBeCloseTo(
      banisterTrimp(65 / 60, 150, 60, 190),
      10,
    );
  });
});

describe('edwardsTrimp (Edwards 1993)', () => {
  // Hand-computed from Edwards' weights: 10 min in each zone = 10 · (1 + 2 + 3 + 4 + 5) = 150.
  it('weights zone minutes 1..5', () => {
    expect(edwardsTrimp({ z1: 10, z2: 10, z3: 10, z4: 10, z5: 10 })).toBeCloseTo(150, 10);
    expect(edwardsTrimp({ z1: 0, z2: 0, z3: 30, z4: 0, z5: 2 })).toBeCloseTo(100, 10);
  });
  it('from a series: 30 min at 75 % HRmax (zone 3) is 90', () => {
    expect(edwardsTrimpSeries(steady(30, 150), 200)).toBeCloseTo(90, 10);
  });
});
