import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSimulation } from '../ingest/index.ts';
import { ChdbStore, ServerStore, migrate, startStageHarness, type Store } from '../platform/index.ts';
import { startSink } from '../stream-processors/index.ts';
import { clickhouseService } from '../test/services.ts';

export interface SinkRun {
  /** Store.insert in batches of batchRows: row encoding and the engine's insert (with the rollup view) */
  insertRowsPerSec: number;
  /** the sink stage from the log: log read, Avro decode, rows, batched inserts, commits */
  endToEndRowsPerSec: number;
  rows: number;
  seconds: number;
  engine: string;
}

export interface SinkFigures {
  /** rows/s into chDB, batched (CONTRACT.md): SinkRun.insertRowsPerSec */
  chdbRowsPerSec: number | null;
  /** the same into a ClickHouse server (CLICKHOUSE_URL, or Debian's started here) */
  clickhouseRowsPerSec: number | null;
  /** the whole sink stage from the log, per engine: SinkRun.endToEndRowsPerSec */
  endToEndRowsPerSec: { chdb: number | null; clickhouse: number | null };
  batchRows: number;
  runs: { chdb: SinkRun | null; clickhouse: SinkRun | { skipped: string } };
}

/**
 * The sink, per engine. End to end: simulated samples (with RR intervals) are first produced to
 * an embedded log, untimed; then the sink stage drains them into the store, timed from its start
 * until every row is in the samples table. Batched inserts: the same rows inserted again through
 * Store.insert, batchRows at a time.
 */
export async function benchSink(opts: { rows: number; batchRows: number }): Promise<SinkFigures> {
  const chdbDir = mkdtempSync(join(tmpdir(), 'pulse-bench-chdb-'));
  let chdb: SinkRun | null;
  try {
    chdb = await drain(ChdbStore.open(chdbDir), opts);
  } finally {
    rmSync(chdbDir, { recursive: true, force: true });
  }
  let clickhouse: SinkRun | { skipped: string };
  const service = await clickhouseService().catch((err: unknown) => {
    clickhouse = { skipped: (err as Error).message };
    return null;
  });
  if (service) {
    try {
      clickhouse = await drain(
        await ServerStore.connect({ url: service.url, database: `bench_sink_${Date.now()}` }),
        opts,
      );
    } finally {
      await service.dispose();
    }
  } else clickhouse ??= { skipped: 'no ClickHouse server: set CLICKHOUSE_URL or install clickhouse-server' };
  return {
    chdbRowsPerSec: chdb?.insertRowsPerSec ?? null,
    clickhouseRowsPerSec: 'insertRowsPerSec' in clickhouse ? clickhouse.insertRowsPerSec : null,
    endToEndRowsPerSec: {
      chdb: chdb?.endToEndRowsPerSec ?? null,
      clickhouse: 'endToEndRowsPerSec' in clickhouse ? clickhouse.endToEndRowsPerSec : null,
    },
    batchRows: opts.batchRows,
    runs: { chdb, clickhouse },
  };
}

async function drain(store: Store, opts: { rows: number; batchRows: number }): Promise<SinkRun> {
  const h = await startStageHarness({ prefix: 'pulse-bench-sink-', config: { sinkBatchRows: opts.batchRows } });
  try {
    await migrate(store);
    const users = 2000;
    const startTs = Date.UTC(2026, 0, 5, 9);
    const sim = createSimulation({
      seed: 3,
      users,
      floorId: 'b',
      startTs,
      rateHz: 1,
      durationSec: 3600,
      faults: false,
    });
    for (let t = startTs, produced = 0; produced < opts.rows; t += 1000) {
      const batch = sim.next(t).slice(0, opts.rows - produced);
      await h.produce('samples', batch);
      produced += batch.length;
    }
    const began = performance.now();
    const sink = startSink(h.deps, store);
    await sink.subscription.caughtUp();
    const seconds = (performance.now() - began) / 1000;
    await sink.close();
    const [row] = await store.query<{ n: number }>('SELECT count() AS n FROM samples');
    const rows = Number(row!.n);
    if (rows !== opts.rows) throw new Error(`the sink stored ${rows} rows of ${opts.rows}`);
    // the same rows again, straight into the store (another log id, so nothing is skipped)
    const again = (await store.query<object>(`SELECT * FROM samples LIMIT ${opts.batchRows}`)).map((r) => ({
      ...r,
      sourceLog: 'bench-insert',
    }));
    const batches = Math.max(1, Math.floor(opts.rows / opts.batchRows));
    const insertBegan = performance.now();
    for (let i = 0; i < batches; i++) await store.insert('samples', again);
    const insertSeconds = (performance.now() - insertBegan) / 1000;
    return {
      insertRowsPerSec: Math.round((batches * again.length) / insertSeconds),
      endToEndRowsPerSec: Math.round(rows / seconds),
      rows,
      seconds: Math.round(seconds * 100) / 100,
      engine: `${store.info.kind} ${store.info.version}`,
    };
  } finally {
    await store.close();
    await h.close();
  }
}
