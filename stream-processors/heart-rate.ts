/**
 * Heart-rate references used to personalise windows.
 */

/** Tanaka, Monahan & Seals (2001), J Am Coll Cardiol 37:153–156: HRmax = 208 − 0.7 · age. */
export function tanakaMaxHr(age: number): number {
  return Math.round(208 - 0.7 * age);
}

/** Used when the profile gives neither max HR nor age: Tanaka at age 35 (208 − 24.5 = 183.5, rounded to 184 bpm). */
export const DEFAULT_AGE = 35;
/** Used when the profile gives no resting HR: a typical adult resting HR. */
export const DEFAULT_REST_HR = 60;

/**
 * Five zones by % HRmax, the common 50/60/70/80/90 split (ACSM; used by Polar and MYZONE-style
 * floor screens): zone 1 is 50–60 %, …, zone 5 is ≥ 90 %; below 50 % is zone 0 (rest).
 */
export function zoneOf(pctMax: number): number {
  if (!(pctMax >= 50)) return 0;
  if (pctMax >= 90) return 5;
  return Math.floor(pctMax / 10) - 4;
}
