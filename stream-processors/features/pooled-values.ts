import {
  ARTIFACT_PCT,
  CADENCE,
  copyValues,
  DRIFT,
  DRIFT_KIND,
  DURATION,
  HR_COUNT,
  HR_LAST,
  HR_MAX,
  HR_MEAN,
  HR_MIN,
  HR_SD,
  HRR60,
  MAX_HR,
  MEAN_NN,
  NN_COUNT,
  NN_DIFF_COUNT,
  packValues,
  PCT_HRR,
  PCT_MAX,
  PNN50,
  POOLED_SIZE,
  POWER,
  orNaN,
  REST_HR,
  RMSSD,
  RR_COUNT,
  SAMPLES,
  SDNN,
  SPEED,
  STEPS,
  TRIMP_BANISTER,
  TRIMP_EDWARDS,
  unpackValues,
  ZONE,
  ZONE_SECONDS,
  type FeatureValues,
} from './packed-values.ts';
import { pctHrrOf, pctMaxOf, zoneOf, type Personal } from './relative-hr.ts';

/** `x ?? 0` of a nullable field packed (NaN: null) */
const orZero = (v: number) => (Number.isNaN(v) ? 0 : v);

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
function poolChannel(acc: number[], i: number, b: readonly number[], j: number): void {
  const na = acc[i]!;
  const n = b[j]!;
  acc[i + 1] = pooledMean(acc[i + 1]!, na, b[j + 1]!, n);
  acc[i + 2] = maxOf(acc[i + 2]!, b[j + 2]!);
  acc[i] = na + n;
}

/**
 * The values packed at `at` (a) pooled with the next window's (b), in place: what session and
 * daily windows are made of. Counts, zone seconds and TRIMP add up; means and SDs pool exactly;
 * RMSSD and pNN50 pool over their successive differences (the one difference across the
 * boundary is not there). Drift needs the whole series and is not pooled (null). % HRmax, % HRR,
 * zone, HRmax and resting HR are those of `p`. `b` may hold time but no reading (the engine's
 * count of a reading's time into live windows without any): only the times, zones and TRIMP add.
 */
export function poolInto(acc: number[], at: number, b: readonly number[], bt: number, p: Personal): void {
  // (a part without readings may still hold time: a reading's into a live window without any)
  if (b[bt + SAMPLES] === 0 && b[bt + DURATION] === 0) return;
  if (acc[at + SAMPLES] === 0) {
    copyValues(acc, at, b, bt);
    return;
  }
  const bHrCount = b[bt + HR_COUNT]!;
  const bHrMean = b[bt + HR_MEAN]!;
  const bNn = b[bt + NN_COUNT]!;
  const bMeanNN = b[bt + MEAN_NN]!;
  const bDiffs = b[bt + NN_DIFF_COUNT]!;
  const aHrCount = acc[at + HR_COUNT]!;
  const aHrMean = acc[at + HR_MEAN]!;
  const hrCount = aHrCount + bHrCount;
  const mean = pooledMean(aHrCount ? aHrMean : Number.NaN, aHrCount, bHrCount ? bHrMean : Number.NaN, bHrCount);
  const aHrSd = acc[at + HR_SD]!;
  let hrSd: number;
  if (aHrCount && bHrCount) {
    const m2 = pooledM2(
      aHrMean,
      orZero(aHrSd) ** 2 * aHrCount,
      aHrCount,
      bHrMean,
      orZero(b[bt + HR_SD]!) ** 2 * bHrCount,
      bHrCount,
    );
    hrSd = Math.sqrt(m2 / hrCount);
  } else hrSd = aHrCount ? aHrSd : b[bt + HR_SD]!;
  const aNn = acc[at + NN_COUNT]!;
  const aMeanNN = acc[at + MEAN_NN]!;
  const aSdnn = acc[at + SDNN]!;
  const nnCount = aNn + bNn;
  let sdnn: number;
  if (aNn && bNn && !Number.isNaN(aMeanNN) && !Number.isNaN(bMeanNN)) {
    const m2a = orZero(aSdnn) ** 2 * (aNn - 1);
    const m2b = orZero(b[bt + SDNN]!) ** 2 * (bNn - 1);
    sdnn = Math.sqrt(pooledM2(aMeanNN, m2a, aNn, bMeanNN, m2b, bNn) / (nnCount - 1));
  } else sdnn = aNn ? aSdnn : b[bt + SDNN]!;
  const aDiffs = acc[at + NN_DIFF_COUNT]!;
  const diffs = aDiffs + bDiffs;
  const rrCount = acc[at + RR_COUNT]! + b[bt + RR_COUNT]!;
  const aRmssd = orZero(acc[at + RMSSD]!);
  const aPnn50 = orZero(acc[at + PNN50]!);
  acc[at + SAMPLES] = acc[at + SAMPLES]! + b[bt + SAMPLES]!;
  acc[at + DURATION] = acc[at + DURATION]! + b[bt + DURATION]!;
  acc[at + HR_COUNT] = hrCount;
  acc[at + HR_MEAN] = mean;
  acc[at + HR_MIN] =
    aHrCount && bHrCount
      ? Math.min(acc[at + HR_MIN]!, b[bt + HR_MIN]!)
      : aHrCount
        ? acc[at + HR_MIN]!
        : b[bt + HR_MIN]!;
  acc[at + HR_MAX] = Math.max(acc[at + HR_MAX]!, b[bt + HR_MAX]!);
  if (bHrCount) acc[at + HR_LAST] = b[bt + HR_LAST]!;
  acc[at + HR_SD] = hrSd;
  acc[at + MAX_HR] = p.maxHr;
  acc[at + REST_HR] = p.restHr;
  acc[at + PCT_MAX] = pctMaxOf(mean, p);
  acc[at + PCT_HRR] = orNaN(pctHrrOf(mean, p));
  acc[at + ZONE] = zoneOf(mean, p);
  for (let z = 0; z < 5; z++) acc[at + ZONE_SECONDS + z] = acc[at + ZONE_SECONDS + z]! + b[bt + ZONE_SECONDS + z]!;
  acc[at + TRIMP_BANISTER] = acc[at + TRIMP_BANISTER]! + b[bt + TRIMP_BANISTER]!;
  acc[at + TRIMP_EDWARDS] = acc[at + TRIMP_EDWARDS]! + b[bt + TRIMP_EDWARDS]!;
  acc[at + RR_COUNT] = rrCount;
  acc[at + NN_COUNT] = nnCount;
  acc[at + NN_DIFF_COUNT] = diffs;
  acc[at + MEAN_NN] = pooledMean(aMeanNN, aNn, bMeanNN, bNn);
  acc[at + SDNN] = sdnn;
  acc[at + RMSSD] = diffs
    ? Math.sqrt((aRmssd ** 2 * aDiffs + orZero(b[bt + RMSSD]!) ** 2 * bDiffs) / diffs)
    : Number.NaN;
  acc[at + PNN50] = diffs ? (aPnn50 * aDiffs + orZero(b[bt + PNN50]!) * bDiffs) / diffs : Number.NaN;
  acc[at + ARTIFACT_PCT] = rrCount ? ((rrCount - nnCount) / rrCount) * 100 : Number.NaN;
  acc[at + DRIFT] = Number.NaN;
  acc[at + DRIFT_KIND] = Number.NaN;
  if (!Number.isNaN(b[bt + HRR60]!)) acc[at + HRR60] = b[bt + HRR60]!;
  poolChannel(acc, at + CADENCE, b, bt + CADENCE);
  poolChannel(acc, at + POWER, b, bt + POWER);
  poolChannel(acc, at + SPEED, b, bt + SPEED);
  const aSteps = acc[at + STEPS]!;
  const bSteps = b[bt + STEPS]!;
  if (!Number.isNaN(bSteps)) acc[at + STEPS] = Number.isNaN(aSteps) ? bSteps : aSteps + bSteps;
}

/** Features of two consecutive windows as one (a before b): poolInto on a copy of a. */
export function mergeValues(a: FeatureValues, b: FeatureValues, p: Personal): FeatureValues {
  if (a.samples === 0) return b;
  if (b.samples === 0) return a;
  const acc = new Array<number>(2 * POOLED_SIZE);
  packValues(acc, 0, a);
  packValues(acc, POOLED_SIZE, b);
  poolInto(acc, 0, acc, POOLED_SIZE, p);
  return unpackValues(acc, 0);
}
