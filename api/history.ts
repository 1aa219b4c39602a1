import type { Store } from '../platform/index.ts';
import { ApiError } from './errors.ts';

/**
 * The history behind GET /v1/users/:userId/history: one user's features and readiness over a
 * time range, raw (each 10 s live window), per minute, or per session. The range is checked here,
 * before any SQL; values reach SQL only as bound parameters.
 *
 * Every figure comes from the live windows the processor computed, each in the minute or session
 * its start falls in: their readings are the ones it kept (a reading a device sent twice counts
 * once, unlike in the samples table and its samples_minute rollup, which store every row
 * received), and heart rate, load and readiness split at the same instants. A window or score
 * stored twice (the stages are at least once: a restore emits what followed its checkpoint
 * again, alike) counts once: each is read once per window end.
 */
export const resolutions = ['raw', 'minute', 'session'] as const;
export type Resolution = (typeof resolutions)[number];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** widest range and the default one, per resolution: a raw day is 8,640 windows */
export const rangeLimits: Record<Resolution, { max: number; fallback: number }> = {
  raw: { max: DAY, fallback: HOUR },
  minute: { max: 31 * DAY, fallback: DAY },
  session: { max: 366 * DAY, fallback: 30 * DAY },
};
const MAX_SESSIONS = 1000;

export interface HistoryRequest {
  userId: string;
  from?: number;
  to?: number;
  resolution?: Resolution;
}

export interface HistoryRange {
  userId: string;
  from: number;
  to: number;
  resolution: Resolution;
}

/** Fills the defaults and refuses a reversed or too wide range (400, with the reason). */
export function historyRange(req: HistoryRequest, now: number): HistoryRange {
  const resolution = req.resolution ?? 'minute';
  const { max, fallback } = rangeLimits[resolution];
  const to = req.to ?? now;
  const from = req.from ?? to - fallback;
  if (from >= to) throw new ApiError('invalid_request', { reason: `from (${from}) must be before to (${to})` });
  if (to - from > max) {
    throw new ApiError('invalid_request', {
      reason: `the range is wider than ${max / DAY} days, the most for resolution ${resolution}`,
    });
  }
  return { userId: req.userId, from, to, resolution };
}

export interface FeaturePoint {
  ts: number;
  samples: number;
  hrMean: number | null;
  hrMin: number | null;
  hrMax: number | null;
  trimp: number;
  zone?: number;
  rmssd?: number | null;
}

export interface ReadinessPoint {
  ts: number;
  score: number;
  scoreMin: number;
  band?: string;
}

export interface SessionSummary {
  sessionId: string;
  floorId: string;
  startedAt: number;
  endedAt: number;
  samples: number;
  hrMean: number | null;
  hrMin: number | null;
  hrMax: number | null;
  trimp: number;
  readiness: number | null;
}

export interface History extends HistoryRange {
  features: FeaturePoint[];
  readiness: ReadinessPoint[];
  sessions?: SessionSummary[];
}

const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** `liveWindow`: the name of the live window (the first of PULSE_WINDOWS), whose rows are the features here. */
export async function queryHistory(store: Store, range: HistoryRange, liveWindow: string): Promise<History> {
  const params = { user: range.userId, from: range.from, to: range.to, live: liveWindow };
  if (range.resolution === 'raw') return { ...range, ...(await rawHistory(store, params)) };
  if (range.resolution === 'minute') return { ...range, ...(await minuteHistory(store, params)) };
  return { ...range, features: [], readiness: [], sessions: await sessionHistory(store, params) };
}

type Params = { user: string; from: number; to: number; live: string };

/**
 * The user's live windows in a range of window starts, each once, as wn (heart-rate readings),
 * wmean, wlo, whi and wt (Banister TRIMP); `group` names what else they are grouped by.
 */
const liveWindows = (group: string, from: string, to: string) => `
  SELECT ${group}, any(hrCount) AS wn, any(hrMean) AS wmean, any(hrMin) AS wlo, any(hrMax) AS whi,
    any(trimpBanister) AS wt FROM features
  WHERE userId = {user:String} AND window = {live:String} AND windowStart >= {${from}:Int64} AND windowStart < {${to}:Int64}
  GROUP BY ${group}`;

/** Pools live windows (liveWindows' columns) into n, mean, lo, hi (null without heart rate) and trimp. */
const POOLED = `sum(wn) AS n, if(n > 0, sumIf(wmean * wn, wn > 0) / n, NULL) AS mean,
  if(n > 0, minIf(wlo, wn > 0), NULL) AS lo, if(n > 0, maxIf(whi, wn > 0), NULL) AS hi, sum(wt) AS trimp`;

/** Heart-rate figures from a row whose columns are aliased n, mean, lo, hi (every query here). */
function heartRate(r: Record<string, unknown>) {
  return { samples: num(r.n), hrMean: numOrNull(r.mean), hrMin: numOrNull(r.lo), hrMax: numOrNull(r.hi) };
}

async function rawHistory(store: Store, p: Params) {
  const [features, readiness] = await Promise.all([
    store.query<Record<string, unknown>>(
      `SELECT windowEnd AS ts, samples AS n, hrMean AS mean, if(hrCount > 0, hrMin, NULL) AS lo,
         if(hrCount > 0, hrMax, NULL) AS hi, trimpBanister AS trimp, zone, rmssd FROM features
       WHERE userId = {user:String} AND window = {live:String} AND windowEnd >= {from:Int64} AND windowEnd < {to:Int64}
       ORDER BY windowEnd LIMIT 1 BY windowEnd`,
      p,
    ),
    store.query<Record<string, unknown>>(
      `SELECT windowEnd AS ts, score, band FROM readiness
       WHERE userId = {user:String} AND windowEnd >= {from:Int64} AND windowEnd < {to:Int64}
       ORDER BY windowEnd LIMIT 1 BY windowEnd`,
      p,
    ),
  ]);
  return {
    features: features.map((r) => ({
      ts: num(r.ts),
      ...heartRate(r),
      trimp: num(r.trimp),
      zone: num(r.zone),
      rmssd: numOrNull(r.rmssd),
    })),
    readiness: readiness.map((r) => ({
      ts: num(r.ts),
      score: num(r.score),
      scoreMin: num(r.score),
      band: String(r.band),
    })),
  };
}

/** Minutes with heart rate: the live windows starting in each. */
async function minuteHistory(store: Store, p: Params) {
  const [hr, readiness] = await Promise.all([
    store.query<Record<string, unknown>>(
      `SELECT intDiv(windowStart, 60000) * 60000 AS ts, ${POOLED}
       FROM (${liveWindows('windowStart', 'from', 'to')})
       GROUP BY ts HAVING n > 0 ORDER BY ts`,
      p,
    ),
    store.query<Record<string, unknown>>(
      `SELECT intDiv(windowEnd, 60000) * 60000 AS ts, avg(sc) AS mean, min(sc) AS lo FROM (
         SELECT windowEnd, any(score) AS sc FROM readiness
         WHERE userId = {user:String} AND windowEnd >= {from:Int64} AND windowEnd < {to:Int64}
         GROUP BY windowEnd)
       GROUP BY ts ORDER BY ts`,
      p,
    ),
  ]);
  return {
    features: hr.map((r) => ({ ts: num(r.ts), ...heartRate(r), trimp: num(r.trimp) })),
    readiness: readiness.map((r) => ({ ts: num(r.ts), score: num(r.mean), scoreMin: num(r.lo) })),
  };
}

/**
 * Sessions that overlap the range, each summarised over its own span. A session without an end
 * lasts until the user's next session starts, or the end of the range.
 */
async function sessionHistory(store: Store, p: Params): Promise<SessionSummary[]> {
  const rows = await store.query<Record<string, unknown>>(
    `SELECT sessionId, any(floorId) AS floor, min(startedAt) AS started, max(endedAt) AS ended FROM sessions
     WHERE userId = {user:String} AND startedAt < {to:Int64} GROUP BY sessionId ORDER BY started DESC
     LIMIT ${MAX_SESSIONS + 1}`,
    p,
  );
  // the latest sessions before the range's end (the earliest would miss a frequent athlete's recent
  // ones), in start order
  rows.reverse();
  const spans = rows
    .map((r, i) => {
      const next = rows[i + 1];
      const end = numOrNull(r.ended) ?? (next ? num(next.started) : p.to);
      return { sessionId: String(r.sessionId), floorId: String(r.floor), startedAt: num(r.started), endedAt: end };
    })
    .filter((s) => s.endedAt > p.from)
    .slice(-MAX_SESSIONS);
  if (spans.length === 0) return [];
  const bounds = {
    ...p,
    starts: spans.map((s) => s.startedAt),
    ends: spans.map((s) => s.endedAt),
    first: Math.min(...spans.map((s) => s.startedAt)),
    last: Math.max(...spans.map((s) => s.endedAt)),
  };
  // which session a time belongs to: its index in starts/ends (1-based; 0 = none); (ClickHouse
  // 18.16 resolves a lambda's column only in the query that reads the table, not over a subquery)
  const within = (column: string) =>
    `arrayFirstIndex((s, e) -> ${column} >= s AND ${column} < e, {starts:Array(Int64)}, {ends:Array(Int64)})`;
  const [windows, readiness] = await Promise.all([
    store.query<Record<string, unknown>>(
      `SELECT i, ${POOLED} FROM (${liveWindows(`${within('windowStart')} AS i, windowStart`, 'first', 'last')})
       GROUP BY i HAVING i > 0`,
      bounds,
    ),
    store.query<Record<string, unknown>>(
      `SELECT i, avg(sc) AS mean FROM (
         SELECT ${within('windowEnd')} AS i, windowEnd, any(score) AS sc FROM readiness
         WHERE userId = {user:String} AND windowEnd >= {first:Int64} AND windowEnd < {last:Int64}
         GROUP BY i, windowEnd)
       GROUP BY i HAVING i > 0`,
      bounds,
    ),
  ]);
  const byIndex = (rows: Record<string, unknown>[]) => new Map(rows.map((r) => [num(r.i) - 1, r]));
  const windowsOf = byIndex(windows);
  const readinessOf = byIndex(readiness);
  return spans.map((s, i) => {
    const w = windowsOf.get(i);
    return {
      ...s,
      ...heartRate(w ?? { n: 0 }),
      trimp: w ? num(w.trimp) : 0,
      readiness: numOrNull(readinessOf.get(i)?.mean),
    };
  });
}
