import { DEFAULT_MAX_GAP_S, type HrSample } from './samples.ts';

/**
 * Age-predicted HRmax, for when none was measured (not rounded):
 *  - 'tanaka' (default): 208 − 0.7·age, Tanaka, Monahan & Seals (2001, J Am Coll Cardiol
 *    37:153–156), a meta-analysis of 351 studies plus a lab study; 220 − age underestimates
 *    HRmax in older adults;
 *  - 'fox': 220 − age, Fox, Naughton & Haskell (1971, Ann Clin Res 3:404–432), the traditional rule;
 *  - 'gulati': 206 − 0.88·age, Gulati et al. (2010, Circulation 122:130–137), from 5,437
 *    asymptomatic women, in whom 220 − age overestimates peak HR.
 */
export type MaxHrFormula = 'tanaka' | 'fox' | 'gulati';

export function estimateMaxHr(age: number, formula: MaxHrFormula = 'tanaka'): number {
  if (formula === 'fox') return 220 - age;
  if (formula === 'gulati') return 206 - 0.88 * age;
  return 208 - 0.7 * age;
}

/**
 * Above this (the upper end of normal resting HR, American Heart Association) the calmest minute
 * of a day or recording is not rest: it is not taken as a resting-HR estimate.
 */
export const MAX_RESTING_HR = 100;

/** restingHrFromSeries' rule: a minute of readings, stable (population SD below 3 bpm). */
export const RESTING_WINDOW_S = 60;
export const RESTING_MAX_SD = 3;

export interface RestingHrOptions {
  /** window length, s; default 60 */
  windowS?: number;
  /** a window is stable when its population SD is below this, bpm; default 3 */
  maxSd?: number;
  /** largest gap, s, allowed inside a window or before its end; default `DEFAULT_MAX_GAP_S` */
  maxGapS?: number;
}

export interface RestingHr {
  bpm: number;
  /** ts (ms) of the window's first reading */
  startTs: number;
}

/**
 * Resting HR from a day's ts-sorted readings, by this project's rule (no published method is
 * implied): the lowest mean of any window [tsᵢ, tsᵢ + windowS) that is stable (population SD <
 * maxSd) and fully covered (no gap > maxGapS between its readings, and its last reading within
 * maxGapS of its end). Requiring stability skips dropouts and artefacts that would read as a
 * low rate; requiring coverage keeps a few readings around a gap from passing as a minute.
 * Null when no window qualifies.
 */
export function restingHrFromSeries(samples: readonly HrSample[], opts: RestingHrOptions = {}): RestingHr | null {
  const { windowS = RESTING_WINDOW_S, maxSd = RESTING_MAX_SD, maxGapS = DEFAULT_MAX_GAP_S } = opts;
  const W = windowS * 1000;
  const G = maxGapS * 1000;
  // gapsUpTo[k]: gaps > maxGapS between consecutive readings among readings 0..k
  const gapsUpTo: number[] = [];
  for (let k = 0; k < samples.length; k++) {
    const gap = k > 0 && samples[k]!.ts - samples[k - 1]!.ts > G ? 1 : 0;
    gapsUpTo.push((gapsUpTo[k - 1] ?? 0) + gap);
  }
  let best: RestingHr | null = null;
  let j = 0; // the window is readings i..j−1
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < samples.length; i++) {
    const startTs = samples[i]!.ts;
    for (; j < samples.length && samples[j]!.ts < startTs + W; j++) {
      sum += samples[j]!.bpm;
      sumSq += samples[j]!.bpm ** 2;
    }
    const n = j - i;
    const mean = sum / n;
    const sd = Math.sqrt(Math.max(0, sumSq / n - mean * mean));
    const covered = samples[j - 1]!.ts >= startTs + W - G && gapsUpTo[j - 1] === gapsUpTo[i];
    if (covered && sd < maxSd && (!best || mean < best.bpm)) best = { bpm: mean, startTs };
    sum -= samples[i]!.bpm;
    sumSq -= samples[i]!.bpm ** 2;
  }
  return best;
}
