import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { startsAtEnd, type LogRecord, type SubscribeOptions, type Subscription } from '../types.ts';
import { encodeCheckpoint, readCheckpoint } from './checkpoint.ts';
import { Cursor } from './cursor.ts';
import { fsyncDirSync, withPath, writeFileAtomic } from './fs-io.ts';
import type { PartitionStore } from './partition.ts';
import { Task, type Waiter } from './task.ts';
import { checkName } from './topics.ts';

/** What a subscription needs from the log that owns it. */
export interface SubscriptionHost {
  readonly dir: string;
  readonly logger: Logger;
  readonly commitIntervalMs: number;
  storesOf(topic: string): PartitionStore[];
  detach(sub: EmbeddedSubscription): void;
}

/** Enough records per batch to amortise the handler's per-batch work (a produce, an fsync wait). */
export const DEFAULT_MAX_BATCH_RECORDS = 2000;
const MAX_BACKOFF_MS = 10_000;
const backoff = (attempt: number): number => Math.min(100 * 2 ** attempt, MAX_BACKOFF_MS);

interface CaughtUpWaiter extends Waiter {
  /** end offset per task and topic, task-major */
  targets: number[];
}

/**
 * The single member of a consumer group in embedded mode: it owns every task. Each task runs its
 * own async loop (read what is durable → onBatch → advance), so tasks proceed concurrently while
 * each sees one batch at a time. Checkpoints (offsets + snapshot, one file per task) are taken
 * only between batches, on a timer, on commit() and on close().
 */
export class EmbeddedSubscription implements Subscription {
  readonly group: string;
  private readonly topics: string[];
  private readonly tasks: Task[] = [];
  private readonly loops: Promise<void>[];
  private readonly maxBatch: number;
  private readonly timer: NodeJS.Timeout;
  private punctuator: NodeJS.Timeout | null = null;
  private caughtUpWaiters: CaughtUpWaiter[] = [];
  private closing = false;
  private closed: Promise<void> | null = null;

  constructor(
    private readonly host: SubscriptionHost,
    private readonly options: SubscribeOptions,
  ) {
    const { group, topics } = options;
    checkName('group', group);
    if (!Array.isArray(topics) || topics.length === 0) throw new Error(`subscribe (group ${group}): no topics`);
    if (new Set(topics).size !== topics.length) throw new Error(`subscribe (group ${group}): a topic is listed twice`);
    const stores = topics.map((t) => host.storesOf(t));
    const partitions = stores[0]!.length;
    stores.forEach((s, i) => {
      if (s.length !== partitions) {
        throw new Error(
          `subscribe (group ${group}): topics must be co-partitioned, but ${topics[0]} has ${partitions} partitions and ${topics[i]} has ${s.length}`,
        );
      }
    });
    const max = options.maxBatchRecords ?? DEFAULT_MAX_BATCH_RECORDS;
    if (!Number.isInteger(max) || max < 1) throw new Error(`subscribe (group ${group}): bad maxBatchRecords ${max}`);
    this.group = group;
    this.topics = [...topics];
    this.maxBatch = max;

    const groupDir = join(host.dir, '_groups', group);
    mkdirSync(groupDir, { recursive: true });
    fsyncDirSync(join(host.dir, '_groups'));
    fsyncDirSync(host.dir);
    for (let task = 0; task < partitions; task++) {
      const path = join(groupDir, `${task}.ckpt`);
      const checkpoint = readCheckpoint(path);
      const cursors = this.topics.map((topic, i) => {
        const store = stores[i]![task]!;
        let offset = checkpoint?.offsets.get(topic);
        if (offset === undefined) offset = startsAtEnd(options, topic) ? store.end : store.logStart;
        else if (offset > store.end) {
          host.logger.warn(
            { group, topic, partition: task, committed: offset, end: store.end },
            'committed offset is past the end of the partition; resuming at the end',
          );
          offset = store.end;
        }
        return new Cursor(store, offset, host.logger, group);
      });
      this.tasks.push(new Task(task, path, checkpoint?.state ?? null, cursors));
    }
    for (const t of this.tasks) for (const c of t.cursors) c.store.addListener(t);
    this.timer = setInterval(() => this.commitTick(), host.commitIntervalMs);
    this.timer.unref();
    const every = options.punctuateMs;
    if (every !== undefined) {
      // one timer for all tasks (not one per wait: tasks wait thousands of times a second)
      this.punctuator = setInterval(() => this.punctuateIdle(every), Math.max(10, every / 4));
      this.punctuator.unref();
    }
    this.loops = this.tasks.map((t) => this.run(t));
  }

  commit(): Promise<void> {
    if (this.closing) return Promise.reject(new Error(`group ${this.group}: subscription is closed`));
    return Promise.all(
      this.tasks.map((t) => new Promise<void>((resolve, reject) => this.requestCheckpoint(t, { resolve, reject }))),
    ).then(() => undefined);
  }

  caughtUp(): Promise<void> {
    if (this.closing) return Promise.reject(new Error(`group ${this.group}: subscription is closed`));
    const targets: number[] = [];
    for (const t of this.tasks) for (const c of t.cursors) targets.push(c.store.end);
    return new Promise((resolve, reject) => {
      this.caughtUpWaiters.push({ targets, resolve, reject });
      this.checkCaughtUp();
    });
  }

  /** Records in the subscribed partitions not yet processed by this member. */
  lag(): number {
    let n = 0;
    for (const t of this.tasks) {
      for (let i = 0; i < t.cursors.length; i++) n += Math.max(0, t.cursors[i]!.store.end - t.positions[i]!);
    }
    return n;
  }

  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  /** One task's life: assign, then read → deliver → advance until closed. */
  private async run(t: Task): Promise<void> {
    // busy from the start: a commit() made before onAssign ran waits for the task's first checkpoint
    t.busy = true;
    await null; // let subscribe() return before the first callback
    const { onBatch, onAssign } = this.options;
    const log = this.host.logger;
    let attempt = 0;
    while (!this.closing) {
      try {
        await onAssign?.(t.task, t.restored);
        t.assigned = true;
        break;
      } catch (err) {
        log.error({ err, group: this.group, task: t.task }, 'onAssign failed; retrying');
        await t.sleep(backoff(attempt++));
      }
    }
    t.busy = false;
    if (!t.assigned) return;
    this.betweenBatches(t);
    attempt = 0;
    while (!this.closing) {
      t.signal = false;
      let batch: LogRecord[];
      try {
        batch = await this.readBatch(t);
      } catch (err) {
        log.error({ err, group: this.group, task: t.task }, 'reading the log failed; retrying');
        await t.sleep(backoff(attempt++));
        // records read before the failure were not delivered: read again from the positions
        for (let i = 0; i < t.cursors.length; i++) {
          await t.cursors[i]!.seek(t.positions[i]!).catch((e: unknown) =>
            log.error({ err: e }, 'closing a reader failed'),
          );
        }
        continue;
      }
      if (this.closing) break;
      if (batch.length === 0) {
        this.betweenBatches(t);
        if (t.signal) continue;
        if (!t.punctuate) {
          await t.waitForWake();
          continue;
        }
        t.punctuate = false;
      }
      attempt = 0;
      t.busy = true;
      // a task with state may have changed it before failing: delivered again, the batch would
      // meet that state (a stage would take its records for duplicates, or late, and its outputs
      // would be lost), so it goes back to its last checkpoint instead (Kafka Streams' at least once)
      const stateful = this.options.snapshot !== undefined;
      let rewound = false;
      for (;;) {
        try {
          await onBatch(batch, t.task);
          t.failed = false;
          // (a batch replayed after a restore goes through up to the one that failed: the back-off
          // starts again only once a batch has covered it)
          if (t.failedAt && t.batchEnd.every((end, i) => end >= t.failedAt![i]!)) {
            t.rewinds = 0;
            t.failedAt = null;
          }
          break;
        } catch (err) {
          t.failed = true;
          const first = batch[0] ?? { topic: this.topics[0], offset: t.positions[0] };
          log.error(
            { err, group: this.group, task: t.task, records: batch.length, topic: first.topic, offset: first.offset },
            stateful
              ? 'onBatch failed; restoring the task from its checkpoint'
              : 'onBatch failed; redelivering the batch (nothing is committed past it)',
          );
          if (this.closing) break;
          if (stateful) t.failedAt = [...t.batchEnd];
          await t.sleep(backoff(stateful ? t.rewinds++ : attempt++));
          if (this.closing) break;
          if (stateful) {
            rewound = await this.rewind(t);
            break;
          }
        }
      }
      t.busy = false;
      if (t.failed) break;
      if (rewound) continue;
      for (let i = 0; i < t.positions.length; i++) t.positions[i] = t.batchEnd[i]!;
      t.dirty = true;
      attempt = 0;
      this.betweenBatches(t);
    }
  }

  /**
   * The task's state and positions as of its last checkpoint (or where it began): the records
   * since are read again. False when closing cut it short.
   */
  private async rewind(t: Task): Promise<boolean> {
    await t.writes;
    for (let attempt = 0; !this.closing; attempt++) {
      try {
        const checkpoint = readCheckpoint(t.path);
        for (let i = 0; i < t.cursors.length; i++) {
          const c = t.cursors[i]!;
          // (past the end, as the constructor does: the log may have lost an unsynced tail)
          const offset = Math.min(checkpoint?.offsets.get(this.topics[i]!) ?? t.initial[i]!, c.store.end);
          await c.seek(offset);
          t.positions[i] = offset;
          t.batchEnd[i] = offset;
        }
        await this.options.onAssign?.(t.task, checkpoint ? checkpoint.state : t.restored);
        t.failed = false;
        t.dirty = false;
        return true;
      } catch (err) {
        this.host.logger.error({ err, group: this.group, task: t.task }, 'restoring the task failed; retrying');
        await t.sleep(backoff(attempt));
      }
    }
    return false;
  }

  /** Earlier topics first: each cursor fills the batch up to its durable end before the next. */
  private async readBatch(t: Task): Promise<LogRecord[]> {
    const out: LogRecord[] = [];
    const cursors = t.cursors;
    for (let i = 0; i < cursors.length; i++) {
      const c = cursors[i]!;
      if (out.length < this.maxBatch && c.offset < c.store.end) await c.fill(out, this.maxBatch);
      t.batchEnd[i] = c.offset;
    }
    if (out.length === 0) {
      // nothing to deliver, but a cursor may have skipped ahead past deleted segments
      for (let i = 0; i < cursors.length; i++) {
        if (t.batchEnd[i]! > t.positions[i]!) {
          t.positions[i] = t.batchEnd[i]!;
          t.dirty = true;
        }
      }
    }
    return out;
  }

  /** Wakes the tasks that have waited `ms` or more for records, to deliver them an empty batch. */
  private punctuateIdle(ms: number): void {
    const now = performance.now();
    for (const t of this.tasks) {
      if (t.waiting && now - t.idleSince >= ms) {
        t.punctuate = true;
        t.wake();
      }
    }
  }

  private betweenBatches(t: Task): void {
    if (t.checkpointWanted) this.capture(t);
    if (this.caughtUpWaiters.length > 0) this.checkCaughtUp();
  }

  private checkCaughtUp(): void {
    this.caughtUpWaiters = this.caughtUpWaiters.filter((w) => {
      let k = 0;
      for (const t of this.tasks) {
        if (!t.assigned) return true;
        for (let i = 0; i < t.positions.length; i++) if (t.positions[i]! < w.targets[k++]!) return true;
      }
      w.resolve();
      return false;
    });
  }

  /**
   * One task per turn of the event loop: capturing every task's snapshot in one synchronous
   * step blocked the loop for 100–200 ms in the embedded bench (10,000 users), which showed up
   * directly in the p99 latency; one task at a time keeps each pause to that task's share.
   */
  private commitTick(): void {
    const due = this.tasks.filter((t) => t.dirty);
    const next = (): void => {
      const t = due.shift();
      if (t === undefined || this.closing) return;
      if (t.dirty && t.assigned && !t.failed) this.requestCheckpoint(t, null);
      if (due.length > 0) setImmediate(next);
    };
    next();
  }

  private requestCheckpoint(t: Task, waiter: Waiter | null): void {
    if (waiter) t.waiters.push(waiter);
    if (t.busy) t.checkpointWanted = true;
    else this.capture(t);
  }

  /**
   * Takes the checkpoint now: offsets and snapshot are read in the same synchronous step while
   * no batch of this task is in flight, so they describe the same point. The write is queued
   * behind this task's earlier writes.
   */
  private capture(t: Task): void {
    t.checkpointWanted = false;
    // always a fresh array: one kept while empty would be shared with this write's callback, and a
    // commit() arriving before that write ended would be resolved by it, ahead of its own data
    const waiters = t.waiters;
    t.waiters = [];
    const where = `group ${this.group} task ${t.task}`;
    if (!t.assigned || t.failed) {
      const why = t.assigned ? 'its last batch failed' : 'it was never assigned';
      const err = new Error(`${where} not committed: ${why}; its offsets stay at the last commit`);
      for (const w of waiters) w.reject(err);
      return;
    }
    let data: Buffer;
    try {
      const state = this.options.snapshot ? this.options.snapshot(t.task) : null;
      data = encodeCheckpoint(this.topics, t.positions, state);
    } catch (err) {
      const e = withPath(err, `snapshot of ${where}`);
      this.host.logger.error({ err: e, group: this.group, task: t.task }, 'checkpoint failed');
      for (const w of waiters) w.reject(e);
      return;
    }
    t.dirty = false;
    t.writes = t.writes
      .then(() => writeFileAtomic(t.path, data))
      .then(
        () => {
          for (const w of waiters) w.resolve();
        },
        (err: unknown) => {
          t.dirty = true;
          const e = withPath(err, `checkpoint of ${where} (${t.path})`);
          this.host.logger.error({ err: e, group: this.group, task: t.task }, 'checkpoint write failed');
          for (const w of waiters) w.reject(e);
        },
      );
  }

  private async shutdown(): Promise<void> {
    this.closing = true;
    clearInterval(this.timer);
    if (this.punctuator !== null) clearInterval(this.punctuator);
    for (const t of this.tasks) t.interrupt();
    await Promise.all(this.loops);
    const errors: unknown[] = [];
    const log = this.host.logger;
    await Promise.all(
      this.tasks.map(async (t) => {
        if (!t.assigned || t.failed || !this.options.onRevoke) return;
        t.busy = true;
        try {
          await this.options.onRevoke(t.task);
        } catch (err) {
          t.failed = true;
          errors.push(err);
          log.error({ err, group: this.group, task: t.task }, 'onRevoke failed; the task is not committed');
        }
        t.busy = false;
      }),
    );
    const commits: Promise<void>[] = [];
    for (const t of this.tasks) {
      if (t.assigned && !t.failed) {
        commits.push(new Promise<void>((resolve, reject) => this.requestCheckpoint(t, { resolve, reject })));
      } else if (t.assigned) {
        log.warn(
          { group: this.group, task: t.task },
          'closing without a commit: the last batch failed; it will be redelivered',
        );
      }
    }
    for (const r of await Promise.allSettled(commits)) if (r.status === 'rejected') errors.push(r.reason);
    await Promise.all(this.tasks.map((t) => t.writes));
    const closedErr = new Error(`group ${this.group}: subscription closed`);
    for (const t of this.tasks) {
      for (const w of t.waiters) w.reject(closedErr);
      t.waiters = [];
      for (const c of t.cursors) {
        c.store.removeListener(t);
        await c.close().catch((err: unknown) => errors.push(err));
      }
    }
    for (const w of this.caughtUpWaiters)
      w.reject(new Error(`group ${this.group}: subscription closed before catching up`));
    this.caughtUpWaiters = [];
    this.host.detach(this);
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `closing group ${this.group}: ${errors.length} errors`);
  }
}
