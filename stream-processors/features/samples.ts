/** One heart-rate reading; `ts` is ms since the epoch, as in the `Sample` schema. */
export interface HrSample {
  ts: number;
  bpm: number;
}

/**
 * Longest time, s, that one reading may stand for. Wearables report about once a second; a
 * longer silence is a dropout (strap lost contact, radio gap), and what HR did in it is unknown:
 * the reading before it is credited with this much of the gap (as it would be before a short
 * one), and the rest of the gap counts toward no zone, load or duration.
 */
export const DEFAULT_MAX_GAP_S = 5;

/**
 * Seconds that reading `i` of a ts-sorted series stands for: it holds until the next reading,
 * but never longer than `maxGapS`; the last reading holds 0 s (nothing says how long it lasted).
 */
export function heldSeconds(samples: readonly { ts: number }[], i: number, maxGapS = DEFAULT_MAX_GAP_S): number {
  const here = samples[i];
  const next = samples[i + 1];
  if (!here || !next) return 0;
  return Math.min(Math.max(0, (next.ts - here.ts) / 1000), maxGapS);
}
