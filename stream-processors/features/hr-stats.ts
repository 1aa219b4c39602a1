import { heldSeconds } from './samples.ts';

export interface HrStats {
  n: number;
  mean: number;
  min: number;
  max: number;
  /** population SD (÷ n): the readings are the whole recording being described, not a sample of it */
  sd: number;
}

/** Plain summary of bpm readings (each reading counts once, whatever its duration); null when empty. */
export function hrStats(bpm: readonly number[]): HrStats | null {
  const n = bpm.length;
  if (n === 0) return null;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of bpm) {
    sum += v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const mean = sum / n;
  let ss = 0;
  for (const v of bpm) ss += (v - mean) ** 2;
  return { n, mean, min, max, sd: Math.sqrt(ss / n) };
}

/** Heart rate as % of HRmax, the intensity scale of the 50–90 % zones (Edwards 1993; ACSM). */
export function pctMax(hr: number, maxHr: number): number {
  return (hr / maxHr) * 100;
}

/**
 * Heart rate as % of heart-rate reserve (HRmax − HRrest). Karvonen, Kentala & Mustala (1957,
 * Ann Med Exp Biol Fenn 35:307–315) showed that the reserve, not HRmax alone, tracks training
 * intensity across people with different resting rates; %HRR also tracks %VO2reserve (ACSM).
 */
export function pctReserve(hr: number, restHr: number, maxHr: number): number {
  return ((hr - restHr) / (maxHr - restHr)) * 100;
}

/** Karvonen target heart rate: rest + fraction · (max − rest) (Karvonen et al. 1957). */
export function karvonenTarget(restHr: number, maxHr: number, fraction: number): number {
  return restHr + fraction * (maxHr - restHr);
}

/**
 * Mean HR with each reading weighted by the time it holds (until the next reading, at most
 * `maxGapS`), as a device averages over its timer time: recordings that store a reading only
 * when HR changes (Garmin's smart recording) would otherwise over-weight the moments of change.
 * The plain mean when no reading holds any time (a single reading).
 */
export function timeWeightedMeanHr(samples: readonly { ts: number; bpm: number }[], maxGapS: number): number | null {
  if (samples.length === 0) return null;
  let weighted = 0;
  let total = 0;
  for (let i = 0; i + 1 < samples.length; i++) {
    const held = heldSeconds(samples, i, maxGapS);
    weighted += samples[i]!.bpm * held;
    total += held;
  }
  if (total > 0) return weighted / total;
  return samples.reduce((a, s) => a + s.bpm, 0) / samples.length;
}
