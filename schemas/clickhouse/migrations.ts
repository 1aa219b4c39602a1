/**
 * The ClickHouse schema of the history, as numbered migrations. A migration, once released, is
 * never edited: change the schema by appending one. Every statement runs unchanged on Debian's
 * ClickHouse 18.16 and on current ClickHouse (chDB 26.x), hence (schemas/README.md, "History"):
 * time is Int64 epoch ms (no DateTime64 on 18.16), enums are String, optional values Nullable,
 * a double that may be "not computable" (NaN in the events, schemas/README rule 6) is Nullable
 * and stored as NULL, which SQL aggregates skip where NaN would poison them, and rollups are AggregatingMergeTree tables fed by materialized views (`-State` / `-Merge`).
 *
 * Every table the sink writes carries `sourceLog`, `sourcePartition` and `sourceOffset`, the
 * coordinates of the record it came from: the sink's high-water mark lives in the same atomic insert as the rows
 * it covers, which is what makes a redelivered batch land once (stream-processors/sink).
 */
export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

/** Month partitions from an epoch-ms column: whole months are cheap to drop. */
const byMonth = (column: string) => `PARTITION BY toYYYYMM(toDateTime(intDiv(${column}, 1000), 'UTC'))`;
const source = 'sourceLog String, sourcePartition UInt32, sourceOffset Int64';

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'history tables',
    statements: [
      `CREATE TABLE IF NOT EXISTS samples (
        userId String, deviceId String, ts Int64, bpm Nullable(Int32), rr Array(Int32),
        steps Nullable(Int32), cadence Nullable(Int32), power Nullable(Int32), speed Nullable(Float32),
        receivedAt Int64, ${source}
      ) ENGINE = MergeTree ${byMonth('ts')} ORDER BY (userId, ts, deviceId)`,
      `CREATE TABLE IF NOT EXISTS features (
        userId String, window String, kind String, windowStart Int64, windowEnd Int64,
        durationSec Float64, samples Int32, hrCount Int32, hrMean Nullable(Float64), hrMin Int32, hrMax Int32,
        hrLast Int32, hrSd Nullable(Float64), maxHr Int32, restHr Int32, pctMax Nullable(Float64),
        pctHrr Nullable(Float64), zone Int32, zoneSeconds Array(Float64),
        trimpBanister Float64, trimpEdwards Float64,
        rrCount Int32, nnCount Int32, nnDiffCount Int32, meanNN Nullable(Float64), sdnn Nullable(Float64),
        rmssd Nullable(Float64), pnn50 Nullable(Float64), artifactPct Nullable(Float64),
        drift Nullable(Float64), driftKind Nullable(String), hrr60 Nullable(Float64),
        cadenceCount Int32, cadenceMean Nullable(Float64), cadenceMax Nullable(Float64),
        powerCount Int32, powerMean Nullable(Float64), powerMax Nullable(Float64),
        speedCount Int32, speedMean Nullable(Float64), speedMax Nullable(Float64),
        steps Nullable(Int32), restHrEstimate Nullable(Float64),
        atl Nullable(Float64), ctl Nullable(Float64), acwr Nullable(Float64), form Nullable(Float64),
        ${source}
      ) ENGINE = MergeTree ${byMonth('windowEnd')} ORDER BY (userId, window, windowEnd)`,
      `CREATE TABLE IF NOT EXISTS readiness (
        userId String, windowEnd Int64, score Int32, band String, bpm Int32, pctMax Nullable(Float64), zone Int32,
        factorNames Array(String), factorImpacts Array(Float64), factorDetails Array(String),
        model String, ${source}
      ) ENGINE = MergeTree ${byMonth('windowEnd')} ORDER BY (userId, windowEnd)`,
      `CREATE TABLE IF NOT EXISTS triggers (
        triggerId String, userId String, ts Int64, kind String, fromZone Int32, toZone Int32,
        pctMax Nullable(Float64), readiness Int32, detail String, ${source}
      ) ENGINE = MergeTree ${byMonth('ts')} ORDER BY (userId, ts)`,
      `CREATE TABLE IF NOT EXISTS suggestions (
        suggestionId String, userId String, triggerId String, ts Int64, text String, action String,
        targetZone Nullable(Int32), durationSec Nullable(Int32), locale String, source String, ${source}
      ) ENGINE = MergeTree ${byMonth('ts')} ORDER BY (userId, ts)`,
      `CREATE TABLE IF NOT EXISTS feedback (
        userId String, suggestionId String, ts Int64, rating Nullable(Int32), rpe Nullable(Int32),
        comment Nullable(String), followed Nullable(UInt8), ${source}
      ) ENGINE = MergeTree ${byMonth('ts')} ORDER BY (userId, ts)`,
      `CREATE TABLE IF NOT EXISTS sessions (
        sessionId String, userId String, floorId String, alias String, startedAt Int64,
        endedAt Nullable(Int64), ${source}
      ) ENGINE = MergeTree ${byMonth('startedAt')} ORDER BY (userId, startedAt)`,
      `CREATE TABLE IF NOT EXISTS models (
        modelId String, version String, createdAt Int64, promoted UInt8, metrics String, path String
      ) ENGINE = MergeTree ORDER BY (modelId, createdAt)`,
    ],
  },
  {
    version: 2,
    name: 'per-minute heart-rate rollup',
    statements: [
      `CREATE TABLE IF NOT EXISTS samples_minute (
        userId String, minute Int64, hrCount AggregateFunction(count), hrAvg AggregateFunction(avg, Int32),
        hrMin AggregateFunction(min, Int32), hrMax AggregateFunction(max, Int32)
      ) ENGINE = AggregatingMergeTree ${byMonth('minute')} ORDER BY (userId, minute)`,
      // assumeNotNull after the filter: 18.16 and 26.x name a Nullable argument's state differently
      `CREATE MATERIALIZED VIEW IF NOT EXISTS samples_minute_mv TO samples_minute AS
        SELECT userId, intDiv(ts, 60000) * 60000 AS minute, countState() AS hrCount,
          avgState(assumeNotNull(bpm)) AS hrAvg, minState(assumeNotNull(bpm)) AS hrMin,
          maxState(assumeNotNull(bpm)) AS hrMax
        FROM samples WHERE bpm IS NOT NULL GROUP BY userId, minute`,
    ],
  },
];

/** The tables the sink fills, by topic id, with the column retention and time ranges use. */
export const historyTables = {
  samples: { table: 'samples', time: 'ts' },
  features: { table: 'features', time: 'windowEnd' },
  readiness: { table: 'readiness', time: 'windowEnd' },
  triggers: { table: 'triggers', time: 'ts' },
  suggestions: { table: 'suggestions', time: 'ts' },
  feedback: { table: 'feedback', time: 'ts' },
  sessions: { table: 'sessions', time: 'startedAt' },
} as const;

/** Tables that retention may also apply to, beyond the sink's. */
export const rollupTables = { samples_minute: { table: 'samples_minute', time: 'minute' } } as const;
