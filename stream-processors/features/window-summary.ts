import type { Features } from '../../schemas/index.ts';
import { summariseActivity, type ChannelSummary } from './activity.ts';
import { aerobicDecoupling } from './drift.ts';
import { hrStats } from './hr-stats.ts';
import { acceptedBeats, hrvTimeDomain, type ArtifactMode } from './hrv.ts';
import { hrr60 } from './recovery.ts';
import { DEFAULT_MAX_GAP_S, heldSeconds, type HrSample } from './samples.ts';
import { banisterTrimpSeries, edwardsTrimp, edwardsTrimpSeries } from './trimp.ts';
import { pctHrrOf, pctMaxOf, scaleOf, zoneOf, type Personal } from './relative-hr.ts';
import { timeInZones } from './zones.ts';
import * as V from './packed-values.ts';

export type { Personal } from './relative-hr.ts';
export type { FeatureValues } from './packed-values.ts';
type FeatureValues = V.FeatureValues;

/** One reading of a window, as the Sample schema has it (ts-sorted in a series). */
export interface SeriesSample {
  ts: number;
  bpm: number | null;
  rr: readonly number[];
  cadence: number | null;
  power: number | null;
  speed: number | null;
  steps: number | null;
}

export interface SummaryOptions {
  /** 'auto' rejects RR artefacts first; 'none' takes every interval as NN */
  rrCorrection?: ArtifactMode;
  maxGapS?: number;
  /**
   * A live window's end: its last reading holds until then (at most the max gap), as it would
   * until the next reading in a longer series; without it the last reading holds 0 s.
   */
  endTs?: number;
  /** the step counter just before the series (see summariseActivity) */
  stepsBefore?: number;
  /**
   * A live window's start and the heart-rate reading just before it (the previous windows' last):
   * that reading holds from the start until this window's first heart-rate reading (or its end),
   * at most the max gap after its own ts, as it would in one long series. (A window with no
   * reading at all is not emitted: the engine pools what the reading holds of it into the
   * session and day, as a series with no reading and only `hrBefore`.)
   */
  startTs?: number;
  hrBefore?: HrSample;
}

/* Records are built as literals with every field named: a spread into a literal this wide falls
   off V8's fast path (about 14 µs instead of 0.15 µs per record, measured). */

/** A channel's count, mean and max at `i` (NaN: none). */
function packChannel(acc: number[], i: number, c: ChannelSummary | null): void {
  acc[i] = c ? c.n : 0;
  acc[i + 1] = c ? c.mean : Number.NaN;
  acc[i + 2] = c ? c.max : Number.NaN;
}

type BeatValues = Pick<FeatureValues, 'nnCount' | 'meanNN' | 'sdnn' | 'artifactPct'>;

const NO_BEATS: BeatValues = { nnCount: 0, meanNN: null, sdnn: null, artifactPct: null };

/**
 * NN count, mean, SD and artefact % of RR intervals of which no two consecutive beats are
 * accepted (hrvTimeDomain is null: no successive difference): the accepted beats still count,
 * so that a window holding a single beat pools into its session and day as that beat, not as an
 * artefact.
 */
function beatsOnly(rr: readonly number[], mode: ArtifactMode): BeatValues {
  if (rr.length === 0) return NO_BEATS;
  const ok = acceptedBeats(rr, mode);
  let n = 0;
  let sum = 0;
  for (let i = 0; i < rr.length; i++) {
    if (ok[i]) {
      n++;
      sum += rr[i]!;
    }
  }
  const meanNN = n > 0 ? sum / n : null;
  let ss = 0;
  for (let i = 0; i < rr.length; i++) if (ok[i]) ss += (rr[i]! - meanNN!) ** 2;
  return {
    nnCount: n,
    meanNN,
    sdnn: n > 1 ? Math.sqrt(ss / (n - 1)) : null,
    artifactPct: ((rr.length - n) / rr.length) * 100,
  };
}

const hasHr = (s: WindowReading): s is WindowReading & HrSample => s.bpm !== null;

/** A reading of a window without its RR intervals (summariseInto takes the window's as one column). */
export type WindowReading = Omit<SeriesSample, 'rr'>;

/**
 * Every feature of one ts-sorted series, with the feature library's functions (summariseInto's,
 * unpacked): `pulsecoach analyze` calls this for a whole recording.
 */
export function summarise(series: readonly SeriesSample[], p: Personal, opts: SummaryOptions = {}): FeatureValues {
  const rr: number[] = [];
  for (const s of series) for (const r of s.rr) rr.push(r);
  const acc = new Array<number>(V.POOLED_SIZE);
  summariseInto(acc, 0, series, rr, p, opts);
  return V.unpackValues(acc, 0);
}

/**
 * Every feature of one ts-sorted series of readings and their RR intervals in order, packed at
 * `at` (packed-values.ts): the live pipeline computes each closed tumbling or hopping window
 * here, and `summarise` a recording, so both compute the same numbers.
 */
export function summariseInto(
  acc: number[],
  at: number,
  readings: readonly WindowReading[],
  rr: readonly number[],
  p: Personal,
  opts: SummaryOptions = {},
): void {
  const maxGapS = opts.maxGapS ?? DEFAULT_MAX_GAP_S;
  const hr: HrSample[] = [];
  const bpm: number[] = [];
  for (const s of readings) {
    // a reading with a bpm is itself the heart-rate sample (no copy per reading)
    if (hasHr(s)) {
      hr.push(s);
      bpm.push(s.bpm);
    }
  }
  const first = hr[0];
  const last = hr[hr.length - 1];
  const stats = hrStats(bpm);
  // readings hold until the next one, for at most the max gap: the previous window's last
  // heart-rate reading holds into this window until the first one here (or its end), unless a
  // dropout cut it off sooner, and this window's last reading holds until its end
  const before = opts.hrBefore;
  const held: HrSample[] = [];
  // (a reading at or after the start is in a window of a live size changed across a restart, which
  // credited its time up to that window's end already)
  if (before !== undefined && opts.startTs !== undefined && before.ts < opts.startTs) {
    const next = first ? first.ts : (opts.endTs ?? opts.startTs);
    const heldMs = Math.min(next, before.ts + maxGapS * 1000) - opts.startTs;
    // placed so that it holds just that long (the series functions use only how long each reading holds)
    if (heldMs > 0) held.push({ ts: next - heldMs, bpm: before.bpm });
  }
  for (const s of hr) held.push(s);
  const lastHeld = held[held.length - 1];
  if (lastHeld && opts.endTs !== undefined && opts.endTs > lastHeld.ts)
    held.push({ ts: opts.endTs, bpm: lastHeld.bpm });
  const zones = timeInZones(held, scaleOf(p), maxGapS);
  let durationSec = 0;
  for (let i = 0; i < held.length; i++) durationSec += heldSeconds(held, i, maxGapS);
  const trimpBanister = banisterTrimpSeries(held, { restHr: p.restHr, maxHr: p.maxHr, sex: p.sex, maxGapS });
  // Edwards' zones are by % HRmax: the zone times above serve unless zones are by reserve
  const trimpEdwards =
    p.zoneBasis === 'max'
      ? edwardsTrimp({ z1: zones.z1 / 60, z2: zones.z2 / 60, z3: zones.z3 / 60, z4: zones.z4 / 60, z5: zones.z5 / 60 })
      : edwardsTrimpSeries(held, p.maxHr, maxGapS);
  const mode = opts.rrCorrection ?? 'auto';
  const hrv = hrvTimeDomain(rr, mode);
  const beats = hrv ?? beatsOnly(rr, mode);
  const drift = aerobicDecoupling(readings);
  const recovery = hrr60(hr, { maxHr: p.maxHr });
  const activity = summariseActivity(readings, opts.stepsBefore);
  const hrMean = stats ? stats.mean : Number.NaN;
  acc[at + V.SAMPLES] = readings.length;
  acc[at + V.DURATION] = durationSec;
  acc[at + V.HR_COUNT] = hr.length;
  acc[at + V.HR_MEAN] = hrMean;
  acc[at + V.HR_MIN] = stats ? stats.min : 0;
  acc[at + V.HR_MAX] = stats ? stats.max : 0;
  acc[at + V.HR_LAST] = last ? last.bpm : 0;
  acc[at + V.HR_SD] = stats ? stats.sd : Number.NaN;
  acc[at + V.MAX_HR] = p.maxHr;
  acc[at + V.REST_HR] = p.restHr;
  acc[at + V.PCT_MAX] = pctMaxOf(hrMean, p);
  acc[at + V.PCT_HRR] = V.orNaN(pctHrrOf(hrMean, p));
  acc[at + V.ZONE] = zoneOf(hrMean, p);
  acc[at + V.ZONE_SECONDS] = zones.z1;
  acc[at + V.ZONE_SECONDS + 1] = zones.z2;
  acc[at + V.ZONE_SECONDS + 2] = zones.z3;
  acc[at + V.ZONE_SECONDS + 3] = zones.z4;
  acc[at + V.ZONE_SECONDS + 4] = zones.z5;
  acc[at + V.TRIMP_BANISTER] = trimpBanister;
  acc[at + V.TRIMP_EDWARDS] = trimpEdwards;
  acc[at + V.RR_COUNT] = rr.length;
  acc[at + V.NN_COUNT] = beats.nnCount;
  acc[at + V.NN_DIFF_COUNT] = hrv ? hrv.diffCount : 0;
  acc[at + V.MEAN_NN] = V.orNaN(beats.meanNN);
  acc[at + V.SDNN] = V.orNaN(beats.sdnn);
  acc[at + V.RMSSD] = hrv ? hrv.rmssd : Number.NaN;
  acc[at + V.PNN50] = hrv ? hrv.pnn50 : Number.NaN;
  acc[at + V.ARTIFACT_PCT] = V.orNaN(beats.artifactPct);
  acc[at + V.DRIFT] = drift ? drift.pct : Number.NaN;
  acc[at + V.DRIFT_KIND] = V.driftKindCode(drift ? drift.kind : null);
  acc[at + V.HRR60] = recovery ? recovery.drop : Number.NaN;
  packChannel(acc, at + V.CADENCE, activity.cadence);
  packChannel(acc, at + V.POWER, activity.power);
  packChannel(acc, at + V.SPEED, activity.speed);
  acc[at + V.STEPS] = V.orNaN(activity.steps);
}

/** Which window of whom, for a features record. */
export interface WindowIdentity {
  userId: string;
  window: string;
  kind: string;
  windowStart: number;
  windowEnd: number;
  traceArrivalMs: number;
}

/** A day's baselines (daily windows only). */
export type DailyValues = Pick<Features, 'restHrEstimate' | 'atl' | 'ctl' | 'acwr' | 'form'>;

const NO_DAILY: DailyValues = { restHrEstimate: null, atl: null, ctl: null, acwr: null, form: null };

/** The pulse.features.v1 record of a window. */
export function toFeatures(id: WindowIdentity, v: FeatureValues, d: DailyValues = NO_DAILY): Features {
  return {
    userId: id.userId,
    windowStart: id.windowStart,
    windowEnd: id.windowEnd,
    samples: v.samples,
    hrMean: v.hrMean,
    hrMin: v.hrMin,
    hrMax: v.hrMax,
    hrLast: v.hrLast,
    maxHr: v.maxHr,
    restHr: v.restHr,
    pctMax: v.pctMax,
    zone: v.zone,
    traceArrivalMs: id.traceArrivalMs,
    window: id.window,
    kind: id.kind,
    durationSec: v.durationSec,
    hrCount: v.hrCount,
    hrSd: v.hrSd,
    pctHrr: v.pctHrr,
    zoneSeconds: v.zoneSeconds,
    trimpBanister: v.trimpBanister,
    trimpEdwards: v.trimpEdwards,
    rrCount: v.rrCount,
    nnCount: v.nnCount,
    nnDiffCount: v.nnDiffCount,
    meanNN: v.meanNN,
    sdnn: v.sdnn,
    rmssd: v.rmssd,
    pnn50: v.pnn50,
    artifactPct: v.artifactPct,
    drift: v.drift,
    driftKind: v.driftKind,
    hrr60: v.hrr60,
    cadenceCount: v.cadenceCount,
    cadenceMean: v.cadenceMean,
    cadenceMax: v.cadenceMax,
    powerCount: v.powerCount,
    powerMean: v.powerMean,
    powerMax: v.powerMax,
    speedCount: v.speedCount,
    speedMean: v.speedMean,
    speedMax: v.speedMax,
    steps: v.steps,
    restHrEstimate: d.restHrEstimate,
    atl: d.atl,
    ctl: d.ctl,
    acwr: d.acwr,
    form: d.form,
  };
}
