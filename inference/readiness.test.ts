import { describe, expect, it } from 'vitest';
import { serde, type Features } from '../schemas/index.ts';
import { newLiveState } from './live-state.ts';
import { BASE_SCORE, bandOf, scoreWindow } from './readiness.ts';

const T0 = 1_700_000_000_000;
/**
 * A 10 s live window; its TRIMP is what the processor gives for 10 s at that mean HR (rest 60,
 * max 190, male: (1/6) min · x · 0.64 · e^(1.92x), Banister 1991), so the session load adds up as live.
 */
const window = (i: number, hrMean: number, pctMax: number, zone: number): Features => ({
  ...(serde('Features').defaults() as Features),
  userId: 'u1',
  windowStart: T0 + i * 10_000,
  windowEnd: T0 + (i + 1) * 10_000,
  samples: 10,
  hrMean,
  hrMin: hrMean,
  hrMax: hrMean,
  hrLast: hrMean,
  maxHr: 190,
  restHr: 60,
  pctMax,
  zone,
  traceArrivalMs: 0,
  trimpBanister: ((x) => (10 / 60) * x * 0.64 * Math.exp(1.92 * x))(Math.min(1, Math.max(0, (hrMean - 60) / 130))),
});

describe('scoreWindow', () => {
  it('starts at the prior for an easy first window', () => {
    const r = scoreWindow(newLiveState(), window(0, 60, 31.6, 0));
    expect(r.score).toBe(BASE_SCORE);
    expect(r.band).toBe('green');
    expect(r.factors).toEqual([]);
  });

  it('falls with sustained high intensity and names why', () => {
    const s = newLiveState();
    let r = scoreWindow(s, window(0, 175, 92, 5));
    for (let i = 1; i < 10; i++) r = scoreWindow(s, window(i, 175, 92, 5));
    expect(s.highStreak).toBe(10);
    expect(r.score).toBeLessThan(BASE_SCORE - 15);
    expect(r.factors.map((f) => f.name)).toContain('high_intensity');
    expect(r.factors.find((f) => f.name === 'high_intensity')!.impact).toBe(-15);
  });

  it('adds recovery points when heart rate falls after a hard window', () => {
    const s = newLiveState();
    scoreWindow(s, window(0, 172, 90.5, 5));
    const r = scoreWindow(s, window(1, 160, 84, 4));
    expect(r.factors.find((f) => f.name === 'recovery')).toMatchObject({ impact: 5 });
  });

  it('resets the session load after a long gap', () => {
    const s = newLiveState();
    for (let i = 0; i < 30; i++) scoreWindow(s, window(i, 160, 84, 4));
    expect(s.sessionLoad).toBeGreaterThan(10);
    scoreWindow(s, window(30 + 200, 60, 31.6, 0));
    expect(s.sessionLoad).toBe(0);
  });

  it('bands at 67 and 34', () => {
    expect(bandOf(67)).toBe('green');
    expect(bandOf(66)).toBe('yellow');
    expect(bandOf(34)).toBe('yellow');
    expect(bandOf(33)).toBe('red');
  });
});
