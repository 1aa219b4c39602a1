import { loadSchema } from '../../schemas/index.ts';
import type { FeatureValues } from '../features/index.ts';

/**
 * One user's windowing state, kept compact because it exists for every active user: the
 * readings still needed by an open tumbling or hopping window, held column-wise in ts order
 * (a number per column per reading instead of an object per reading), the end of the next window
 * of each such spec, and the session and day being built.
 */
export interface UserStream {
  /** the user's window phase source: a hash of the user id (0 when windows are epoch-aligned) */
  hash: number;
  /** newest accepted reading's ts; −∞ before the first */
  maxTs: number;
  /** readings before this are late: set when the user went idle and their windows were closed */
  closedUntil: number;
  /** from the profile; 0 when unknown */
  maxHr: number;
  restHr: number;
  /** 0 unknown, 1 male, 2 female */
  sex: number;
  /** resting HR estimated from the last closed day; 0 when none */
  restEstimate: number;
  /** device of the first reading; `devs` holds one per reading only once a second device appears */
  firstDev: number;
  ts: number[];
  /** bpm (0: none) | number of RR intervals << 8 */
  meta: number[];
  devs: number[];
  /** the RR intervals of the held readings, in reading order */
  rr: number[];
  /** cadence, power, speed, steps per reading (NaN: none); empty until a reading has one */
  ext: number[];
  /** step counter of the closed live windows' last reading with one (NaN: none): the next live window counts from it */
  stepsBefore: number;
  /** the last heart-rate reading of the last closed live window (ts −∞: none), which holds into the next one */
  hrBeforeTs: number;
  hrBeforeBpm: number;
  /** per tumbling/hopping spec, in spec order: end of its next window to close; ∞ when none */
  nextEnd: number[];
  /** session being built, its window range and last reading */
  session: FeatureValues | null;
  sessionStart: number;
  sessionEnd: number;
  sessionLast: number;
  /** UTC day being built and its start */
  day: FeatureValues | null;
  dayStart: number;
  /** lowest stable 60 s mean HR seen today (∞: none) */
  dayRest: number;
  /** training load EWMAs after day `loadDay` (UTC day number; −1: none yet) */
  atl: number;
  ctl: number;
  loadDay: number;
}

const NONE: number[] = [];

/** Empty columns are shared until written (they are replaced, never pushed to, while empty). */
export function newUserStream(frames: number, hash: number): UserStream {
  return {
    hash,
    maxTs: -Infinity,
    closedUntil: -Infinity,
    maxHr: 0,
    restHr: 0,
    sex: 0,
    restEstimate: 0,
    firstDev: 0,
    ts: [],
    meta: [],
    devs: NONE,
    rr: NONE,
    ext: NONE,
    stepsBefore: Number.NaN,
    hrBeforeTs: -Infinity,
    hrBeforeBpm: 0,
    nextEnd: new Array<number>(frames).fill(Infinity),
    session: null,
    sessionStart: 0,
    sessionEnd: 0,
    sessionLast: 0,
    day: null,
    dayStart: 0,
    dayRest: Infinity,
    atl: 0,
    ctl: 0,
    loadDay: -1,
  };
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
