import type { Sample } from '../../schemas/index.ts';
import type { SeriesSample } from '../features/index.ts';
import type { UserStream } from './user-stream.ts';

/** A reading as the engine takes it in: the Sample schema's fields (the processor decodes just these). */
export type EngineSample = Pick<
  Sample,
  'userId' | 'deviceId' | 'ts' | 'bpm' | 'rr' | 'cadence' | 'power' | 'speed' | 'steps' | 'receivedAt'
>;

const EXT = 4;
const RR_SHIFT = 256;

const rrCount = (meta: number) => Math.floor(meta / RR_SHIFT);

/** Index of the first held reading with ts ≥ `ts` (binary search; the columns are ts-sorted). */
export function firstAtOrAfter(st: UserStream, ts: number): number {
  let lo = 0;
  let hi = st.ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (st.ts[mid]! < ts) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Device of held reading i. */
const devOf = (st: UserStream, i: number) => (st.devs.length > 0 ? st.devs[i]! : st.firstDev);

/** Whether a reading of this device at this ts is already held. */
export function isHeld(st: UserStream, ts: number, dev: number): boolean {
  for (let i = firstAtOrAfter(st, ts); i < st.ts.length && st.ts[i] === ts; i++) {
    if (devOf(st, i) === dev) return true;
  }
  return false;
}

/** Start of reading i's RR intervals in `rr`. */
function rrStart(st: UserStream, i: number): number {
  let n = 0;
  for (let k = 0; k < i; k++) n += rrCount(st.meta[k]!);
  return n;
}

function hasExt(s: EngineSample): boolean {
  return s.cadence !== null || s.power !== null || s.speed !== null || s.steps !== null;
}

/**
 * Holds a reading in ts order; readings of the same ts (from several devices) in device-hash
 * order, not in arrival order, so that a window's series does not depend on which came first.
 */
export function hold(st: UserStream, s: EngineSample, dev: number): void {
  let at = firstAtOrAfter(st, s.ts + 1);
  while (at > 0 && st.ts[at - 1] === s.ts && devOf(st, at - 1) > dev) at--;
  const n = st.ts.length;
  if (n === 0) st.firstDev = dev;
  else if (st.devs.length === 0 && dev !== st.firstDev) st.devs = new Array<number>(n).fill(st.firstDev);
  // the first reading with a channel starts the column (NaN for the readings before it); it is
  // written whenever it exists or this reading has a channel (an empty buffer's new column too)
  if (st.ext.length === 0 && hasExt(s)) st.ext = new Array<number>(n * EXT).fill(Number.NaN);
  const withExt = st.ext.length > 0 || hasExt(s);
  const bpm = s.bpm ?? 0;
  const meta = bpm + s.rr.length * RR_SHIFT;
  if (at === n) {
    st.ts.push(s.ts);
    st.meta.push(meta);
    if (st.devs.length > 0) st.devs.push(dev);
    if (s.rr.length > 0) {
      if (st.rr.length === 0) st.rr = [];
      for (const r of s.rr) st.rr.push(r);
    }
    if (withExt)
      st.ext.push(s.cadence ?? Number.NaN, s.power ?? Number.NaN, s.speed ?? Number.NaN, s.steps ?? Number.NaN);
    return;
  }
  st.ts.splice(at, 0, s.ts);
  st.meta.splice(at, 0, meta);
  if (st.devs.length > 0) st.devs.splice(at, 0, dev);
  if (s.rr.length > 0) {
    if (st.rr.length === 0) st.rr = [];
    st.rr.splice(rrStart(st, at), 0, ...s.rr);
  }
  if (withExt) st.ext.splice(at * EXT, 0, ...extOf(s));
}

function extOf(s: EngineSample): number[] {
  return [s.cadence ?? Number.NaN, s.power ?? Number.NaN, s.speed ?? Number.NaN, s.steps ?? Number.NaN];
}

const orNull = (v: number) => (Number.isNaN(v) ? null : v);

/** The held readings with from ≤ ts < to, as a series for the feature library. */
export function seriesOf(st: UserStream, from: number, to: number): SeriesSample[] {
  const out: SeriesSample[] = [];
  const first = firstAtOrAfter(st, from);
  let r = rrStart(st, first);
  for (let i = first; i < st.ts.length && st.ts[i]! < to; i++) {
    const meta = st.meta[i]!;
    const nRr = rrCount(meta);
    const bpm = meta % RR_SHIFT;
    const e = i * EXT;
    const ext = st.ext.length > 0;
    out.push({
      ts: st.ts[i]!,
      bpm: bpm === 0 ? null : bpm,
      rr: nRr === 0 ? [] : st.rr.slice(r, r + nRr),
      cadence: ext ? orNull(st.ext[e]!) : null,
      power: ext ? orNull(st.ext[e + 1]!) : null,
      speed: ext ? orNull(st.ext[e + 2]!) : null,
      steps: ext ? orNull(st.ext[e + 3]!) : null,
    });
    r += nRr;
  }
  return out;
}

/** Drops the held readings before `ts` (no open window needs them). */
export function release(st: UserStream, ts: number): void {
  const n = firstAtOrAfter(st, ts);
  if (n === 0) return;
  if (n === st.ts.length) {
    st.ts = [];
    st.meta = [];
    if (st.devs.length > 0) st.devs = [];
    if (st.rr.length > 0) st.rr = [];
    if (st.ext.length > 0) st.ext = [];
    return;
  }
  const nRr = rrStart(st, n);
  st.ts = st.ts.slice(n);
  st.meta = st.meta.slice(n);
  if (st.devs.length > 0) st.devs = st.devs.slice(n);
  if (st.rr.length > 0) st.rr = st.rr.slice(nRr);
  if (st.ext.length > 0) st.ext = st.ext.slice(n * EXT);
}
