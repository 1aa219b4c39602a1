import { pctMax, pctReserve } from './hr-stats.ts';
import { hrZone, type ZoneScale } from './zones.ts';
import type { Sex } from '../../schemas/index.ts';

/** What personalises a window's features. */
export interface Personal {
  maxHr: number;
  restHr: number;
  sex: Sex;
  /** zones by % HRmax (default) or by % heart-rate reserve (Karvonen) */
  zoneBasis: 'max' | 'reserve';
}

/** The zone scale of an athlete: % HRmax or % heart-rate reserve (Karvonen). */
export function scaleOf(p: Personal): ZoneScale {
  return p.zoneBasis === 'reserve'
    ? { kind: 'reserve', restHr: p.restHr, maxHr: p.maxHr }
    : { kind: 'max', maxHr: p.maxHr };
}

/** % HRmax of a window's mean HR (NaN: the window has no HR). */
export const pctMaxOf = (hrMean: number, p: Personal) => (Number.isNaN(hrMean) ? Number.NaN : pctMax(hrMean, p.maxHr));

/** % heart-rate reserve of a window's mean HR (null: the window has no HR). */
export const pctHrrOf = (hrMean: number, p: Personal) =>
  Number.isNaN(hrMean) ? null : pctReserve(hrMean, p.restHr, p.maxHr);

/** Zone of a window's mean HR (0: the window has no HR). */
export const zoneOf = (hrMean: number, p: Personal) => (Number.isNaN(hrMean) ? 0 : hrZone(hrMean, scaleOf(p)));
