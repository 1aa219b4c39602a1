import { loadSchema } from '../../schemas/index.ts';
import {
  copyValues,
  packValues,
  poolInto,
  POOLED_SIZE,
  unpackValues,
  type FeatureValues,
  type Personal,
} from '../features/index.ts';
import { extColumns, heldColumn, holdColumns, NONE, type HeldReadings } from './sample-buffer.ts';

/* The scalars kept as numbers in `num` (a number in a field of its own is a heap box, 16 bytes more) */
/* what every reading reads first, in the array's first cache line: */
const HASH = 0;
const MAX_TS = 1;
const CLOSED_UNTIL = 2;
const SESSION_LAST = 3;
const DAY_START = 4;
/** then per tumbling/hopping spec the end of its next window */
const NEXT_END = 5;
/* then, from `coldAt`, these, then the open session's values, packed, and the open day's */
const REST_ESTIMATE = 0;
const STEPS_BEFORE = 1;
const HR_BEFORE_TS = 2;
const SESSION_START = 3;
const SESSION_END = 4;
const DAY_REST = 5;
const ATL = 6;
const CTL = 7;
/** the minute of live windows gathered for the resting-HR estimate: MINUTE_SIZE numbers (engine.ts reads them) */
const MINUTE = 8;
const MINUTE_SIZE = 6;
const LIVE_END = MINUTE + MINUTE_SIZE;
const COLD = LIVE_END + 1;

/**
 * One user's windowing state, kept compact because it exists for every active user, and kept in
 * place, because it changes with every reading: objects replaced per reading or window live just
 * long enough to be promoted, and collecting them was most of the engine's time.
 * - the readings still needed by an open tumbling or hopping window, held in ts order in one
 *   array, `stride` numbers each (sample-buffer.ts), and their RR intervals in another, each
 *   array reused as readings come and go and grown only when full;
 * - the end of the next window of each such spec;
 * - the session and day being built, packed as numbers and pooled in place, with the scalars.
 *
 * Its snapshot (userStreamSchema) has the readings as columns and the session and day as
 * FeatureValues records: the getters below give those to the Avro encoder, and reviveUserStream
 * (through WindowEngine.revive) builds the stream again from them.
 */
export class UserStream implements HeldReadings {
  // (fields in the order of how often a reading reads them: the first few share its cache line)
  readonly num: number[];
  /** the held readings: ts, bpm (0: none) + RR count · 256, then the channels in `channels` */
  held: number[] = NONE;
  heldCount = 0;
  stride = 2;
  /** which of cadence, power, speed, steps the held readings carry (a bit each, in that order) */
  channels = 0;
  /** the RR intervals of the held readings, in reading order */
  heldRr: number[] = NONE;
  heldRrCount = 0;
  heldDevs: number[] = NONE;
  /** device of the first reading; `heldDevs` holds one per reading only once a second device appears */
  firstDev = 0;
  sessionOpen = false;
  dayOpen = false;
  /** where the scalars read on closing windows, the session's and the day's values start in `num` */
  private readonly coldAt: number;
  private readonly sessionAt: number;
  private readonly dayAt: number;
  /** from the profile; 0 when unknown */
  maxHr = 0;
  restHr = 0;
  /** 0 unknown, 1 male, 2 female */
  sex = 0;
  /** bpm of the last heart-rate reading of the last closed live window (see hrBeforeTs) */
  hrBeforeBpm = 0;
  /** training load EWMAs after day `loadDay` (UTC day number; −1: none yet) */
  loadDay = -1;

  constructor(frames: number, hash: number) {
    this.coldAt = NEXT_END + frames;
    this.sessionAt = this.coldAt + COLD;
    this.dayAt = this.sessionAt + POOLED_SIZE;
    // NaN, not 0: a double array from the start (an array of small integers would be copied into one)
    this.num = new Array<number>(this.dayAt + POOLED_SIZE).fill(Number.NaN);
    this.num.fill(Infinity, NEXT_END, this.coldAt);
    this.num[HASH] = hash;
    this.maxTs = -Infinity;
    this.closedUntil = -Infinity;
    this.restEstimate = 0;
    this.hrBeforeTs = -Infinity;
    this.liveEnd = -Infinity;
    this.sessionStart = this.sessionEnd = this.sessionLast = this.dayStart = 0;
    this.dayRest = Infinity;
    this.atl = this.ctl = 0;
  }

  /** End of the next window to close of tumbling/hopping spec i (in spec order); ∞ when none. */
  nextEndOf(i: number): number {
    return this.num[NEXT_END + i]!;
  }

  setNextEnd(i: number, end: number): void {
    this.num[NEXT_END + i] = end;
  }

  /** every spec's next window end (for the snapshot) */
  get nextEnd(): number[] {
    return this.num.slice(NEXT_END, this.coldAt);
  }

  /** the user's window phase source: a hash of the user id (0 when windows are epoch-aligned) */
  get hash(): number {
    return this.num[HASH]!;
  }
  /** newest accepted reading's ts; −∞ before the first */
  get maxTs(): number {
    return this.num[MAX_TS]!;
  }
  set maxTs(v: number) {
    this.num[MAX_TS] = v;
  }
  /** readings before this are late: set when the user went idle and their windows were closed */
  get closedUntil(): number {
    return this.num[CLOSED_UNTIL]!;
  }
  set closedUntil(v: number) {
    this.num[CLOSED_UNTIL] = v;
  }
  /** resting HR estimated from the last closed day; 0 when none */
  get restEstimate(): number {
    return this.num[this.coldAt + REST_ESTIMATE]!;
  }
  set restEstimate(v: number) {
    this.num[this.coldAt + REST_ESTIMATE] = v;
  }
  /** step counter of the closed live windows' last reading with one (NaN: none): the next live window counts from it */
  get stepsBefore(): number {
    return this.num[this.coldAt + STEPS_BEFORE]!;
  }
  set stepsBefore(v: number) {
    this.num[this.coldAt + STEPS_BEFORE] = v;
  }
  /** the last heart-rate reading of the last closed live window (ts −∞: none), which holds into the next one */
  get hrBeforeTs(): number {
    return this.num[this.coldAt + HR_BEFORE_TS]!;
  }
  set hrBeforeTs(v: number) {
    this.num[this.coldAt + HR_BEFORE_TS] = v;
  }
  /**
   * Live time up to which the held heart-rate reading's time has been counted: the end of the
   * last live window closed, or of the last ones passed over without a reading (−∞: none yet)
   */
  get liveEnd(): number {
    return this.num[this.coldAt + LIVE_END]!;
  }
  set liveEnd(v: number) {
    this.num[this.coldAt + LIVE_END] = v;
  }
  /** the session's window range and last reading */
  get sessionStart(): number {
    return this.num[this.coldAt + SESSION_START]!;
  }
  set sessionStart(v: number) {
    this.num[this.coldAt + SESSION_START] = v;
  }
  get sessionEnd(): number {
    return this.num[this.coldAt + SESSION_END]!;
  }
  set sessionEnd(v: number) {
    this.num[this.coldAt + SESSION_END] = v;
  }
  get sessionLast(): number {
    return this.num[SESSION_LAST]!;
  }
  set sessionLast(v: number) {
    this.num[SESSION_LAST] = v;
  }
  /** start of the UTC day being built */
  get dayStart(): number {
    return this.num[DAY_START]!;
  }
  set dayStart(v: number) {
    this.num[DAY_START] = v;
  }
  /** lowest stable 60 s mean HR seen today (∞: none) */
  get dayRest(): number {
    return this.num[this.coldAt + DAY_REST]!;
  }
  set dayRest(v: number) {
    this.num[this.coldAt + DAY_REST] = v;
  }
  get atl(): number {
    return this.num[this.coldAt + ATL]!;
  }
  set atl(v: number) {
    this.num[this.coldAt + ATL] = v;
  }
  get ctl(): number {
    return this.num[this.coldAt + CTL]!;
  }
  set ctl(v: number) {
    this.num[this.coldAt + CTL] = v;
  }

  /** Number k of the minute of live windows being gathered (the engine's; NaN: none). */
  minuteAt(k: number): number {
    return this.num[this.coldAt + MINUTE + k]!;
  }
  setMinuteAt(k: number, v: number): void {
    this.num[this.coldAt + MINUTE + k] = v;
  }
  /** (for the snapshot: empty when no minute is being gathered) */
  get minute(): number[] {
    return Number.isNaN(this.minuteAt(0))
      ? []
      : this.num.slice(this.coldAt + MINUTE, this.coldAt + MINUTE + MINUTE_SIZE);
  }

  /** The open session's values (for the snapshot). */
  get session(): FeatureValues | null {
    return this.sessionOpen ? unpackValues(this.num, this.sessionAt) : null;
  }

  /** The open day's values (for the snapshot). */
  get day(): FeatureValues | null {
    return this.dayOpen ? unpackValues(this.num, this.dayAt) : null;
  }

  /** Starts the session with a live window's values (packed at `at`), or pools them into it. */
  poolSession(values: readonly number[], at: number, p: Personal): void {
    if (this.sessionOpen) poolInto(this.num, this.sessionAt, values, at, p);
    else copyValues(this.num, this.sessionAt, values, at);
    this.sessionOpen = true;
  }

  poolDay(values: readonly number[], at: number, p: Personal): void {
    if (this.dayOpen) poolInto(this.num, this.dayAt, values, at, p);
    else copyValues(this.num, this.dayAt, values, at);
    this.dayOpen = true;
  }

  /** A snapshot's open session and day (reviveUserStream). */
  restoreSession(values: FeatureValues): void {
    packValues(this.num, this.sessionAt, values);
    this.sessionOpen = true;
  }

  restoreDay(values: FeatureValues): void {
    packValues(this.num, this.dayAt, values);
    this.dayOpen = true;
  }

  /** (A closed slot is blanked: a restored stream must encode as the one it was saved from.) */
  closeSession(): void {
    this.sessionOpen = false;
    this.num.fill(Number.NaN, this.sessionAt, this.sessionAt + POOLED_SIZE);
  }

  closeDay(): void {
    this.dayOpen = false;
    this.num.fill(Number.NaN, this.dayAt, this.dayAt + POOLED_SIZE);
  }

  /* the held readings as the snapshot's columns */
  get ts(): number[] {
    return heldColumn(this, 0);
  }
  get meta(): number[] {
    return heldColumn(this, 1);
  }
  get devs(): number[] {
    return this.heldDevs.slice(0, this.heldDevs.length > 0 ? this.heldCount : 0);
  }
  get rr(): number[] {
    return this.heldRr.slice(0, this.heldRrCount);
  }
  /** cadence, power, speed, steps per reading (NaN: none); empty when no reading has one */
  get ext(): number[] {
    return this.channels === 0 ? [] : extColumns(this);
  }
}

/** UserStream as its snapshot holds it (userStreamSchema's record). */
export interface UserStreamRecord {
  hash: number;
  maxTs: number;
  closedUntil: number;
  maxHr: number;
  restHr: number;
  sex: number;
  restEstimate: number;
  firstDev: number;
  ts: number[];
  meta: number[];
  devs: number[];
  rr: number[];
  ext: number[];
  stepsBefore: number;
  hrBeforeTs: number;
  hrBeforeBpm: number;
  /** null in a snapshot written before it (checkpoint version 3 and earlier): −∞ */
  liveEnd: number | null;
  nextEnd: number[];
  session: FeatureValues | null;
  sessionStart: number;
  sessionEnd: number;
  sessionLast: number;
  day: FeatureValues | null;
  dayStart: number;
  dayRest: number;
  atl: number;
  ctl: number;
  loadDay: number;
  minute: number[];
}

/** A UserStream from its snapshot (the Avro decoder's record of userStreamSchema). */
export function reviveUserStream(r: UserStreamRecord, frames: number): UserStream {
  const st = new UserStream(frames, r.hash);
  st.maxTs = r.maxTs;
  st.closedUntil = r.closedUntil;
  st.maxHr = r.maxHr;
  st.restHr = r.restHr;
  st.sex = r.sex;
  st.restEstimate = r.restEstimate;
  st.firstDev = r.firstDev;
  holdColumns(st, r.ts, r.meta, r.devs, r.rr, r.ext);
  st.stepsBefore = r.stepsBefore;
  st.hrBeforeTs = r.hrBeforeTs;
  st.hrBeforeBpm = r.hrBeforeBpm;
  st.liveEnd = r.liveEnd ?? -Infinity;
  // the engine's tumbling and hopping specs may be more or fewer than the snapshot's (WindowEngine.revive)
  for (let i = 0; i < Math.min(frames, r.nextEnd.length); i++) st.setNextEnd(i, r.nextEnd[i]!);
  if (r.session) st.restoreSession(r.session);
  st.sessionStart = r.sessionStart;
  st.sessionEnd = r.sessionEnd;
  st.sessionLast = r.sessionLast;
  if (r.day) st.restoreDay(r.day);
  st.dayStart = r.dayStart;
  st.dayRest = r.dayRest;
  st.atl = r.atl;
  st.ctl = r.ctl;
  st.loadDay = r.loadDay;
  r.minute.forEach((v, k) => st.setMinuteAt(k, v));
  return st;
}

const doubles = { type: 'array', items: 'double' };

/** The Features schema's value fields (what FeatureValues holds), for the session and day in snapshots. */
const identity = new Set(['userId', 'window', 'kind', 'windowStart', 'windowEnd', 'traceArrivalMs']);
const daily = new Set(['restHrEstimate', 'atl', 'ctl', 'acwr', 'form']);
const featureValuesSchema = {
  type: 'record',
  name: 'FeatureValues',
  fields: (loadSchema('Features') as { fields: { name: string }[] }).fields.filter(
    (f) => !identity.has(f.name) && !daily.has(f.name),
  ),
};
const ints = { type: 'array', items: 'int' };

/** Avro schema of UserStream, for snapshots (platform/state.ts). */
export const userStreamSchema = {
  type: 'record',
  name: 'UserStream',
  fields: [
    { name: 'hash', type: 'long' },
    { name: 'maxTs', type: 'double' },
    { name: 'closedUntil', type: 'double' },
    { name: 'maxHr', type: 'int' },
    { name: 'restHr', type: 'int' },
    { name: 'sex', type: 'int' },
    { name: 'restEstimate', type: 'double' },
    { name: 'firstDev', type: 'int' },
    { name: 'ts', type: doubles },
    { name: 'meta', type: ints },
    { name: 'devs', type: ints },
    { name: 'rr', type: ints },
    { name: 'ext', type: doubles },
    { name: 'stepsBefore', type: 'double' },
    { name: 'hrBeforeTs', type: 'double' },
    { name: 'hrBeforeBpm', type: 'int' },
    { name: 'nextEnd', type: doubles },
    { name: 'session', type: ['null', featureValuesSchema], default: null },
    { name: 'sessionStart', type: 'double' },
    { name: 'sessionEnd', type: 'double' },
    { name: 'sessionLast', type: 'double' },
    { name: 'day', type: ['null', 'FeatureValues'], default: null },
    { name: 'dayStart', type: 'double' },
    { name: 'dayRest', type: 'double' },
    { name: 'atl', type: 'double' },
    { name: 'ctl', type: 'double' },
    { name: 'loadDay', type: 'int' },
    // (added later: a snapshot written before has none)
    { name: 'minute', type: doubles, default: [] },
    // (added in checkpoint version 4)
    { name: 'liveEnd', type: ['null', 'double'], default: null },
  ],
};

/** The schema of checkpoint version 3 (before liveEnd): its snapshots restore with the field's default. */
export const userStreamSchemaV3 = {
  ...userStreamSchema,
  fields: userStreamSchema.fields.filter((f) => f.name !== 'liveEnd'),
};

/** The schema of checkpoint version 2 (before the resting-HR minute, too). */
export const userStreamSchemaV2 = {
  ...userStreamSchema,
  fields: userStreamSchemaV3.fields.filter((f) => f.name !== 'minute'),
};

/** FNV-1a of the device id: duplicates are "same device + ts", and a number is cheaper to keep. */
export function deviceHash(deviceId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < deviceId.length; i++) {
    h ^= deviceId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}
