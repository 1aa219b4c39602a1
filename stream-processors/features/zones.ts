import { pctMax, pctReserve } from './hr-stats.ts';
import { DEFAULT_MAX_GAP_S, heldSeconds, type HrSample } from './samples.ts';

export type Zone = 0 | 1 | 2 | 3 | 4 | 5;

/**
 * The five 10 %-wide zones of Edwards (1993, The Heart Rate Monitor Book): zone 1 is 50–60 %,
 * …, zone 5 is ≥ 90 %; below 50 % (or NaN) is zone 0, rest. The same boundaries serve %HRmax
 * and %HRR.
 */
export function zoneOfPct(pct: number): Zone {
  if (!(pct >= 50)) return 0;
  if (pct >= 90) return 5;
  return (Math.floor(pct / 10) - 4) as Zone;
}

/**
 * Which intensity scale the zone boundaries apply to: % of HRmax, or % of heart-rate reserve
 * (Karvonen et al. 1957), which puts a low-resting-HR athlete in the same zone at the same
 * relative effort.
 */
export type ZoneScale = { kind: 'max'; maxHr: number } | { kind: 'reserve'; restHr: number; maxHr: number };

export function hrZone(hr: number, scale: ZoneScale): Zone {
  return zoneOfPct(scale.kind === 'max' ? pctMax(hr, scale.maxHr) : pctReserve(hr, scale.restHr, scale.maxHr));
}

/** Time per zone 1–5 (zone 0 is not counted); the unit is the producing function's. */
export interface ZoneTimes {
  z1: number;
  z2: number;
  z3: number;
  z4: number;
  z5: number;
}

/**
 * Seconds spent in zones 1–5 over a ts-sorted series: each reading holds until the next one, at
 * most `maxGapS` (see `heldSeconds`), so of a dropout only the first `maxGapS` counts, in the
 * zone of the reading before it.
 */
export function timeInZones(samples: readonly HrSample[], scale: ZoneScale, maxGapS = DEFAULT_MAX_GAP_S): ZoneTimes {
  // by zone number (0 not counted): an indexed sum, not a keyed store per reading
  const t = [0, 0, 0, 0, 0, 0];
  for (let i = 0; i < samples.length; i++) {
    const z = hrZone(samples[i]!.bpm, scale);
    if (z > 0) t[z] = t[z]! + heldSeconds(samples, i, maxGapS);
  }
  return { z1: t[1]!, z2: t[2]!, z3: t[3]!, z4: t[4]!, z5: t[5]! };
}
