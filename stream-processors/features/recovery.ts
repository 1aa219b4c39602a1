import { pctMax } from './hr-stats.ts';
import type { HrSample } from './samples.ts';

export interface Hrr60 {
  /** ts (ms) and bpm of the last reading of the effort */
  endTs: number;
  endBpm: number;
  /** the reading taken as "60 s later" */
  afterTs: number;
  afterBpm: number;
  /** endBpm − afterBpm; Cole et al. (1999) call ≤ 12 bpm abnormal */
  drop: number;
}

export interface Hrr60Options {
  maxHr: number;
  /** an effort is a reading at or above this % HRmax; default 80 */
  thresholdPct?: number;
  /** how far, s, the reading used may be from end + 60 s; default 5 */
  toleranceS?: number;
}

/** At or above the effort threshold (% HRmax). */
function isHard(s: HrSample, maxHr: number, thresholdPct: number): boolean {
  return pctMax(s.bpm, maxHr) >= thresholdPct;
}

/**
 * Index of the end of the effort whose last hard reading is `last`: step back to a higher hard
 * reading while one lies within a minute before the current candidate (a tie keeps the later
 * one). Stepping, not a fixed window before `last`, follows a slow recovery (0.2 bpm/s spends
 * 90 s above 80 % after a 170 bpm peak at HRmax 190) up to its top, while a spike that a minute
 * of lower readings follows, earlier in a long effort, is not taken for its end.
 */
function effortEnd(samples: readonly HrSample[], last: number, maxHr: number, thresholdPct: number): number {
  let end = last;
  for (let i = last - 1; i >= 0 && isHard(samples[i]!, maxHr, thresholdPct); i--) {
    if (samples[end]!.ts - samples[i]!.ts > 60_000) break;
    if (samples[i]!.bpm > samples[end]!.bpm) end = i;
  }
  return end;
}

/**
 * One-minute heart-rate recovery (Cole, Blackstone, Pashkow, Snader & Lauer 1999, N Engl J Med
 * 341:1351–1357): HR at peak exercise minus HR one minute later; a drop of ≤ 12 bpm predicted
 * mortality independently of workload. The last effort is the last run of consecutive readings
 * at ≥ `thresholdPct` of HRmax; its end is the top of that run's final stretch (`effortEnd`: HR
 * keeps falling through the threshold for a while after the effort stops, so the last reading
 * above the threshold would be too late). "One minute later" is the stored reading nearest
 * end + 60 s within ±`toleranceS`, not an interpolation, so a dropout gives null rather than a
 * made-up value. Null when there is no effort, or no reading that close to end + 60 s.
 */
export function hrr60(samples: readonly HrSample[], opts: Hrr60Options): Hrr60 | null {
  const { maxHr, thresholdPct = 80, toleranceS = 5 } = opts;
  let last = samples.length - 1;
  while (last >= 0 && !isHard(samples[last]!, maxHr, thresholdPct)) last--;
  if (last < 0) return null;
  const end = effortEnd(samples, last, maxHr, thresholdPct);
  const e = samples[end]!;
  const target = e.ts + 60_000;
  let best: HrSample | undefined;
  for (let i = end + 1; i < samples.length; i++) {
    const s = samples[i]!;
    const off = Math.abs(s.ts - target);
    if (off <= toleranceS * 1000 && (!best || off < Math.abs(best.ts - target))) best = s;
  }
  if (!best) return null;
  return { endTs: e.ts, endBpm: e.bpm, afterTs: best.ts, afterBpm: best.bpm, drop: e.bpm - best.bpm };
}
