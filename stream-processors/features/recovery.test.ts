import { describe, expect, it } from 'vitest';
import { hrr60 } from './recovery.ts';

const T0 = 1_700_000_000_000;
/**
 * Synthetic session at 1 Hz, HRmax 190 (80 % = 152 bpm): 5 min easy at 120 bpm, an effort
 * rising from 160 to a 170 bpm peak held until t = 600 s, then recovery falling `perS` bpm per
 * second down to 100, until `endS`.
 */
function session(perS: number, endS = 900) {
  return Array.from({ length: endS + 1 }, (_, t) => {
    const bpm = t < 300 ? 120 : t <= 600 ? Math.min(170, 160 + (t - 300) / 10) : Math.max(100, 170 - perS * (t - 600));
    return { ts: T0 + t * 1000, bpm };
  });
}

describe('hrr60 (Cole et al. 1999)', () => {
  // Falling 0.5 bpm/s from the 170 bpm peak at t = 600 s: 140 bpm at t = 660 s → HRR60 = 30.
  it('measures the drop from the end of the effort to 60 s later', () => {
    expect(hrr60(session(0.5), { maxHr: 190 })).toEqual({
      endTs: T0 + 600_000,
      endBpm: 170,
      afterTs: T0 + 660_000,
      afterBpm: expect.closeTo(140, 10),
      drop: expect.closeTo(30, 10),
    });
  });
  // Cole et al. 1999 called a drop of ≤ 12 bpm in the first minute abnormal: 0.2 bpm/s gives 12.
  it('reports a slow, abnormal recovery of 12 bpm', () => {
    expect(hrr60(session(0.2), { maxHr: 190 })!.drop).toBeCloseTo(12, 10);
  });
  it('takes the reading nearest +60 s within the tolerance', () => {
    const s = session(0.5).filter((x) => x.ts < T0 + 655_000 || x.ts === T0 + 663_000);
    const r = hrr60(s, { maxHr: 190 })!;
    expect(r.afterTs).toBe(T0 + 663_000);
    expect(r.drop).toBeCloseTo(31.5, 10);
  });
  // A spike early in a long effort is not its end: 20 min at 172 bpm with one 178 at t = 300 s,
  // stopping at t = 1200 s, then falling 0.7 bpm/s → 172 − 42 = 130 bpm at t = 1260 s.
  it('ends the effort at the top of its final stretch, not at an earlier, higher spike', () => {
    const s = Array.from({ length: 1301 }, (_, t) => ({
      ts: T0 + t * 1000,
      bpm: t === 300 ? 178 : t <= 1200 ? 172 : 172 - 0.7 * (t - 1200),
    }));
    expect(hrr60(s, { maxHr: 190 })).toEqual({
      endTs: T0 + 1_200_000,
      endBpm: 172,
      afterTs: T0 + 1_260_000,
      afterBpm: expect.closeTo(130, 10),
      drop: expect.closeTo(42, 10),
    });
  });
  it('is null when the recording ends (or has a gap) around +60 s, or there was no effort', () => {
    expect(hrr60(session(0.5, 630), { maxHr: 190 })).toBeNull();
    expect(
      hrr60(
        session(0.5).filter((x) => x.ts < T0 + 650_000 || x.ts > T0 + 670_000),
        { maxHr: 190 },
      ),
    ).toBeNull();
    expect(hrr60(session(0.5), { maxHr: 230 })).toBeNull(); // peak 170 is 74 % of 230
  });
});
