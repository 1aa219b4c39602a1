import type { Logger, Metrics, Store } from '../../platform/index.ts';
import { historyTables } from '../../schemas/index.ts';
import { monthOf, type HistoryTopic, type Row } from './rows.ts';

export interface HistoryWriterOptions {
  /** the log the rows come from: offsets of another log say nothing about this one's */
  logId: string;
  /** flush once this many rows are pending */
  batchRows: number;
  /** flush once the oldest pending row has waited this long, ms */
  batchAgeMs: number;
}

const MAX_CONCURRENT_FLUSHES = 2;

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * Batches rows for the history and writes them; `write` resolves only once ClickHouse has
 * acknowledged the rows, so the sink's offsets are committed after the rows are stored, and a
 * slow or stopped server holds the log back (backpressure) instead of losing anything.
 *
 * Redelivery writes nothing twice: each table's rows carry their source log, partition and
 * offset, and the writer keeps the highest offset per partition and UTC month that the table already
 * holds (read from the table itself after a start, an assignment or a failed insert). Rows are
 * inserted per table and month: one part, stored whole or not at all, with the offsets it covers,
 * so after any failure the table says exactly which rows landed.
 */
export class HistoryWriter {
  private pending = new Map<HistoryTopic, Row[]>();
  private pendingRows = 0;
  private waiters: Waiter[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** flushes under way or waiting for a slot */
  private readonly runs = new Set<Promise<void>>();
  private inserting = 0;
  private readonly slotWaiters: (() => void)[] = [];
  /** per table: `partition:month` → highest offset stored; absent = to be read from the table */
  private readonly highWater = new Map<HistoryTopic, Map<string, number>>();
  /** per table: the read of its marks under way, shared by the flushes that need it meanwhile */
  private readonly reading = new Map<HistoryTopic, Promise<Map<string, number>>>();
  /**
   * Bumped whenever the marks are forgotten: a read begun before may have seen the table before
   * a failed flush's partial insert, so its result is used by its own flush only, never kept.
   */
  private generation = 0;

  constructor(
    private readonly store: Store,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly options: HistoryWriterOptions,
  ) {}

  /** Queues rows; resolves once they are stored, rejects if their insert failed (redeliver them). */
  write(rows: Map<HistoryTopic, Row[]>): Promise<void> {
    let added = 0;
    for (const [topic, list] of rows) {
      if (list.length === 0) continue;
      const queue = this.pending.get(topic);
      if (queue) for (const r of list) queue.push(r);
      else this.pending.set(topic, list.slice());
      added += list.length;
    }
    if (added === 0) return Promise.resolve();
    this.pendingRows += added;
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (this.pendingRows >= this.options.batchRows) this.flushNow();
    else this.timer ??= setTimeout(() => this.flushNow(), this.options.batchAgeMs);
    return done;
  }

  /** Forgets what it knew of the tables' contents (another sink may have written a partition). */
  invalidate(): void {
    this.generation++;
    this.highWater.clear();
    this.reading.clear();
  }

  /** Writes what is pending now; resolves when every flush so far has ended. */
  async flush(): Promise<void> {
    this.flushNow();
    await Promise.all([...this.runs]);
  }

  private flushNow(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.pendingRows === 0) return;
    const batch = this.pending;
    const waiters = this.waiters;
    this.pending = new Map();
    this.pendingRows = 0;
    this.waiters = [];
    const run = this.run(batch, waiters).finally(() => this.runs.delete(run));
    this.runs.add(run);
  }

  /**
   * Two flushes may insert at once, so that the next batch is encoded while the engine writes
   * the last. They never hold rows of the same partition: a task's next batch comes only after
   * its last one was stored, so each partition's rows still land in offset order.
   */
  private async run(batch: Map<HistoryTopic, Row[]>, waiters: Waiter[]): Promise<void> {
    if (this.inserting >= MAX_CONCURRENT_FLUSHES) await new Promise<void>((r) => this.slotWaiters.push(r));
    this.inserting++;
    try {
      for (const [topic, rows] of batch) await this.insert(topic, rows);
      for (const w of waiters) w.resolve();
    } catch (err) {
      this.invalidate();
      for (const w of waiters) w.reject(err);
    } finally {
      this.inserting--;
      this.slotWaiters.shift()?.();
    }
  }

  private async insert(topic: HistoryTopic, rows: Row[]): Promise<void> {
    const { table, time } = historyTables[topic];
    const marks = await this.marksOf(topic);
    // one insert per UTC month: the table's parts, each written whole or not at all
    const byMonth = new Map<number, Row[]>();
    let skipped = 0;
    for (const r of rows) {
      const month = monthOf(r[time] as number);
      if (r.sourceOffset <= (marks.get(markKey(r.sourcePartition, month)) ?? -1)) {
        skipped++;
        continue;
      }
      const list = byMonth.get(month);
      if (list) list.push(r);
      else byMonth.set(month, [r]);
    }
    if (skipped > 0) this.metrics.sinkSkipped.labels(table).inc(skipped);
    for (const [month, monthRows] of byMonth) {
      try {
        await this.store.insert(table, monthRows);
      } catch (err) {
        this.metrics.sinkFailures.labels(table).inc();
        this.logger.warn(
          { table, rows: monthRows.length, err: (err as Error).message },
          'history insert failed; retrying',
        );
        throw err;
      }
      for (const r of monthRows) {
        const key = markKey(r.sourcePartition, month);
        marks.set(key, Math.max(marks.get(key) ?? -1, r.sourceOffset));
      }
      this.metrics.sinkRows.labels(table).inc(monthRows.length);
    }
  }

  /** Highest stored offset per source partition and month: each such set of rows is one part. */
  private marksOf(topic: HistoryTopic): Promise<Map<string, number>> {
    const known = this.highWater.get(topic);
    if (known) return Promise.resolve(known);
    const under = this.reading.get(topic);
    if (under) return under;
    const generation = this.generation;
    const read = this.readMarks(topic).then(
      (marks) => {
        if (this.generation === generation) {
          this.highWater.set(topic, marks);
          this.reading.delete(topic);
        }
        return marks;
      },
      (err: unknown) => {
        if (this.generation === generation) this.reading.delete(topic);
        throw err;
      },
    );
    this.reading.set(topic, read);
    return read;
  }

  private async readMarks(topic: HistoryTopic): Promise<Map<string, number>> {
    const { table, time } = historyTables[topic];
    const rows = await this.store.query<{ p: number; m: number; o: number }>(
      `SELECT sourcePartition AS p, toYYYYMM(toDateTime(intDiv(${time}, 1000), 'UTC')) AS m, max(sourceOffset) AS o
       FROM ${table} WHERE sourceLog = {log:String} GROUP BY p, m`,
      { log: this.options.logId },
    );
    return new Map(rows.map((r) => [markKey(Number(r.p), Number(r.m)), Number(r.o)]));
  }
}

const markKey = (partition: number, month: number): string => `${partition}:${month}`;
