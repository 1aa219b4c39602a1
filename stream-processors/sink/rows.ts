import type { LogRecord } from '../../platform/index.ts';
import { historyTables, type EventTypes } from '../../schemas/index.ts';

/** The topics the sink keeps, each with its table (schemas/clickhouse/migrations.ts). */
export type HistoryTopic = keyof typeof historyTables;
export const historyTopics = Object.keys(historyTables) as HistoryTopic[];

type EventOf<T extends HistoryTopic> = {
  samples: EventTypes['Sample'];
  features: EventTypes['Features'];
  readiness: EventTypes['Readiness'];
  triggers: EventTypes['Trigger'];
  suggestions: EventTypes['Suggestion'];
  feedback: EventTypes['Feedback'];
  sessions: EventTypes['Session'];
}[T];

/** A row as JSONEachRow takes it; its source columns are the sink's high-water mark. */
export interface Row {
  sourceLog: string;
  sourcePartition: number;
  sourceOffset: number;
  [column: string]: unknown;
}

/**
 * Event → row. Most events are their own row (a field without a column, such as
 * traceArrivalMs, is skipped by the insert); the rest need a column type ClickHouse 18.16 has:
 * readiness factors as three parallel arrays, a boolean as 0/1.
 */
const toRow: { [T in HistoryTopic]: (value: EventOf<T>) => object } = {
  samples: (v) => v,
  features: (v) => v,
  triggers: (v) => v,
  suggestions: (v) => v,
  sessions: (v) => v,
  readiness: (v) => ({
    userId: v.userId,
    windowEnd: v.windowEnd,
    score: v.score,
    band: v.band,
    bpm: v.bpm,
    pctMax: v.pctMax,
    zone: v.zone,
    factorNames: v.factors.map((f) => f.name),
    factorImpacts: v.factors.map((f) => f.impact),
    factorDetails: v.factors.map((f) => f.detail),
    model: v.model,
  }),
  feedback: (v) => ({
    userId: v.userId,
    suggestionId: v.suggestionId,
    ts: v.ts,
    rating: v.rating,
    rpe: v.rpe,
    comment: v.comment,
    followed: v.followed === null ? null : v.followed ? 1 : 0,
  }),
};

export function rowOf<T extends HistoryTopic>(topic: T, value: EventOf<T>, record: LogRecord, logId: string): Row {
  const row = toRow[topic](value) as Row;
  row.sourceLog = logId;
  row.sourcePartition = record.partition;
  row.sourceOffset = record.offset;
  return row;
}

/** The UTC month (yyyymm) of an epoch-ms time, as the tables' PARTITION BY computes it. */
export function monthOf(ms: number): number {
  const d = new Date(ms);
  return d.getUTCFullYear() * 100 + d.getUTCMonth() + 1;
}
