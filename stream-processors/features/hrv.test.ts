import { describe, expect, it } from 'vitest';
import { acceptedBeats, hrvTimeDomain } from './hrv.ts';

describe('hrvTimeDomain (Task Force 1996 definitions)', () => {
  // Hand-verifiable series, worked here: RR 800, 850, 790, 860, 800 ms.
  //  meanNN = 4100 / 5 = 820;
  //  SDNN (÷ n − 1) = √((20² + 30² + 30² + 40² + 20²) / 4) = √(4200 / 4) = 32.404;
  //  successive differences +50, −60, +70, −60: RMSSD = √(14600 / 4) = 60.415;
  //  pNN50: 3 of 4 differences exceed 50 ms (exactly 50 does not) = 75 %.
  it('computes meanNN, SDNN, RMSSD and pNN50', () => {
    const h = hrvTimeDomain([800, 850, 790, 860, 800])!;
    expect(h.nnCount).toBe(5);
    expect(h.artifactPct).toBe(0);
    expect(h.meanNN).toBeCloseTo(820, 10);
    expect(h.sdnn).toBeCloseTo(32.404, 3);
    expect(h.rmssd).toBeCloseTo(60.415, 3);
    expect(h.pnn50).toBeCloseTo(75, 10);
  });

  // A premature beat with its compensatory pause (560, 1040 among ~800 ms) and a missed-beat
  // artefact (2500 ms). Local medians: 560 and 1040 are both 245 ms (> 20 %) from ≈ 800;
  // 2500 is out of range. Rejected 3 of 10 → artifactPct 30.
  // NN: 800 810 790 · · 800 805 795 · 800 → meanNN 5600 / 7 = 800,
  // SDNN = √((0 + 100 + 100 + 0 + 25 + 25 + 0) / 6) = √(250 / 6) = 6.455.
  // Successive differences only within runs of accepted beats: +10, −20 | +5, −10 | (none)
  // → RMSSD = √((100 + 400 + 25 + 100) / 4) = 12.5. Differencing across the gaps would add
  // 790→800 and 795→800 and give 11.18 instead.
  const ectopic = [800, 810, 790, 560, 1040, 800, 805, 795, 2500, 800];
  it('rejects the ectopic pair and the artefact, and never differences across them', () => {
    expect(acceptedBeats(ectopic)).toEqual([true, true, true, false, false, true, true, true, false, true]);
    const h = hrvTimeDomain(ectopic)!;
    expect(h.artifactPct).toBeCloseTo(30, 10);
    expect(h.nnCount).toBe(7);
    expect(h.meanNN).toBeCloseTo(800, 10);
    expect(h.sdnn).toBeCloseTo(6.455, 3);
    expect(h.rmssd).toBeCloseTo(12.5, 10);
    expect(h.pnn50).toBe(0);
  });
  it("'none' takes every interval as NN", () => {
    const h = hrvTimeDomain(ectopic, 'none')!;
    expect(h.artifactPct).toBe(0);
    expect(h.nnCount).toBe(10);
    expect(h.meanNN).toBeCloseTo(970, 10);
    // differences +10 −20 −230 +480 −240 +5 −10 +1705 −1700: 5 of 9 exceed 50 ms
    expect(h.pnn50).toBeCloseTo((5 / 9) * 100, 10);
  });
  it('is null without two consecutive accepted beats', () => {
    expect(hrvTimeDomain([800])).toBeNull();
    expect(hrvTimeDomain([800, 3000, 800])).toBeNull();
  });
});
