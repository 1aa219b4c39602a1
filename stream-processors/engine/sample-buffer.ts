import type { Sample } from '../../schemas/index.ts';
import type { WindowReading } from '../features/index.ts';

/** A reading as the engine takes it in: the Sample schema's fields (the processor decodes just these). */
export type EngineSample = Pick<
  Sample,
  'userId' | 'deviceId' | 'ts' | 'bpm' | 'rr' | 'cadence' | 'power' | 'speed' | 'steps' | 'receivedAt'
>;

/**
 * A user's held readings, in ts order (UserStream has these fields): `stride` numbers per reading
 * in `held` (ts, bpm + RR count · 256, then one per channel of `channels`), their RR intervals in
 * `heldRr`. The arrays are longer than what they hold: readings are written in place and dropped
 * by moving the rest down, and an array is replaced only when it is full.
 */
export interface HeldReadings {
  held: number[];
  heldCount: number;
  stride: number;
  /** cadence, power, speed, steps: a bit each */
  channels: number;
  firstDev: number;
  /** one per held reading once a second device appears (else empty: all are firstDev's) */
  heldDevs: number[];
  heldRr: number[];
  heldRrCount: number;
}

/** Empty columns are shared until written (they are replaced, never written to, while empty). */
export const NONE: number[] = [];

const TS = 0;
const META = 1;
const RR_SHIFT = 256;
/** cadence, power, speed, steps */
const CHANNELS = 4;
const STEPS = 3;
/** readings an array holds when first made (about 15 s of 1 Hz readings) */
const FIRST_CAPACITY = 16;

const rrCount = (meta: number) => Math.floor(meta / RR_SHIFT);

function bitCount(x: number): number {
  let n = 0;
  for (let b = x; b !== 0; b &= b - 1) n++;
  return n;
}

/** Offset of channel c within a reading, by channel set (the channel must be in the set). */
const CHANNEL_AT = Array.from({ length: 16 }, (_, channels) =>
  Array.from({ length: CHANNELS }, (_, c) => 2 + bitCount(channels & ((1 << c) - 1))),
);
const channelAt = (channels: number, c: number) => CHANNEL_AT[channels]![c]!;

function channelsOf(s: EngineSample): number {
  return (
    (s.cadence !== null ? 1 : 0) | (s.power !== null ? 2 : 0) | (s.speed !== null ? 4 : 0) | (s.steps !== null ? 8 : 0)
  );
}

/** A double array of n NaNs (NaN: an array of doubles from the start, never converted). */
const nans = (n: number) => new Array<number>(n).fill(Number.NaN);

export const heldTs = (h: HeldReadings, i: number) => h.held[i * h.stride]!;

/** Index of the first held reading with ts ≥ `ts` (binary search; the readings are ts-sorted). */
export function firstAtOrAfter(h: HeldReadings, ts: number): number {
  let lo = 0;
  let hi = h.heldCount;
  const stride = h.stride;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (h.held[mid * stride]! < ts) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Device of held reading i. */
const devOf = (h: HeldReadings, i: number) => (h.heldDevs.length > 0 ? h.heldDevs[i]! : h.firstDev);

/** Whether a reading of this device at this ts is already held. */
export function isHeld(h: HeldReadings, ts: number, dev: number): boolean {
  // most readings come in order, after every held one
  if (h.heldCount === 0 || heldTs(h, h.heldCount - 1) < ts) return false;
  for (let i = firstAtOrAfter(h, ts); i < h.heldCount && heldTs(h, i) === ts; i++) {
    if (devOf(h, i) === dev) return true;
  }
  return false;
}

/** Start of reading i's RR intervals in `heldRr`. */
function rrStart(h: HeldReadings, i: number): number {
  let n = 0;
  for (let k = 0; k < i; k++) n += rrCount(h.held[k * h.stride + META]!);
  return n;
}

/** The readings laid out again with more channels (NaN where a reading has none), with room for one more. */
function widen(h: HeldReadings, channels: number): void {
  const stride = 2 + bitCount(channels);
  const held = nans(Math.max(FIRST_CAPACITY, h.heldCount + 1) * stride);
  for (let i = 0; i < h.heldCount; i++) {
    const from = i * h.stride;
    const to = i * stride;
    held[to + TS] = h.held[from + TS]!;
    held[to + META] = h.held[from + META]!;
    for (let c = 0; c < CHANNELS; c++) {
      if (h.channels & (1 << c)) held[to + channelAt(channels, c)] = h.held[from + channelAt(h.channels, c)]!;
    }
  }
  h.held = held;
  h.stride = stride;
  h.channels = channels;
  if (h.heldDevs.length > 0) h.heldDevs = copyInto(nans(held.length / stride), h.heldDevs, h.heldCount);
}

/** Room for one more reading (and its device). */
function makeRoom(h: HeldReadings): void {
  if ((h.heldCount + 1) * h.stride <= h.held.length) return;
  const capacity = Math.floor(h.held.length / h.stride);
  const grown = Math.max(FIRST_CAPACITY, capacity + (capacity >> 1));
  const held = nans(grown * h.stride);
  for (let k = 0; k < h.heldCount * h.stride; k++) held[k] = h.held[k]!;
  h.held = held;
  if (h.heldDevs.length > 0) h.heldDevs = copyInto(nans(grown), h.heldDevs, h.heldCount);
}

/* (Array.prototype.copyWithin takes a generic path on plain arrays: moving 30 numbers took 1.4 µs, a loop 50 ns, measured) */

/** a[from, to) moves up by `by` (the array has room). */
function moveUp(a: number[], from: number, to: number, by: number): void {
  for (let k = to - 1; k >= from; k--) a[k + by] = a[k]!;
}

/** a[from, to) moves to the start. */
function moveDown(a: number[], from: number, to: number): void {
  for (let k = from; k < to; k++) a[k - from] = a[k]!;
}

function copyInto(to: number[], from: readonly number[], n: number): number[] {
  for (let k = 0; k < n; k++) to[k] = from[k]!;
  return to;
}

/**
 * Holds a reading in ts order; readings of the same ts (from several devices) in device-hash
 * order, not in arrival order, so that a window's series does not depend on which came first.
 */
export function hold(h: HeldReadings, s: EngineSample, dev: number): void {
  const channels = channelsOf(s);
  if (h.heldCount === 0 && h.channels !== channels) {
    // nothing held: the layout starts again from this reading's channels
    h.channels = 0;
    h.stride = 2;
  }
  if ((channels & ~h.channels) !== 0) widen(h, h.channels | channels);
  makeRoom(h);
  const last = h.heldCount - 1;
  let at = last >= 0 && heldTs(h, last) > s.ts ? firstAtOrAfter(h, s.ts + 1) : h.heldCount;
  while (at > 0 && heldTs(h, at - 1) === s.ts && devOf(h, at - 1) > dev) at--;
  const n = h.heldCount;
  if (n === 0) h.firstDev = dev;
  else if (h.heldDevs.length === 0 && dev !== h.firstDev) {
    h.heldDevs = nans(Math.floor(h.held.length / h.stride)).fill(h.firstDev, 0, n);
  }
  const stride = h.stride;
  const held = h.held;
  if (at < n) {
    moveUp(held, at * stride, n * stride, stride);
    if (h.heldDevs.length > 0) moveUp(h.heldDevs, at, n, 1);
  }
  const o = at * stride;
  held[o + TS] = s.ts;
  held[o + META] = (s.bpm ?? 0) + s.rr.length * RR_SHIFT;
  if (h.channels !== 0) {
    const ch = h.channels;
    if (ch & 1) held[o + channelAt(ch, 0)] = s.cadence ?? Number.NaN;
    if (ch & 2) held[o + channelAt(ch, 1)] = s.power ?? Number.NaN;
    if (ch & 4) held[o + channelAt(ch, 2)] = s.speed ?? Number.NaN;
    if (ch & 8) held[o + channelAt(ch, STEPS)] = s.steps ?? Number.NaN;
  }
  if (h.heldDevs.length > 0) h.heldDevs[at] = dev;
  h.heldCount = n + 1;
  if (s.rr.length > 0) holdRr(h, at === n ? h.heldRrCount : rrStart(h, at), s.rr);
}

function holdRr(h: HeldReadings, at: number, rr: readonly number[]): void {
  const total = h.heldRrCount + rr.length;
  if (total > h.heldRr.length) {
    h.heldRr = copyInto(nans(Math.max(2 * FIRST_CAPACITY, total + (total >> 1))), h.heldRr, h.heldRrCount);
  }
  if (at < h.heldRrCount) moveUp(h.heldRr, at, h.heldRrCount, rr.length);
  for (let k = 0; k < rr.length; k++) h.heldRr[at + k] = rr[k]!;
  h.heldRrCount = total;
}

const orNull = (v: number) => (Number.isNaN(v) ? null : v);

/** A window's held readings, and their RR intervals in order. */
export interface HeldWindow {
  readings: WindowReading[];
  rr: number[];
}

/** The held readings with from ≤ ts < to, for the feature library. */
export function windowOf(h: HeldReadings, from: number, to: number): HeldWindow {
  const readings: WindowReading[] = [];
  const first = firstAtOrAfter(h, from);
  const stride = h.stride;
  const cadence = h.channels & 1 ? channelAt(h.channels, 0) : -1;
  const power = h.channels & 2 ? channelAt(h.channels, 1) : -1;
  const speed = h.channels & 4 ? channelAt(h.channels, 2) : -1;
  const steps = h.channels & 8 ? channelAt(h.channels, STEPS) : -1;
  const rrFrom = rrStart(h, first);
  let rrTo = rrFrom;
  for (let i = first; i < h.heldCount && heldTs(h, i) < to; i++) {
    const o = i * stride;
    const meta = h.held[o + META]!;
    const nRr = rrCount(meta);
    const bpm = meta - nRr * RR_SHIFT;
    readings.push({
      ts: h.held[o + TS]!,
      bpm: bpm === 0 ? null : bpm,
      cadence: cadence < 0 ? null : orNull(h.held[o + cadence]!),
      power: power < 0 ? null : orNull(h.held[o + power]!),
      speed: speed < 0 ? null : orNull(h.held[o + speed]!),
      steps: steps < 0 ? null : orNull(h.held[o + steps]!),
    });
    rrTo += nRr;
  }
  return { readings, rr: h.heldRr.slice(rrFrom, rrTo) };
}

/** Drops the held readings before `ts` (no open window needs them). */
export function release(h: HeldReadings, ts: number): void {
  const k = firstAtOrAfter(h, ts);
  if (k === 0) return;
  const nRr = rrStart(h, k);
  moveDown(h.held, k * h.stride, h.heldCount * h.stride);
  if (h.heldDevs.length > 0) moveDown(h.heldDevs, k, h.heldCount);
  if (nRr > 0) moveDown(h.heldRr, nRr, h.heldRrCount);
  h.heldCount -= k;
  h.heldRrCount -= nRr;
  // a second device counts again from the next reading on
  if (h.heldCount === 0) h.heldDevs = NONE;
}

/** Column j (0: ts, 1: meta) of the held readings (for the snapshot). */
export function heldColumn(h: HeldReadings, j: number): number[] {
  const out = new Array<number>(h.heldCount);
  for (let i = 0; i < h.heldCount; i++) out[i] = h.held[i * h.stride + j]!;
  return out;
}

/** Cadence, power, speed, steps per held reading, NaN where none (the snapshot's `ext`). */
export function extColumns(h: HeldReadings): number[] {
  const out = nans(h.heldCount * CHANNELS);
  for (let i = 0; i < h.heldCount; i++) {
    for (let c = 0; c < CHANNELS; c++) {
      if (h.channels & (1 << c)) out[i * CHANNELS + c] = h.held[i * h.stride + channelAt(h.channels, c)]!;
    }
  }
  return out;
}

/** Holds a snapshot's columns (ext: cadence, power, speed, steps per reading, or empty). */
export function holdColumns(
  h: HeldReadings,
  ts: readonly number[],
  meta: readonly number[],
  devs: readonly number[],
  rr: readonly number[],
  ext: readonly number[],
): void {
  let channels = 0;
  for (let k = 0; k < ext.length; k++) if (!Number.isNaN(ext[k]!)) channels |= 1 << (k % CHANNELS);
  // a column of NaNs (its readings with a channel were released) stays a column: saved again, the
  // stream gives the same bytes
  if (ext.length > 0 && channels === 0) channels = 1;
  h.channels = channels;
  h.stride = 2 + bitCount(channels);
  h.heldCount = ts.length;
  h.held = nans(Math.max(FIRST_CAPACITY, ts.length) * h.stride);
  for (let i = 0; i < ts.length; i++) {
    const o = i * h.stride;
    h.held[o + TS] = ts[i]!;
    h.held[o + META] = meta[i]!;
    for (let c = 0; c < CHANNELS; c++) {
      if (channels & (1 << c)) h.held[o + channelAt(channels, c)] = ext[i * CHANNELS + c]!;
    }
  }
  h.heldDevs = devs.length > 0 ? copyInto(nans(Math.floor(h.held.length / h.stride)), devs, devs.length) : h.heldDevs;
  h.heldRrCount = rr.length;
  if (rr.length > 0) h.heldRr = copyInto(nans(Math.max(2 * FIRST_CAPACITY, rr.length)), rr, rr.length);
}
