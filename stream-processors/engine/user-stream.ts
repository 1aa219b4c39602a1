import { loadSchema } from '../../schemas/index.ts';
import {
  packValues,
  poolInto,
  POOLED_SIZE,
  unpackValues,
  type FeatureValues,
  type Personal,
} from '../features/index.ts';

/**
 * One user's windowing state, kept compact because it exists for every active user: the
 * readings still needed by an open tumbling or hopping window, held column-wise in ts order
 * (a number per column per reading instead of an object per reading), the end of the next window
 * of each such spec, and the session and day being built, packed as numbers and pooled in place.
 *
 * Its snapshot (userStreamSchema) has the session and day as FeatureValues records: the getters
 * below give them to the Avro encoder, and reviveUserStream packs them again.
 */
export class UserStream {
  /** newest accepted reading's ts; −∞ before the first */
  maxTs = -Infinity;
  /** readings before this are late: set when the user went idle and their windows were closed */
  closedUntil = -Infinity;
  /** from the profile; 0 when unknown */
  maxHr = 0;
  restHr = 0;
  /** 0 unknown, 1 male, 2 female */
  sex = 0;
  /** resting HR estimated from the last closed day; 0 when none */
  restEstimate = 0;
  /** device of the first reading; `devs` holds one per reading only once a second device appears */
  firstDev = 0;
  ts: number[] = [];
  /** bpm (0: none) | number of RR intervals << 8 */
  meta: number[] = [];
  devs: number[] = NONE;
  /** the RR intervals of the held readings, in reading order */
  rr: number[] = NONE;
  /** cadence, power, speed, steps per reading (NaN: none); empty until a reading has one */
  ext: number[] = NONE;
  /** step counter of the closed live windows' last reading with one (NaN: none): the next live window counts from it */
  stepsBefore = Number.NaN;
  /** the last heart-rate reading of the last closed live window (ts −∞: none), which holds into the next one */
  hrBeforeTs = -Infinity;
  hrBeforeBpm = 0;
  /** per tumbling/hopping spec, in spec order: end of its next window to close; ∞ when none */
  nextEnd: number[];
  /** the open session's values packed at 0, the open day's at POOLED_SIZE (null before the first live window) */
  rollups: number[] | null = null;
  sessionOpen = false;
  /** the session's window range and last reading */
  sessionStart = 0;
  sessionEnd = 0;
  sessionLast = 0;
  dayOpen = false;
  /** start of the UTC day being built */
  dayStart = 0;
  /** lowest stable 60 s mean HR seen today (∞: none) */
  dayRest = Infinity;
  /** training load EWMAs after day `loadDay` (UTC day number; −1: none yet) */
  atl = 0;
  ctl = 0;
  loadDay = -1;

  constructor(
    frames: number,
    /** the user's window phase source: a hash of the user id (0 when windows are epoch-aligned) */
    readonly hash: number,
  ) {
    this.nextEnd = new Array<number>(frames).fill(Infinity);
  }

  /** The open session's values (for the snapshot). */
  get session(): FeatureValues | null {
    return this.sessionOpen ? unpackValues(this.rollups!, 0) : null;
  }

  /** The open day's values (for the snapshot). */
  get day(): FeatureValues | null {
    return this.dayOpen ? unpackValues(this.rollups!, POOLED_SIZE) : null;
  }

  /** Starts the session with a live window's values, or pools them into it. */
  poolSession(values: FeatureValues, p: Personal): void {
    this.pool(0, this.sessionOpen, values, p);
    this.sessionOpen = true;
  }

  poolDay(values: FeatureValues, p: Personal): void {
    this.pool(POOLED_SIZE, this.dayOpen, values, p);
    this.dayOpen = true;
  }

  closeSession(): void {
    this.sessionOpen = false;
    this.clear(0, this.dayOpen);
  }

  closeDay(): void {
    this.dayOpen = false;
    this.clear(POOLED_SIZE, this.sessionOpen);
  }

  /** The closed slot is blanked (a restored stream must equal the one it was saved from), or both freed. */
  private clear(at: number, otherOpen: boolean): void {
    if (otherOpen) this.rollups!.fill(Number.NaN, at, at + POOLED_SIZE);
    else this.rollups = null;
  }

  private pool(at: number, open: boolean, values: FeatureValues, p: Personal): void {
    // NaN, not 0: a double array from the start (an array of small integers would be copied into one)
    this.rollups ??= new Array<number>(2 * POOLED_SIZE).fill(Number.NaN);
    if (open) poolInto(this.rollups, at, values, p);
    else packValues(this.rollups, at, values);
  }
}

/** Empty columns are shared until written (they are replaced, never pushed to, while empty). */
const NONE: number[] = [];

/** UserStream as its snapshot holds it (userStreamSchema's record). */
export type UserStreamRecord = Omit<
  UserStream,
  'rollups' | 'sessionOpen' | 'dayOpen' | 'poolSession' | 'poolDay' | 'session' | 'day'
> & { session: FeatureValues | null; day: FeatureValues | null };

/** A UserStream from its snapshot (the Avro decoder's record of userStreamSchema). */
export function reviveUserStream(r: UserStreamRecord): UserStream {
  const { hash, session, day, ...rest } = r;
  const st = Object.assign(new UserStream(rest.nextEnd.length, hash), rest);
  for (const k of ['devs', 'rr', 'ext'] as const) if (st[k].length === 0) st[k] = NONE;
  if (session || day) st.rollups = new Array<number>(2 * POOLED_SIZE).fill(Number.NaN);
  if (session) packValues(st.rollups!, 0, session);
  if (day) packValues(st.rollups!, POOLED_SIZE, day);
  st.sessionOpen = session !== null;
  st.dayOpen = day !== null;
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
  ],
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
