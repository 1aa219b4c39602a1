// Generated from schemas/*.avsc by `npm run gen:types`. Do not edit.
/* eslint-disable */

/** One telemetry reading from a wearable. ts is the device's event time in ms since the epoch. */
export interface Sample {
  userId: string;
  deviceId: string;
  /** event time, ms since the epoch, set by the device */
  ts: number;
  bpm: null | number;
  /** RR intervals in ms */
  rr: number[];
  steps: null | number;
  cadence: null | number;
  power: null | number;
  speed: null | number;
  /** ingest wall-clock time, ms; processing time metadata only, never used for features */
  receivedAt: number;
}

/** An athlete joins (or leaves) a floor for a workout; gives the floor membership and the alias shown on screens. */
export interface Session {
  sessionId: string;
  userId: string;
  floorId: string;
  alias: string;
  startedAt: number;
  endedAt: null | number;
}

export type Sex = 'm' | 'f';

/** Athlete profile; the topic is compacted by userId. Unknown values are null and estimated downstream. */
export interface Profile {
  userId: string;
  age: null | number;
  sex: null | Sex;
  restHr: null | number;
  maxHr: null | number;
  locale: string;
  goals: string[];
  conditions: string[];
  updatedAt: number;
}

/** Features of one user's closed event-time window [windowStart, windowEnd) of one window spec (live tumbling, hopping, session or daily). Fields after traceArrivalMs were added with defaults (schemas/README.md). */
export interface Features {
  userId: string;
  windowStart: number;
  windowEnd: number;
  /** samples in the window (readings with or without bpm) */
  samples: number;
  /** NaN when the window held no bpm */
  hrMean: number;
  hrMin: number;
  hrMax: number;
  hrLast: number;
  /** HRmax used: measured from the profile, else Tanaka 208 - 0.7 age */
  maxHr: number;
  restHr: number;
  /** hrMean / maxHr * 100 (NaN without bpm) */
  pctMax: number;
  /** zone of hrMean: 1..5 by % HRmax (50/60/70/80/90), or by % HRR when the zone basis is reserve; 0 below zone 1 */
  zone: number;
  /** ingest time of the sample that closed the window; for latency tracing */
  traceArrivalMs: number;
  /** name of the window spec (PULSE_WINDOWS): live, hrv, session, day, ... */
  window: string;
  /** tumbling, hopping, session or daily */
  kind: string;
  /** seconds the readings cover (each holds until the next, at most the max gap) */
  durationSec: number;
  /** readings with a bpm */
  hrCount: number;
  /** population SD of bpm */
  hrSd: null | number;
  /** (hrMean - restHr) / (maxHr - restHr) * 100 (Karvonen) */
  pctHrr: null | number;
  /** seconds in zones 1..5 */
  zoneSeconds: number[];
  trimpBanister: number;
  trimpEdwards: number;
  /** RR intervals received */
  rrCount: number;
  /** RR intervals accepted as NN */
  nnCount: number;
  /** successive NN differences (for merging RMSSD and pNN50) */
  nnDiffCount: number;
  /** ms */
  meanNN: null | number;
  /** ms, sample SD */
  sdnn: null | number;
  /** ms */
  rmssd: null | number;
  /** % */
  pnn50: null | number;
  /** % of RR intervals rejected */
  artifactPct: null | number;
  /** aerobic decoupling (power or speed per beat) or HR drift, %, first vs second half */
  drift: null | number;
  /** power, speed or hr */
  driftKind: null | string;
  /** bpm dropped 60 s after the end of the last effort */
  hrr60: null | number;
  cadenceCount: number;
  /** per minute */
  cadenceMean: null | number;
  /** per minute */
  cadenceMax: null | number;
  powerCount: number;
  /** W */
  powerMean: null | number;
  /** W */
  powerMax: null | number;
  speedCount: number;
  /** m/s */
  speedMean: null | number;
  /** m/s */
  speedMax: null | number;
  /** steps taken (cumulative counter increases) */
  steps: null | number;
  /** daily: lowest stable 60 s mean of the day */
  restHrEstimate: null | number;
  /** daily: acute (7 d) load EWMA */
  atl: null | number;
  /** daily: chronic (42 d) load EWMA */
  ctl: null | number;
  /** daily: atl / ctl */
  acwr: null | number;
  /** daily: ctl - atl */
  form: null | number;
}

export type Band = 'green' | 'yellow' | 'red';

export interface Factor {
  name: string;
  /** points added to (or taken from) the score */
  impact: number;
  detail: string;
}

/** Readiness 0-100 for a user after a live window, with the factors that moved it. */
export interface Readiness {
  userId: string;
  windowEnd: number;
  score: number;
  band: Band;
  factors: Factor[];
  bpm: number;
  pctMax: number;
  zone: number;
  model: string;
  traceArrivalMs: number;
}

export type TriggerKind = 'zone_change' | 'overexertion' | 'slow_recovery' | 'readiness_drop' | 'drift' | 'target_missed' | 'sensor_lost' | 'danger';

/** A change worth coaching on, detected from features and readiness. */
export interface Trigger {
  /** deterministic: userId, kind and windowEnd */
  triggerId: string;
  userId: string;
  /** event time (window end) */
  ts: number;
  kind: TriggerKind;
  fromZone: number;
  toZone: number;
  pctMax: number;
  readiness: number;
  detail: string;
}

export type Action = 'reduce_intensity' | 'increase_intensity' | 'hold' | 'recover' | 'hydrate' | 'stop';

export type SuggestionSource = 'rules' | 'llm' | 'safety';

/** A short coaching suggestion (fits a watch: at most 140 characters) with a structured action. */
export interface Suggestion {
  suggestionId: string;
  userId: string;
  triggerId: string;
  ts: number;
  text: string;
  action: Action;
  targetZone: null | number;
  durationSec: null | number;
  locale: string;
  source: SuggestionSource;
}

/** Explicit feedback on a suggestion, or the inferred 'followed' label. */
export interface Feedback {
  userId: string;
  suggestionId: string;
  ts: number;
  rating: null | number;
  rpe: null | number;
  comment: null | string;
  followed: null | boolean;
}

/** A record a stage could not process: the original bytes, why, and where it came from. */
export interface DeadLetter {
  /** machine-readable: late, undecodable, invalid, ... */
  reason: string;
  detail: string;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: number;
  stage: string;
  /** wall-clock time the record was dead-lettered */
  ts: number;
  key: string;
  payload: Buffer;
}
