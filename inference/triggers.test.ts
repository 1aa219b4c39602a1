import { describe, expect, it } from 'vitest';
import { serde, type Features } from '../schemas/index.ts';
import { newLiveState } from './live-state.ts';
import { scoreWindow } from './readiness.ts';
import { detectTriggers } from './triggers.ts';

const T0 = 1_700_000_000_000;
function feed(zones: number[], pct?: number[], trimp?: number[]) {
  const s = newLiveState();
  const all = [];
  for (let i = 0; i < zones.length; i++) {
    const pctMax = pct?.[i] ?? zones[i]! * 10 + 45;
    const f: Features = {
      ...(serde('Features').defaults() as Features),
      userId: 'u1',
      windowStart: T0 + i * 10_000,
      windowEnd: T0 + (i + 1) * 10_000,
      samples: 10,
      hrMean: pctMax * 1.9,
      hrMin: 0,
      hrMax: 0,
      hrLast: 0,
      maxHr: 190,
      restHr: 60,
      pctMax,
      zone: zones[i]!,
      trimpBanister: trimp?.[i] ?? 0,
      traceArrivalMs: 0,
    };
    const prev = s.lastScore < 0 ? 100 : s.lastScore;
    const r = scoreWindow(s, f);
    all.push(...detectTriggers(s, f, r.score, prev));
  }
  return all;
}

describe('detectTriggers', () => {
  it('reports a zone change once it held for two windows', () => {
    const t = feed([2, 2, 3, 3, 3]);
    expect(t.map((x) => [x.kind, x.fromZone, x.toZone])).toEqual([['zone_change', 2, 3]]);
    expect(t[0]!.triggerId).toBe(`u1:zone_change:${T0 + 40_000}`);
  });

  it('ignores a one-window blip (hysteresis)', () => {
    expect(feed([2, 2, 3, 2, 2, 3, 2])).toEqual([]);
  });

  it('holds a second zone change back during the cooldown', () => {
    const t = feed([1, 2, 2, 3, 3, 4, 4, 4, 4, 4, 4, 4]);
    expect(t.map((x) => `${x.kind}:${x.toZone}:${(x.ts - T0) / 1000}`)).toEqual([
      'zone_change:2:30',
      'zone_change:4:90',
    ]);
  });

  it('raises danger for heart rate above max for two windows, regardless of cooldowns', () => {
    const t = feed([4, 4, 5, 5, 5], [85, 85, 101, 102, 95]);
    expect(t.map((x) => x.kind)).toContain('danger');
    expect(t.find((x) => x.kind === 'danger')!.ts).toBe(T0 + 40_000);
  });

  it('counts windows as consecutive only without a gap: yesterday above max and today above max is not two windows', () => {
    const s = newLiveState();
    const window = (start: number, pctMax: number): Features => ({
      ...(serde('Features').defaults() as Features),
      userId: 'u1',
      windowStart: start,
      windowEnd: start + 10_000,
      samples: 10,
      hrMean: pctMax * 1.9,
      maxHr: 190,
      restHr: 60,
      pctMax,
      zone: 5,
      traceArrivalMs: 0,
    });
    const kinds = (f: Features) => {
      const previous = s.lastScore < 0 ? 100 : s.lastScore;
      const r = scoreWindow(s, f);
      return detectTriggers(s, f, r.score, previous).map((t) => t.kind);
    };
    expect(kinds(window(T0, 101))).toEqual([]);
    // the next day: one window above max is not a danger yet, the second is
    expect(kinds(window(T0 + 86_400_000, 101))).toEqual([]);
    expect(kinds(window(T0 + 86_410_000, 102))).toEqual(['danger']);
    // a window's dropout (20 s) keeps the streak: the strap slipping must not delay a danger
    const t = T0 + 2 * 86_400_000;
    expect(kinds(window(t, 101))).toEqual([]);
    expect(kinds(window(t + 30_000, 101))).toEqual(['danger']);
  });

  it('lets nothing follow a danger with advice to go on: no zone change or overexertion above max, nor for a cooldown after', () => {
    // zone 5 (held) right after the stop, heart rate above max for a minute, then 95 % for a minute
    const zones = [4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5];
    const pct = [85, 85, 101, 102, 95, 96, 101, 101, 101, 101, 95, 95, 95, 95, 95, 95];
    const t = feed(zones, pct);
    expect(t.map((x) => `${x.kind}:${(x.ts - T0) / 1000}`)).toEqual([
      'danger:40',
      // the second danger: above max again after the danger cooldown
      'danger:100',
      // overexertion after a minute at ≥ 90 % once heart rate is below max and the cooldown is over
      'overexertion:160',
    ]);
  });

  it('holds a readiness drop back for the cooldown after a danger: the stop stays the latest advice', () => {
    // a hard class's load (TRIMP 100: readiness 45) then above max, then 95 %: the score turns red
    // 40 s after the danger, while the athlete should be resting
    const zones = [4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5];
    const pct = [85, 91, 91, 101, 101, 95, 95, 95, 95, 95, 95];
    const t = feed(zones, pct, [100]);
    expect(t.map((x) => `${x.kind}:${(x.ts - T0) / 1000}`)).toEqual([
      'zone_change:30',
      'danger:50',
      'overexertion:110',
    ]);
  });

  it('raises overexertion after six windows at ≥ 90 % HRmax, and repeats it after the cooldown', () => {
    const zones = [5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5];
    const t = feed(
      zones,
      zones.map(() => 93),
    );
    expect(t.map((x) => `${x.kind}:${(x.ts - T0) / 1000}`)).toEqual(['overexertion:60', 'overexertion:120']);
  });
});
