export { DEFAULT_MAX_GAP_S, heldSeconds, type HrSample } from './samples.ts';
export { hrStats, pctMax, pctReserve, karvonenTarget, timeWeightedMeanHr, type HrStats } from './hr-stats.ts';
export { zoneOfPct, hrZone, timeInZones, type Zone, type ZoneScale, type ZoneTimes } from './zones.ts';
export { banisterTrimp, banisterTrimpSeries, edwardsTrimp, edwardsTrimpSeries, type BanisterOptions } from './trimp.ts';
export {
  acceptedBeats,
  hrvTimeDomain,
  RR_MIN_MS,
  RR_MAX_MS,
  RR_MAX_DEVIATION,
  type ArtifactMode,
  type HrvTimeDomain,
} from './hrv.ts';
export { aerobicDecoupling, type Drift, type DriftKind, type DriftSample } from './drift.ts';
export { hrr60, type Hrr60, type Hrr60Options } from './recovery.ts';
export {
  stepsTaken,
  summariseActivity,
  type ActivitySample,
  type ActivitySummary,
  type ChannelSummary,
} from './activity.ts';
export {
  smoothingFactor,
  updateLoad,
  loadHistory,
  type DayLoad,
  type Load,
  type LoadOptions,
  type LoadSmoothing,
  type LoadState,
} from './load.ts';
export {
  estimateMaxHr,
  MAX_RESTING_HR,
  RESTING_MAX_SD,
  RESTING_WINDOW_S,
  restingHrFromSeries,
  type MaxHrFormula,
  type RestingHr,
  type RestingHrOptions,
} from './estimates.ts';
export {
  summarise,
  summariseInto,
  toFeatures,
  type DailyValues,
  type WindowIdentity,
  type FeatureValues,
  type Personal,
  type SeriesSample,
  type SummaryOptions,
  type WindowReading,
} from './window-summary.ts';
export { mergeValues, poolInto } from './pooled-values.ts';
export { copyValues, packValues, unpackValues, POOLED_SIZE } from './packed-values.ts';
