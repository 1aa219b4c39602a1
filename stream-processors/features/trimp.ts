import type { Sex } from '../../schemas/index.ts';
import { DEFAULT_MAX_GAP_S, heldSeconds, type HrSample } from './samples.ts';
import { timeInZones, type ZoneTimes } from './zones.ts';

/**
 * Banister's sex-specific weighting y = a · e^(b·x) (Banister 1991, "Modeling elite athletic
 * performance", in Physiological Testing of Elite Athletes; Morton, Fitz-Clarke & Banister 1990,
 * J Appl Physiol 69:1171–1177): men a = 0.64, b = 1.92; women a = 0.86, b = 1.67. The exponent
 * follows the rise of blood lactate with heart-rate reserve, so load grows faster than linearly
 * with intensity.
 */
const BANISTER: Record<Sex, { a: number; b: number }> = { m: { a: 0.64, b: 1.92 }, f: { a: 0.86, b: 1.67 } };

/**
 * Heart-rate-reserve fraction x = (HR − rest)/(max − rest), clamped to [0, 1]: below rest adds
 * no load, and above max is a measurement or HRmax-estimate error, not extra training.
 */
function reserveFraction(hr: number, restHr: number, maxHr: number): number {
  return Math.min(1, Math.max(0, (hr - restHr) / (maxHr - restHr)));
}

/** Banister TRIMP of a steady bout: minutes · x · a · e^(b·x) (sources at `BANISTER`). */
export function banisterTrimp(minutes: number, hr: number, restHr: number, maxHr: number, sex: Sex = 'm'): number {
  const x = reserveFraction(hr, restHr, maxHr);
  const { a, b } = BANISTER[sex];
  return minutes * x * a * Math.exp(b * x);
}

export interface BanisterOptions {
  restHr: number;
  maxHr: number;
  sex?: Sex;
  maxGapS?: number;
}

/**
 * Banister TRIMP of a ts-sorted series: the sum of each reading's bout, the reading's HR held
 * for `heldSeconds` (capped at `maxGapS`, so a dropout adds only its first `maxGapS`, at the HR
 * before it). Summing per interval instead of weighting the session's mean HR matters for
 * intermittent work: the weighting is convex, so the weight of the mean HR is below the mean of
 * the weights.
 */
export function banisterTrimpSeries(samples: readonly HrSample[], opts: BanisterOptions): number {
  const { restHr, maxHr, sex = 'm', maxGapS = DEFAULT_MAX_GAP_S } = opts;
  let total = 0;
  for (let i = 0; i < samples.length; i++)
    total += banisterTrimp(heldSeconds(samples, i, maxGapS) / 60, samples[i]!.bpm, restHr, maxHr, sex);
  return total;
}

/**
 * Edwards' summated-heart-rate-zone TRIMP (Edwards 1993, The Heart Rate Monitor Book): minutes
 * in the 50–60, 60–70, 70–80, 80–90 and 90–100 % HRmax zones weighted 1, 2, 3, 4 and 5.
 */
export function edwardsTrimp(minutes: ZoneTimes): number {
  return minutes.z1 + 2 * minutes.z2 + 3 * minutes.z3 + 4 * minutes.z4 + 5 * minutes.z5;
}

/** Edwards TRIMP of a ts-sorted series, its zone times from `timeInZones` on the %HRmax scale. */
export function edwardsTrimpSeries(samples: readonly HrSample[], maxHr: number, maxGapS = DEFAULT_MAX_GAP_S): number {
  const s = timeInZones(samples, { kind: 'max', maxHr }, maxGapS);
  return edwardsTrimp({ z1: s.z1 / 60, z2: s.z2 / 60, z3: s.z3 / 60, z4: s.z4 / 60, z5: s.z5 / 60 });
}
