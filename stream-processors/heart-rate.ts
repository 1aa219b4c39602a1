import { estimateMaxHr } from './features/index.ts';

/**
 * HRmax from age for a profile without a measured one: Tanaka's formula (features/estimates.ts,
 * where its source is), rounded to a whole bpm as profile and Features values are.
 */
export function tanakaMaxHr(age: number): number {
  return Math.round(estimateMaxHr(age));
}
