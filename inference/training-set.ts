import type { Store } from '../platform/index.ts';

/**
 * The training set for the readiness model: each suggestion that got feedback, with the features
 * and readiness of the live window it was made on (a suggestion's ts is its trigger's window end)
 * and its labels: the athlete's rating and RPE, and whether the HR that followed shows it was
 * followed. Explicit and inferred feedback arrive as separate events; each label is the latest
 * given. Time-ordered; the same on chDB and on ClickHouse 18.16: one join per level, the first
 * ANY INNER (one labels row per suggestion), the others ALL INNER over a right side that holds
 * each window once (ANY INNER keeps one row per key of both sides on chDB, only of the right
 * one on 18.16: two suggestions made on one window would have been one example there).
 */
export interface TrainingRow {
  userId: string;
  suggestionId: string;
  suggestedAt: number;
  action: string;
  source: string;
  hrMean: number;
  hrMax: number;
  hrSd: number | null;
  pctMax: number;
  pctHrr: number | null;
  zone: number;
  trimpBanister: number;
  rmssd: number | null;
  sdnn: number | null;
  drift: number | null;
  readiness: number;
  rating: number | null;
  rpe: number | null;
  followed: boolean | null;
}

/** each athlete's latest labels of their own suggestions (feedback by anyone else on an id labels nothing) */
const LABELS = `
  SELECT userId, suggestionId,
    argMaxIf(rating, ts, isNotNull(rating)) AS lastRating, countIf(isNotNull(rating)) AS ratings,
    argMaxIf(rpe, ts, isNotNull(rpe)) AS lastRpe, countIf(isNotNull(rpe)) AS rpes,
    argMaxIf(followed, ts, isNotNull(followed)) AS lastFollowed, countIf(isNotNull(followed)) AS follows
  FROM feedback GROUP BY userId, suggestionId`;

/** a suggestion, window or score stored twice (the stages are at least once) is one example */
const SQL = `
SELECT userId, suggestionId, suggestedAt, action, source, hrMean, hrMax, hrSd, pctMax, pctHrr, zone,
  trimpBanister, rmssd, sdnn, drift, score, lastRating, ratings, lastRpe, rpes, lastFollowed, follows
FROM (
  SELECT * FROM (
    SELECT * FROM (
      SELECT userId, suggestionId, userId, ts AS suggestedAt, action, source FROM suggestions
      WHERE ts >= {from:Int64} AND ts < {to:Int64} LIMIT 1 BY userId, suggestionId
    ) AS suggested ANY INNER JOIN (${LABELS}) AS labels USING userId, suggestionId
  ) AS labelled ALL INNER JOIN (
    SELECT userId, windowEnd AS suggestedAt, hrMean, hrMax, hrSd, pctMax, pctHrr, zone, trimpBanister, rmssd,
      sdnn, drift
    FROM features WHERE window = {live:String} AND windowEnd >= {from:Int64} AND windowEnd < {to:Int64}
    LIMIT 1 BY userId, suggestedAt
  ) AS windows USING userId, suggestedAt
) AS featured ALL INNER JOIN (
  SELECT userId, windowEnd AS suggestedAt, score FROM readiness
  WHERE windowEnd >= {from:Int64} AND windowEnd < {to:Int64}
  LIMIT 1 BY userId, suggestedAt
) AS scores USING userId, suggestedAt
ORDER BY suggestedAt, suggestionId`;

type Raw = Record<string, unknown>;
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** `liveWindow`: the name of the live window (the first of PULSE_WINDOWS), the one suggestions are made on. */
export async function trainingSet(
  store: Store,
  range: { from: number; to: number },
  liveWindow: string,
): Promise<TrainingRow[]> {
  const rows = await store.query<Raw>(SQL, { ...range, live: liveWindow });
  return rows.map((r) => ({
    userId: String(r.userId),
    suggestionId: String(r.suggestionId),
    suggestedAt: Number(r.suggestedAt),
    action: String(r.action),
    source: String(r.source),
    hrMean: Number(r.hrMean),
    hrMax: Number(r.hrMax),
    hrSd: numOrNull(r.hrSd),
    pctMax: Number(r.pctMax),
    pctHrr: numOrNull(r.pctHrr),
    zone: Number(r.zone),
    trimpBanister: Number(r.trimpBanister),
    rmssd: numOrNull(r.rmssd),
    sdnn: numOrNull(r.sdnn),
    drift: numOrNull(r.drift),
    readiness: Number(r.score),
    // the count says whether a label was given at all (argMaxIf over none is a default, not NULL, on 18.16)
    rating: Number(r.ratings) > 0 ? Number(r.lastRating) : null,
    rpe: Number(r.rpes) > 0 ? Number(r.lastRpe) : null,
    followed: Number(r.follows) > 0 ? Number(r.lastFollowed) === 1 : null,
  }));
}
