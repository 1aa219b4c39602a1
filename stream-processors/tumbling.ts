import type { Features, Sample } from '../schemas/index.ts';
import { DEFAULT_AGE, DEFAULT_REST_HR, tanakaMaxHr, zoneOf } from './heart-rate.ts';
import { windowPhase } from './engine/engine.ts';
import { banisterTrimp } from './features/index.ts';
import { NO_WINDOWS, deviceHash, newUserWindows, type OpenWindow, type UserWindows } from './window-state.ts';

export interface WindowSpec {
  /** window size, ms; windows are aligned to the epoch */
  sizeMs: number;
  /** allowed out-of-orderness: the watermark trails the max event time by this much */
  outOfOrderMs: number;
  /**
   * Shift each user's windows by a fixed phase derived from the user id, instead of aligning
   * every user's windows to the epoch. Aligned windows close for all users at the same instant:
   * with 10,000 users that is a burst of 10,000 windows every 10 s, and in the embedded bench
   * that burst, not the average load, set the p99 latency. A per-user phase spreads the closes
   * evenly; each user's windows are still contiguous, of the same size, and deterministic.
   */
  staggered?: boolean;
}

export type AddResult = 'added' | 'late' | 'duplicate';

/** zoneSeconds of a live window here: not computed (the window engine computes it); shared, never mutated. */
const NO_ZONES: number[] = [];

/** seenDevice of a window whose samples all came from firstDevice; shared, never mutated. */
const SINGLE_DEVICE: number[] = [];

/** The fields of a sample that windows read. */
export const windowFields = ['userId', 'deviceId', 'ts', 'bpm', 'receivedAt'] as const;
export type WindowInput = Pick<Sample, (typeof windowFields)[number]>;

/**
 * Event-time tumbling windows for one user's stream. A window [start, start+size) closes when
 * the user's watermark (max ts − out-of-orderness) reaches its end; a sample whose window has
 * closed is late. The output depends only on the user's own sample sequence, not on how users
 * interleave in a partition, so a replay or another partitioning gives identical features.
 */
export class TumblingWindows {
  constructor(private readonly spec: WindowSpec) {}

  /** Adds a sample; windows it closes are passed to `emit` in time order. */
  add(state: UserWindows, sample: WindowInput, emit: (f: Features) => void): AddResult {
    const { sizeMs, outOfOrderMs } = this.spec;
    const phase = this.spec.staggered ? windowPhase(sample.userId, sizeMs) : 0;
    const start = sample.ts - ((((sample.ts - phase) % sizeMs) + sizeMs) % sizeMs);
    if (start + sizeMs <= state.watermark) return 'late';
    const dev = deviceHash(sample.deviceId);
    const offset = sample.ts - start;
    let w: OpenWindow | undefined;
    for (const open of state.windows) {
      if (open.start === start) {
        w = open;
        break;
      }
    }
    if (w) {
      const multi = w.seenDevice.length > 0;
      for (let i = 0; i < w.seenOffsets.length; i++) {
        if (w.seenOffsets[i] === offset && (multi ? w.seenDevice[i] : w.firstDevice) === dev) return 'duplicate';
      }
      if (!multi && dev !== w.firstDevice) {
        // a second device: from now on keep the device of every entry
        w.seenDevice = w.seenOffsets.map(() => w!.firstDevice);
      }
    } else {
      w = {
        start,
        count: 0,
        bpmCount: 0,
        bpmSum: 0,
        bpmMin: 0,
        bpmMax: 0,
        lastOffset: -1,
        lastBpm: 0,
        seenOffsets: [],
        seenDevice: SINGLE_DEVICE,
        firstDevice: dev,
      };
      // exact-size arrays: a push reserves 16 slots, for the one or two windows open
      state.windows = state.windows.concat(w);
    }
    // concat rather than push, so each array is exactly its length (a push reserves 16 slots)
    w.seenOffsets = w.seenOffsets.concat(offset);
    if (w.seenDevice.length > 0) w.seenDevice = w.seenDevice.concat(dev);
    w.count++;
    const bpm = sample.bpm;
    if (bpm !== null) {
      if (w.bpmCount === 0 || bpm < w.bpmMin) w.bpmMin = bpm;
      if (bpm > w.bpmMax) w.bpmMax = bpm;
      w.bpmCount++;
      w.bpmSum += bpm;
      if (offset >= w.lastOffset) {
        w.lastOffset = offset;
        w.lastBpm = bpm;
      }
    }
    if (sample.ts > state.maxTs) {
      state.maxTs = sample.ts;
      const watermark = sample.ts - outOfOrderMs;
      if (watermark > state.watermark) this.advance(state, sample.userId, watermark, sample.receivedAt, emit);
    }
    return 'added';
  }

  /** Closes every open window (the user went idle); later samples for them are late. */
  flush(state: UserWindows, userId: string, traceArrivalMs: number, emit: (f: Features) => void): void {
    let end = state.watermark;
    for (const w of state.windows) end = Math.max(end, w.start + this.spec.sizeMs);
    this.advance(state, userId, end, traceArrivalMs, emit);
  }

  private advance(
    state: UserWindows,
    userId: string,
    watermark: number,
    traceArrivalMs: number,
    emit: (f: Features) => void,
  ): void {
    state.watermark = watermark;
    const closing = state.windows.filter((w) => w.start + this.spec.sizeMs <= watermark);
    if (closing.length === 0) return;
    state.windows =
      state.windows.length === closing.length
        ? NO_WINDOWS
        : state.windows.filter((w) => w.start + this.spec.sizeMs > watermark);
    closing.sort((a, b) => a.start - b.start);
    for (const w of closing) emit(this.features(state, userId, w, traceArrivalMs));
  }

  private features(state: UserWindows, userId: string, w: OpenWindow, traceArrivalMs: number): Features {
    const maxHr = state.maxHr > 0 ? state.maxHr : tanakaMaxHr(DEFAULT_AGE);
    const restHr = state.restHr > 0 ? state.restHr : DEFAULT_REST_HR;
    const hrMean = w.bpmCount > 0 ? w.bpmSum / w.bpmCount : Number.NaN;
    const pctMax = (hrMean / maxHr) * 100;
    // a literal naming every field: a spread of defaults into a record this wide is ~100x slower
    return {
      userId,
      windowStart: w.start,
      windowEnd: w.start + this.spec.sizeMs,
      samples: w.count,
      hrMean,
      hrMin: w.bpmMin,
      hrMax: w.bpmMax,
      hrLast: w.lastBpm,
      maxHr,
      restHr,
      pctMax,
      zone: zoneOf(pctMax),
      traceArrivalMs,
      // what these live windows do not compute (the window engine does), at the schema's defaults
      window: 'live',
      kind: 'tumbling',
      durationSec: 0,
      hrCount: w.bpmCount,
      hrSd: null,
      pctHrr: null,
      zoneSeconds: NO_ZONES,
      // the window's mean HR held for its length (male coefficients: these windows know no sex)
      trimpBanister: w.bpmCount > 0 ? banisterTrimp(this.spec.sizeMs / 60_000, hrMean, restHr, maxHr) : 0,
      trimpEdwards: 0,
      rrCount: 0,
      nnCount: 0,
      nnDiffCount: 0,
      meanNN: null,
      sdnn: null,
      rmssd: null,
      pnn50: null,
      artifactPct: null,
      drift: null,
      driftKind: null,
      hrr60: null,
      cadenceCount: 0,
      cadenceMean: null,
      cadenceMax: null,
      powerCount: 0,
      powerMean: null,
      powerMax: null,
      speedCount: 0,
      speedMean: null,
      speedMax: null,
      steps: null,
      restHrEstimate: null,
      atl: null,
      ctl: null,
      acwr: null,
      form: null,
    };
  }
}

export { newUserWindows };
