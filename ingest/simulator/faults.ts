import type { Rng } from './random.ts';

/**
 * What real wearables do to a stream, as rates per device. Defaults are chosen so that every
 * fault shows up within a 45-minute class of 24 athletes, while staying inside what the pipeline
 * is built to absorb: late deliveries within 3 s (the watermark allows 5 s of out-of-orderness),
 * duplicates after reconnects (dropped by deviceId + ts), short sensor gaps, a constant clock
 * skew within ±1.5 s, and bursts of held-back samples.
 */
export interface FaultOptions {
  /** probability that a sample is delivered late, after samples that follow it */
  outOfOrderRate: number;
  /** the longest a late sample is held back, ms */
  maxDelayMs: number;
  /** connection drops per device-hour; after each the device resends its last `resend` samples */
  reconnectsPerHour: number;
  /** samples resent after a reconnect (fewer if they would span more than 3 s) */
  resend: number;
  /** sensor drop-outs per device-hour (no samples at all) */
  gapsPerHour: number;
  /** length of a drop-out, [min, max] s */
  gapSec: readonly [number, number];
  /** each device's clock is off by a constant within ±maxSkewMs */
  maxSkewMs: number;
  /** bursts per device-hour: samples held back and delivered together */
  burstsPerHour: number;
  /** how long a burst holds samples back, [min, max] s */
  burstSec: readonly [number, number];
}

export const defaultFaults: FaultOptions = {
  outOfOrderRate: 0.01,
  maxDelayMs: 3000,
  reconnectsPerHour: 4,
  resend: 3,
  gapsPerHour: 2,
  gapSec: [5, 30],
  maxSkewMs: 1500,
  burstsPerHour: 4,
  burstSec: [2, 4],
};

export const noFaults: FaultOptions = {
  outOfOrderRate: 0,
  maxDelayMs: 0,
  reconnectsPerHour: 0,
  resend: 0,
  gapsPerHour: 0,
  gapSec: [0, 0],
  maxSkewMs: 0,
  burstsPerHour: 0,
  burstSec: [0, 0],
};

/** A resent sample must not fall further behind than this (the out-of-order bound). */
export const MAX_LAG_MS = 3000;

export function faultOptions(faults: boolean | Partial<FaultOptions> | undefined): FaultOptions {
  if (faults === false) return noFaults;
  const o = faults === true || faults === undefined ? defaultFaults : { ...defaultFaults, ...faults };
  const nonNegative = [
    'outOfOrderRate',
    'maxDelayMs',
    'reconnectsPerHour',
    'resend',
    'gapsPerHour',
    'maxSkewMs',
    'burstsPerHour',
  ] as const;
  for (const k of nonNegative) {
    if (!Number.isFinite(o[k]) || o[k] < 0) throw new RangeError(`faults.${k} must be a number >= 0, got ${o[k]}`);
  }
  if (o.outOfOrderRate > 1) throw new RangeError(`faults.outOfOrderRate must be 0-1, got ${o.outOfOrderRate}`);
  for (const k of ['gapSec', 'burstSec'] as const) {
    const [lo, hi] = o[k];
    if (!(lo >= 0 && hi >= lo)) throw new RangeError(`faults.${k} must be [min, max] with 0 <= min <= max`);
  }
  return o;
}

/** The latest a sample can be delivered after its true time, ms. */
export function maxLagMs(o: FaultOptions): number {
  return Math.max(o.outOfOrderRate > 0 ? o.maxDelayMs : 0, o.burstsPerHour > 0 ? o.burstSec[1] * 1000 : 0);
}

const HOUR_MS = 3_600_000;

/**
 * One device's faults over time. Event times (gaps, bursts, reconnects) come from exponential
 * waiting times (Poisson processes at the configured rates), drawn only when an event happens,
 * so a sample costs one uniform draw (for out-of-order) when faults are on.
 */
export class DeviceFaults {
  readonly skewMs: number;
  /** how many samples a reconnect resends */
  readonly resend: number;

  private readonly o: FaultOptions;
  private readonly minDelayMs: number;
  private nextGapAt: number;
  private gapUntil = -Infinity;
  private nextBurstAt: number;
  private burstRelease = -Infinity;
  private nextReconnectAt: number;

  constructor(
    private readonly rng: Rng,
    o: FaultOptions,
    startTs: number,
    periodMs: number,
  ) {
    this.o = o;
    this.skewMs = o.maxSkewMs > 0 ? rng.int(-Math.floor(o.maxSkewMs), Math.floor(o.maxSkewMs)) : 0;
    // resent copies are delivered with the newest of them: the oldest is (resend − 1) periods behind
    this.resend = Math.min(Math.floor(o.resend), Math.floor(MAX_LAG_MS / periodMs) + 1);
    // a delay shorter than one period would not reorder anything
    this.minDelayMs = Math.min(Math.floor(periodMs) + 1, o.maxDelayMs);
    this.nextGapAt = startTs + this.wait(o.gapsPerHour);
    this.nextBurstAt = startTs + this.wait(o.burstsPerHour);
    this.nextReconnectAt = startTs + this.wait(o.reconnectsPerHour);
  }

  private wait(perHour: number): number {
    return perHour > 0 ? this.rng.exponential(HOUR_MS / perHour) : Infinity;
  }

  /** Whether the sensor is dropped out at true time `t` (a gap may start here). */
  dropped(t: number): boolean {
    if (t < this.gapUntil) return true;
    if (t < this.nextGapAt) return false;
    const [lo, hi] = this.o.gapSec;
    this.gapUntil = t + Math.round(this.rng.range(lo, hi) * 1000);
    this.nextGapAt = this.gapUntil + this.wait(this.o.gapsPerHour);
    return true;
  }

  /** When the sample of true time `t` leaves the device, out-of-order delays aside (a burst may start here). */
  baseDelivery(t: number): number {
    if (t < this.burstRelease) return this.burstRelease;
    if (t < this.nextBurstAt) return t;
    const [lo, hi] = this.o.burstSec;
    this.burstRelease = t + Math.max(1, Math.round(this.rng.range(lo, hi) * 1000));
    this.nextBurstAt = this.burstRelease + this.wait(this.o.burstsPerHour);
    return this.burstRelease;
  }

  /** The delivery time of a sample of true time `t` with base delivery `base`: sometimes late. */
  delivery(t: number, base: number): number {
    if (this.o.outOfOrderRate === 0 || this.rng.next() >= this.o.outOfOrderRate) return base;
    const late = t + this.rng.int(this.minDelayMs, Math.floor(this.o.maxDelayMs));
    return late > base ? late : base;
  }

  /** Whether the connection drops and comes back right after the sample of true time `t`. */
  reconnects(t: number): boolean {
    if (t < this.nextReconnectAt) return false;
    this.nextReconnectAt = t + this.wait(this.o.reconnectsPerHour);
    return true;
  }
}
