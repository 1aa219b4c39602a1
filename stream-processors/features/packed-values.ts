import type { Features } from '../../schemas/index.ts';
import type { DriftKind } from './drift.ts';

/** The feature values of a window: the Features record without its identity and daily fields. */
export type FeatureValues = Omit<
  Features,
  | 'userId'
  | 'window'
  | 'kind'
  | 'windowStart'
  | 'windowEnd'
  | 'traceArrivalMs'
  | 'restHrEstimate'
  | 'atl'
  | 'ctl'
  | 'acwr'
  | 'form'
>;

/*
 * FeatureValues packed into a number array at an offset (slot numbers below; NaN for null). The
 * window engine computes a window's values into such an array and pools them into the user's
 * session and day there, in place: as objects, each live window made a values object and two
 * pooled ones, which lived long enough to be promoted and then died, and collecting them took
 * most of the engine's time.
 */

export const SAMPLES = 0;
export const DURATION = 1;
export const HR_COUNT = 2;
export const HR_MEAN = 3;
export const HR_MIN = 4;
export const HR_MAX = 5;
export const HR_LAST = 6;
export const HR_SD = 7;
export const MAX_HR = 8;
export const REST_HR = 9;
export const PCT_MAX = 10;
export const PCT_HRR = 11;
export const ZONE = 12;
/** five: zones 1–5 */
export const ZONE_SECONDS = 13;
export const TRIMP_BANISTER = 18;
export const TRIMP_EDWARDS = 19;
export const RR_COUNT = 20;
export const NN_COUNT = 21;
export const NN_DIFF_COUNT = 22;
export const MEAN_NN = 23;
export const SDNN = 24;
export const RMSSD = 25;
export const PNN50 = 26;
export const ARTIFACT_PCT = 27;
export const DRIFT = 28;
export const DRIFT_KIND = 29;
export const HRR60 = 30;
/** count, mean, max of cadence, then of power, then of speed */
export const CADENCE = 31;
export const POWER = 34;
export const SPEED = 37;
export const STEPS = 40;

/** Numbers one FeatureValues takes packed. */
export const POOLED_SIZE = 41;

/** the driftKind strings, by code (the schema's field is a string) */
export const DRIFT_KINDS: readonly string[] = ['power', 'speed', 'hr'] satisfies DriftKind[];

/** A driftKind's code in the DRIFT_KIND slot (NaN: none). */
export const driftKindCode = (kind: string | null) => (kind === null ? Number.NaN : DRIFT_KINDS.indexOf(kind));

/** A driftKind from its code. */
const driftKindOf = (code: number) => (Number.isNaN(code) ? null : DRIFT_KINDS[code]!);

export const orNaN = (v: number | null) => (v === null ? Number.NaN : v);
export const orNull = (v: number) => (Number.isNaN(v) ? null : v);

/** Writes `v` at `at`. */
export function packValues(acc: number[], at: number, v: FeatureValues): void {
  acc[at + SAMPLES] = v.samples;
  acc[at + DURATION] = v.durationSec;
  acc[at + HR_COUNT] = v.hrCount;
  acc[at + HR_MEAN] = v.hrMean;
  acc[at + HR_MIN] = v.hrMin;
  acc[at + HR_MAX] = v.hrMax;
  acc[at + HR_LAST] = v.hrLast;
  acc[at + HR_SD] = orNaN(v.hrSd);
  acc[at + MAX_HR] = v.maxHr;
  acc[at + REST_HR] = v.restHr;
  acc[at + PCT_MAX] = v.pctMax;
  acc[at + PCT_HRR] = orNaN(v.pctHrr);
  acc[at + ZONE] = v.zone;
  for (let z = 0; z < 5; z++) acc[at + ZONE_SECONDS + z] = v.zoneSeconds[z] ?? 0;
  acc[at + TRIMP_BANISTER] = v.trimpBanister;
  acc[at + TRIMP_EDWARDS] = v.trimpEdwards;
  acc[at + RR_COUNT] = v.rrCount;
  acc[at + NN_COUNT] = v.nnCount;
  acc[at + NN_DIFF_COUNT] = v.nnDiffCount;
  acc[at + MEAN_NN] = orNaN(v.meanNN);
  acc[at + SDNN] = orNaN(v.sdnn);
  acc[at + RMSSD] = orNaN(v.rmssd);
  acc[at + PNN50] = orNaN(v.pnn50);
  acc[at + ARTIFACT_PCT] = orNaN(v.artifactPct);
  acc[at + DRIFT] = orNaN(v.drift);
  acc[at + DRIFT_KIND] = driftKindCode(v.driftKind);
  acc[at + HRR60] = orNaN(v.hrr60);
  acc[at + CADENCE] = v.cadenceCount;
  acc[at + CADENCE + 1] = orNaN(v.cadenceMean);
  acc[at + CADENCE + 2] = orNaN(v.cadenceMax);
  acc[at + POWER] = v.powerCount;
  acc[at + POWER + 1] = orNaN(v.powerMean);
  acc[at + POWER + 2] = orNaN(v.powerMax);
  acc[at + SPEED] = v.speedCount;
  acc[at + SPEED + 1] = orNaN(v.speedMean);
  acc[at + SPEED + 2] = orNaN(v.speedMax);
  acc[at + STEPS] = orNaN(v.steps);
}

/** The values packed at `at`. */
export function unpackValues(acc: readonly number[], at: number): FeatureValues {
  return {
    samples: acc[at + SAMPLES]!,
    durationSec: acc[at + DURATION]!,
    hrCount: acc[at + HR_COUNT]!,
    hrMean: acc[at + HR_MEAN]!,
    hrMin: acc[at + HR_MIN]!,
    hrMax: acc[at + HR_MAX]!,
    hrLast: acc[at + HR_LAST]!,
    hrSd: orNull(acc[at + HR_SD]!),
    maxHr: acc[at + MAX_HR]!,
    restHr: acc[at + REST_HR]!,
    pctMax: acc[at + PCT_MAX]!,
    pctHrr: orNull(acc[at + PCT_HRR]!),
    zone: acc[at + ZONE]!,
    zoneSeconds: acc.slice(at + ZONE_SECONDS, at + ZONE_SECONDS + 5),
    trimpBanister: acc[at + TRIMP_BANISTER]!,
    trimpEdwards: acc[at + TRIMP_EDWARDS]!,
    rrCount: acc[at + RR_COUNT]!,
    nnCount: acc[at + NN_COUNT]!,
    nnDiffCount: acc[at + NN_DIFF_COUNT]!,
    meanNN: orNull(acc[at + MEAN_NN]!),
    sdnn: orNull(acc[at + SDNN]!),
    rmssd: orNull(acc[at + RMSSD]!),
    pnn50: orNull(acc[at + PNN50]!),
    artifactPct: orNull(acc[at + ARTIFACT_PCT]!),
    drift: orNull(acc[at + DRIFT]!),
    driftKind: driftKindOf(acc[at + DRIFT_KIND]!),
    hrr60: orNull(acc[at + HRR60]!),
    cadenceCount: acc[at + CADENCE]!,
    cadenceMean: orNull(acc[at + CADENCE + 1]!),
    cadenceMax: orNull(acc[at + CADENCE + 2]!),
    powerCount: acc[at + POWER]!,
    powerMean: orNull(acc[at + POWER + 1]!),
    powerMax: orNull(acc[at + POWER + 2]!),
    speedCount: acc[at + SPEED]!,
    speedMean: orNull(acc[at + SPEED + 1]!),
    speedMax: orNull(acc[at + SPEED + 2]!),
    steps: orNull(acc[at + STEPS]!),
  };
}

/** Copies the values packed at `fromAt` in `from` to `at` in `acc`. */
export function copyValues(acc: number[], at: number, from: readonly number[], fromAt: number): void {
  for (let k = 0; k < POOLED_SIZE; k++) acc[at + k] = from[fromAt + k]!;
}
