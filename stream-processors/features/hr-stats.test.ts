import { describe, expect, it } from 'vitest';
import { hrStats, karvonenTarget, pctMax, pctReserve } from './hr-stats.ts';

describe('hrStats', () => {
  // Hand-verifiable: mean of 60, 70, 80, 90 is 75; population variance (15² + 5² + 5² + 15²)/4 = 125.
  it('gives mean, min, max and population SD', () => {
    const s = hrStats([60, 70, 80, 90])!;
    expect(s.n).toBe(4);
    expect(s.mean).toBeCloseTo(75, 10);
    expect(s.min).toBe(60);
    expect(s.max).toBe(90);
    expect(s.sd).toBeCloseTo(Math.sqrt(125), 10); // 11.18, not the sample SD 12.91
  });
  it('is null for no readings', () => {
    expect(hrStats([])).toBeNull();
  });
});

describe('Karvonen (Karvonen, Kentala & Mustala 1957)', () => {
  // Worked example on the bit1024.com Karvonen calculator page: ((180 − 60) · 0.75) + 60 = 150 bpm,
  // and ((200 − 70) · 0.60) + 70 = 148 bpm.
  it('targets 150 bpm at 75 % of reserve for rest 60, max 180', () => {
    expect(karvonenTarget(60, 180, 0.75)).toBeCloseTo(150, 10);
    expect(karvonenTarget(70, 200, 0.6)).toBeCloseTo(148, 10);
  });
  it('pctReserve inverts the target, pctMax is the plain ratio', () => {
    expect(pctReserve(150, 60, 180)).toBeCloseTo(75, 10);
    expect(pctMax(150, 180)).toBeCloseTo(83.333, 3);
  });
});
