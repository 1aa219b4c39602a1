import { describe, expect, it } from 'vitest';
import { aerobicDecoupling } from './drift.ts';

const T0 = 1_700_000_000_000;
/** One hour at 1 Hz: the first 30 min at hr1, the rest at hr2, with the given output. */
const hour = (hr1: number, hr2: number, out: { power?: number; speed?: number }) =>
  Array.from({ length: 3600 }, (_, i) => ({ ts: T0 + i * 1000, bpm: i < 1800 ? hr1 : hr2, ...out }));

describe('aerobicDecoupling (Friel Pw:HR)', () => {
  // Hand-computed from Friel's definition: 200 W at 140 bpm, then 200 W at 147 bpm:
  // (200/140 − 200/147) / (200/140) · 100 = 4.7619 % (just under Friel's 5 % mark).
  it('gives 4.76 % for 200 W at 140 then 147 bpm', () => {
    expect(aerobicDecoupling(hour(140, 147, { power: 200 }))).toEqual({
      kind: 'power',
      pct: expect.closeTo(4.7619, 4),
    });
  });
  it('uses speed when there is no power', () => {
    const d = aerobicDecoupling(hour(140, 147, { speed: 3.5 }))!;
    expect(d.kind).toBe('speed');
    expect(d.pct).toBeCloseTo(4.7619, 4);
  });
  // No output at all: HR drift (147 − 140) / 140 · 100 = 5 %.
  it('falls back to heart-rate drift without output', () => {
    expect(aerobicDecoupling(hour(140, 147, {}))).toEqual({ kind: 'hr', pct: expect.closeTo(5, 10) });
  });
  it('splits by time, not by reading count', () => {
    // dense readings early must not move the midpoint: 0–10 min every 0.5 s at 140, then 1 Hz
    const s = [
      ...Array.from({ length: 1200 }, (_, i) => ({ ts: T0 + i * 500, bpm: 140, power: 200 })),
      ...Array.from({ length: 3000 }, (_, i) => ({
        ts: T0 + 600_000 + i * 1000,
        bpm: i < 1200 ? 140 : 147,
        power: 200,
      })),
    ];
    expect(aerobicDecoupling(s)!.pct).toBeCloseTo(4.7619, 4);
  });
  it('is null without readings in both halves', () => {
    expect(aerobicDecoupling([])).toBeNull();
    expect(aerobicDecoupling([{ ts: T0, bpm: 140, power: 200 }])).toBeNull();
  });
});
