import { describe, expect, it } from 'vitest';
import { hrZone, timeInZones, zoneOfPct } from './zones.ts';

const T0 = 1_700_000_000_000;

describe('zoneOfPct', () => {
  // Edwards (1993) zones: 50–60 % is zone 1, …, 90–100 % zone 5; below 50 % is rest.
  it('splits at 50/60/70/80/90', () => {
    expect([49.9, 50, 59.99, 60, 75, 80, 90, 120, Number.NaN].map(zoneOfPct)).toEqual([0, 1, 1, 2, 3, 4, 5, 5, 0]);
  });
});

describe('hrZone', () => {
  // Rest 60, max 180: 150 bpm is 83.3 % of HRmax (zone 4) but 75 % of reserve (zone 3), the
  // Karvonen target of the bit1024.com worked example.
  it('applies the boundaries to %HRmax or %HRR', () => {
    expect(hrZone(150, { kind: 'max', maxHr: 180 })).toBe(4);
    expect(hrZone(150, { kind: 'reserve', restHr: 60, maxHr: 180 })).toBe(3);
    expect(hrZone(100, { kind: 'reserve', restHr: 60, maxHr: 180 })).toBe(0); // 33 % of reserve
  });
});

describe('timeInZones', () => {
  const scale = { kind: 'max', maxHr: 200 } as const;
  it('holds each reading until the next one', () => {
    // 110 bpm (55 %, z1) at 0 s, 130 (65 %, z2) at 1 s, 190 (95 %, z5) at 3 s, end at 6 s
    const s = [
      { ts: T0, bpm: 110 },
      { ts: T0 + 1000, bpm: 130 },
      { ts: T0 + 3000, bpm: 190 },
      { ts: T0 + 6000, bpm: 90 },
    ];
    expect(timeInZones(s, scale)).toEqual({ z1: 1, z2: 2, z3: 0, z4: 0, z5: 3 });
  });
  it('caps a reading at maxGapS, so a dropout is not time in zone', () => {
    // a 60 s dropout after a zone-4 reading counts 5 s by default, 10 s with maxGapS = 10
    const s = [
      { ts: T0, bpm: 170 },
      { ts: T0 + 60_000, bpm: 170 },
      { ts: T0 + 61_000, bpm: 170 },
    ];
    expect(timeInZones(s, scale).z4).toBeCloseTo(6, 10);
    expect(timeInZones(s, scale, 10).z4).toBeCloseTo(11, 10);
  });
});
