import { describe, expect, it } from 'vitest';
import { loadHistory, smoothingFactor, updateLoad } from './load.ts';

const days = (n: number, load: number) => Array.from({ length: n }, (_, day) => ({ day, load }));

describe("updateLoad, 'coggan' (default)", () => {
  // Impulse response with time constant N: a constant load L from 0 reaches L · (1 − e^(−t/N))
  // after t days, so 42 days at 100/day put CTL at 100 · (1 − e^(−1)) = 63.21 (one time
  // constant) and ATL at 100 · (1 − e^(−6)) = 99.75; form −36.54, ACWR 1.578.
  it('gives CTL 63.2 after 42 days at 100', () => {
    const last = loadHistory(days(42, 100)).at(-1)!;
    expect(last.ctl).toBeCloseTo(63.212, 3);
    expect(last.atl).toBeCloseTo(99.752, 3);
    expect(last.form).toBeCloseTo(-36.54, 2);
    expect(last.acwr).toBeCloseTo(1.578, 3);
  });
  it('uses k = 1 − e^(−1/N)', () => {
    expect(smoothingFactor(42)).toBeCloseTo(0.023528, 6);
    expect(updateLoad({ atl: 0, ctl: 0 }, 100).atl).toBeCloseTo(100 * (1 - Math.exp(-1 / 7)), 10);
  });
});

describe("updateLoad, 'williams' (Williams et al. 2017)", () => {
  // Williams et al. 2017: λa = 2/(7 + 1) = 0.25, λc = 2/(42 + 1) = 0.0465.
  it('uses λ = 2/(N + 1)', () => {
    expect(smoothingFactor(7, 'williams')).toBeCloseTo(0.25, 10);
    expect(smoothingFactor(42, 'williams')).toBeCloseTo(0.0465, 4);
  });
  // Hand-computed: one day of 100 from 0 → acute 25, chronic 100 · 2/43 = 4.651, ACWR 5.375;
  // seven days → acute 100 · (1 − 0.75⁷) = 86.65, chronic 100 · (1 − (41/43)⁷) = 28.35.
  it('gives the EWMA values', () => {
    const s = updateLoad({ atl: 0, ctl: 0 }, 100, { smoothing: 'williams' });
    expect(s.atl).toBeCloseTo(25, 10);
    expect(s.ctl).toBeCloseTo(4.651, 3);
    expect(s.acwr).toBeCloseTo(5.375, 10);
    expect(s.form).toBeCloseTo(-20.349, 3);
    const w = loadHistory(days(7, 100), { smoothing: 'williams' }).at(-1)!;
    expect(w.atl).toBeCloseTo(86.652, 3);
    expect(w.ctl).toBeCloseTo(28.351, 3);
  });
});

describe('loadHistory', () => {
  it('counts missing days as rest (0) and sums loads of one day', () => {
    const h = loadHistory([
      { day: 10, load: 60 },
      { day: 10, load: 40 },
      { day: 13, load: 100 },
    ]);
    expect(h.map((d) => d.day)).toEqual([10, 11, 12, 13]);
    const k = smoothingFactor(7);
    expect(h[0]!.atl).toBeCloseTo(100 * k, 10);
    expect(h[2]!.atl).toBeCloseTo(100 * k * (1 - k) ** 2, 10);
    expect(h[3]!.atl).toBeCloseTo(h[2]!.atl + (100 - h[2]!.atl) * k, 10);
  });
  it('has no ACWR while chronic load is 0', () => {
    expect(updateLoad({ atl: 0, ctl: 0 }, 0).acwr).toBeNull();
    expect(loadHistory([])).toEqual([]);
  });
});
