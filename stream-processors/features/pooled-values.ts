import type { DriftKind } from './drift.ts';
import { pctHrrOf, pctMaxOf, zoneOf } from './relative-hr.ts';
import type { FeatureValues, Personal } from './window-summary.ts';

/*
 * FeatureValues packed into a number array at an offset, and pooled there in place. A user's
 * session and day grow by one live window every few seconds for every active user: kept as
 * objects, each window made two new ones that lived long enough to be promoted and then died,
 * and most of the window engine's time went to collecting them. Nullable fields hold NaN for null.
 */

const SAMPLES = 0;
const DURATION = 1;
const HR_COUNT = 2;
const HR_MEAN = 3;
const HR_MIN = 4;
const HR_MAX = 5;
const HR_LAST = 6;
const HR_SD = 7;
const MAX_HR = 8;
const REST_HR = 9;
const PCT_MAX = 10;
const PCT_HRR = 11;
const ZONE = 12;
/** five: zones 1–5 */
const ZONE_SECONDS = 13;
const TRIMP_BANISTER = 18;
const TRIMP_EDWARDS = 19;
const RR_COUNT = 20;
const NN_COUNT = 21;
const NN_DIFF_COUNT = 22;
const MEAN_NN = 23;
const SDNN = 24;
const RMSSD = 25;
const PNN50 = 26;
const ARTIFACT_PCT = 27;
const DRIFT = 28;
const DRIFT_KIND = 29;
const HRR60 = 30;
/** count, mean, max of cadence, then of power, then of speed */
const CADENCE = 31;
const POWER = 34;
const SPEED = 37;
const STEPS = 40;

/** Numbers one FeatureValues takes packed. */
export const POOLED_SIZE = 41;

/** the driftKind strings, by code (the schema's field is a string) */
const DRIFT_KINDS: readonly string[] = ['power', 'speed', 'hr'] satisfies DriftKind[];

const orNaN = (v: number | null) => (v === null ? Number.NaN : v);
const orNull = (v: number) => (Number.isNaN(v) ? null : v);
/** `x ?? 0` of a nullable field */
const orZero = (v: number) => (Number.isNaN(v) ? 0 : v);

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
  acc[at + DRIFT_KIND] = v.driftKind === null ? Number.NaN : DRIFT_KINDS.indexOf(v.driftKind);
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
  const driftKind = acc[at + DRIFT_KIND]!;
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
    driftKind: Number.isNaN(driftKind) ? null : DRIFT_KINDS[driftKind]!,
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

/** Count-weighted mean of two means; NaN when neither side has values. */
function pooledMean(ma: number, na: number, mb: number, nb: number): number {
  if (na === 0 || Number.isNaN(ma)) return nb === 0 ? Number.NaN : mb;
  if (nb === 0 || Number.isNaN(mb)) return ma;
  return (ma * na + mb * nb) / (na + nb);
}

/**
 * Sum of squared deviations of two parts pooled (Chan, Golub & LeVeque 1979, the parallel form
 * of Welford's update): M2 = M2a + M2b + δ² · na · nb / n.
 */
function pooledM2(ma: number, m2a: number, na: number, mb: number, m2b: number, nb: number): number {
  const d = mb - ma;
  return m2a + m2b + (d * d * na * nb) / (na + nb);
}

/** The larger of two nullable values (NaN: none). */
function maxOf(a: number, b: number): number {
  if (Number.isNaN(a)) return b;
  return Number.isNaN(b) ? a : Math.max(a, b);
}

/** A channel's count, mean and max pooled into `acc` (b's after a's). */
function poolChannel(acc: number[], i: number, n: number, mean: number | null, max: number | null): void {
  const na = acc[i]!;
  acc[i + 1] = pooledMean(acc[i + 1]!, na, orNaN(mean), n);
  acc[i + 2] = maxOf(acc[i + 2]!, orNaN(max));
  acc[i] = na + n;
}

/**
 * The values packed at `at` (a) pooled with the next window's (b), in place: what session and
 * daily windows are made of. Counts, zone seconds and TRIMP add up; means and SDs pool exactly;
 * RMSSD and pNN50 pool over their successive differences (the one difference across the
 * boundary is not there). Drift needs the whole series and is not pooled (null). % HRmax, % HRR,
 * zone, HRmax and resting HR are those of `p`.
 */
export function poolInto(acc: number[], at: number, b: FeatureValues, p: Personal): void {
  if (b.samples === 0) return;
  if (acc[at + SAMPLES] === 0) {
    packValues(acc, at, b);
    return;
  }
  const aHrCount = acc[at + HR_COUNT]!;
  const aHrMean = acc[at + HR_MEAN]!;
  const hrCount = aHrCount + b.hrCount;
  const mean = pooledMean(aHrCount ? aHrMean : Number.NaN, aHrCount, b.hrCount ? b.hrMean : Number.NaN, b.hrCount);
  const aHrSd = acc[at + HR_SD]!;
  let hrSd: number;
  if (aHrCount && b.hrCount) {
    const m2 = pooledM2(
      aHrMean,
      orZero(aHrSd) ** 2 * aHrCount,
      aHrCount,
      b.hrMean,
      (b.hrSd ?? 0) ** 2 * b.hrCount,
      b.hrCount,
    );
    hrSd = Math.sqrt(m2 / hrCount);
  } else hrSd = aHrCount ? aHrSd : orNaN(b.hrSd);
  const aNn = acc[at + NN_COUNT]!;
  const aMeanNN = acc[at + MEAN_NN]!;
  const aSdnn = acc[at + SDNN]!;
  const nnCount = aNn + b.nnCount;
  let sdnn: number;
  if (aNn && b.nnCount && !Number.isNaN(aMeanNN) && b.meanNN !== null) {
    const m2a = orZero(aSdnn) ** 2 * (aNn - 1);
    const m2b = (b.sdnn ?? 0) ** 2 * (b.nnCount - 1);
    sdnn = Math.sqrt(pooledM2(aMeanNN, m2a, aNn, b.meanNN, m2b, b.nnCount) / (nnCount - 1));
  } else sdnn = aNn ? aSdnn : orNaN(b.sdnn);
  const aDiffs = acc[at + NN_DIFF_COUNT]!;
  const diffs = aDiffs + b.nnDiffCount;
  const rrCount = acc[at + RR_COUNT]! + b.rrCount;
  const aRmssd = orZero(acc[at + RMSSD]!);
  const aPnn50 = orZero(acc[at + PNN50]!);
  acc[at + SAMPLES] = acc[at + SAMPLES]! + b.samples;
  acc[at + DURATION] = acc[at + DURATION]! + b.durationSec;
  acc[at + HR_COUNT] = hrCount;
  acc[at + HR_MEAN] = mean;
  acc[at + HR_MIN] =
    aHrCount && b.hrCount ? Math.min(acc[at + HR_MIN]!, b.hrMin) : aHrCount ? acc[at + HR_MIN]! : b.hrMin;
  acc[at + HR_MAX] = Math.max(acc[at + HR_MAX]!, b.hrMax);
  if (b.hrCount) acc[at + HR_LAST] = b.hrLast;
  acc[at + HR_SD] = hrSd;
  acc[at + MAX_HR] = p.maxHr;
  acc[at + REST_HR] = p.restHr;
  acc[at + PCT_MAX] = pctMaxOf(mean, p);
  acc[at + PCT_HRR] = orNaN(pctHrrOf(mean, p));
  acc[at + ZONE] = zoneOf(mean, p);
  for (let z = 0; z < 5; z++) acc[at + ZONE_SECONDS + z] = acc[at + ZONE_SECONDS + z]! + (b.zoneSeconds[z] ?? 0);
  acc[at + TRIMP_BANISTER] = acc[at + TRIMP_BANISTER]! + b.trimpBanister;
  acc[at + TRIMP_EDWARDS] = acc[at + TRIMP_EDWARDS]! + b.trimpEdwards;
  acc[at + RR_COUNT] = rrCount;
  acc[at + NN_COUNT] = nnCount;
  acc[at + NN_DIFF_COUNT] = diffs;
  acc[at + MEAN_NN] = pooledMean(aMeanNN, aNn, orNaN(b.meanNN), b.nnCount);
  acc[at + SDNN] = sdnn;
  acc[at + RMSSD] = diffs
    ? Math.sqrt((aRmssd ** 2 * aDiffs + (b.rmssd ?? 0) ** 2 * b.nnDiffCount) / diffs)
    : Number.NaN;
  acc[at + PNN50] = diffs ? (aPnn50 * aDiffs + (b.pnn50 ?? 0) * b.nnDiffCount) / diffs : Number.NaN;
  acc[at + ARTIFACT_PCT] = rrCount ? ((rrCount - nnCount) / rrCount) * 100 : Number.NaN;
  acc[at + DRIFT] = Number.NaN;
  acc[at + DRIFT_KIND] = Number.NaN;
  if (b.hrr60 !== null) acc[at + HRR60] = b.hrr60;
  poolChannel(acc, at + CADENCE, b.cadenceCount, b.cadenceMean, b.cadenceMax);
  poolChannel(acc, at + POWER, b.powerCount, b.powerMean, b.powerMax);
  poolChannel(acc, at + SPEED, b.speedCount, b.speedMean, b.speedMax);
  const aSteps = acc[at + STEPS]!;
  if (b.steps !== null) acc[at + STEPS] = Number.isNaN(aSteps) ? b.steps : aSteps + b.steps;
}

/** Features of two consecutive windows as one (a before b): poolInto on a copy of a. */
export function mergeValues(a: FeatureValues, b: FeatureValues, p: Personal): FeatureValues {
  if (a.samples === 0) return b;
  if (b.samples === 0) return a;
  const acc = new Array<number>(POOLED_SIZE);
  packValues(acc, 0, a);
  poolInto(acc, 0, b, p);
  return unpackValues(acc, 0);
}
