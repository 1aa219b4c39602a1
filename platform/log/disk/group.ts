import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { LogRecord, SubscribeOptions, Subscription } from '../types.ts';
import { readCheckpoint, writeCheckpoint } from './checkpoint.ts';
import type { Partition } from './partition.ts';

/** What a group member needs from the log. */
export interface GroupHost {
  partitionsOf(topic: string): Partition[];
  /** resolves at the next durable append to any partition */
  nextAppend(): Promise<void>;
  logger?: Logger;
  release(sub: GroupMember): void;
}

const RETRY_MS = 1000;

interface Task {
  id: number;
  /** next offset per topic */
  positions: Record<string, number>;
  committed: Record<string, number>;
  /** serialises batches and checkpoints of this task */
  lock: Promise<void>;
  dirty: boolean;
}

/**
 * The single member of a consumer group in embedded mode: it owns every task (partition
 * number) of its topics. One pump per task delivers batches in order; checkpoints are written
 * between batches, never during one, so a task's state and offsets always agree.
 */
export class GroupMember implements Subscription {
  private readonly tasks: Task[] = [];
  private readonly dir: string;
  private closed = false;
  private readonly pumps: Promise<void>[] = [];
  private readonly timer: NodeJS.Timeout;
  private progress: (() => void)[] = [];
  /** resolves once every task is assigned and its pump runs */
  readonly ready: Promise<void>;

  constructor(
    private readonly host: GroupHost,
    baseDir: string,
    private readonly options: SubscribeOptions,
    commitIntervalMs: number,
  ) {
    const counts = new Set(options.topics.map((t) => host.partitionsOf(t).length));
    if (counts.size !== 1) {
      throw new Error(`group ${options.group}: topics ${options.topics.join(', ')} are not co-partitioned`);
    }
    this.dir = join(baseDir, encodeURIComponent(options.group));
    mkdirSync(this.dir, { recursive: true });
    this.timer = setInterval(
      () => void this.commit().catch((err) => this.host.logger?.error({ err }, 'commit failed')),
      commitIntervalMs,
    );
    this.timer.unref();
    this.ready = this.start();
  }

  get group(): string {
    return this.options.group;
  }

  /** Restores every task's checkpoint, calls onAssign, starts the pumps. */
  private async start(): Promise<void> {
    const n = this.host.partitionsOf(this.options.topics[0]!).length;
    for (let id = 0; id < n; id++) {
      const cp = readCheckpoint(this.checkpointPath(id));
      const positions: Record<string, number> = {};
      for (const topic of this.options.topics) {
        const p = this.host.partitionsOf(topic)[id]!;
        const initial = this.options.fromBeginning === false ? p.endOffset : p.startOffset;
        positions[topic] = cp?.offsets[topic] ?? initial;
      }
      const task: Task = { id, positions, committed: { ...positions }, lock: Promise.resolve(), dirty: false };
      this.tasks.push(task);
      await this.options.onAssign?.(id, cp?.state ?? null);
    }
    for (const task of this.tasks) this.pumps.push(this.pump(task));
  }

  private checkpointPath(task: number): string {
    return join(this.dir, `${task}.ckpt`);
  }

  private async pump(task: Task): Promise<void> {
    const max = this.options.maxBatchRecords ?? 5000;
    while (!this.closed) {
      const wake = this.host.nextAppend();
      let batch: LogRecord[] = [];
      for (const topic of this.options.topics) {
        const p = this.host.partitionsOf(topic)[task.id]!;
        let pos = task.positions[topic]!;
        if (pos < p.startOffset) {
          this.host.logger?.warn(
            { group: this.options.group, topic, partition: task.id, from: pos, to: p.startOffset },
            'position below the log start (retention): skipping ahead',
          );
          pos = task.positions[topic] = p.startOffset;
        }
        batch = p.read(pos, max);
        if (batch.length > 0) break;
      }
      if (batch.length === 0) {
        this.notifyProgress();
        await wake;
        continue;
      }
      try {
        await this.withLock(task, async () => {
          await this.options.onBatch(batch, task.id);
          const last = batch[batch.length - 1]!;
          task.positions[last.topic] = last.offset + 1;
          task.dirty = true;
        });
      } catch (err) {
        // not committed, so not lost: the same batch is offered again after a pause
        this.host.logger?.error({ err, group: this.options.group, task: task.id }, 'batch failed; retrying');
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
      this.notifyProgress();
    }
  }

  private withLock(task: Task, fn: () => Promise<void>): Promise<void> {
    const run = task.lock.then(fn);
    task.lock = run.catch(() => undefined);
    return run;
  }

  private checkpoint(task: Task, force = false): void {
    if (!task.dirty && !force) return;
    const state = this.options.snapshot?.(task.id) ?? null;
    writeCheckpoint(this.checkpointPath(task.id), { offsets: { ...task.positions }, state });
    task.committed = { ...task.positions };
    task.dirty = false;
  }

  async commit(): Promise<void> {
    await this.ready;
    for (const task of this.tasks) await this.withLock(task, async () => this.checkpoint(task));
  }

  /** next offset processed per topic and partition, for lag */
  positions(): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    for (const topic of this.options.topics) out[topic] = this.tasks.map((t) => t.positions[topic]!);
    return out;
  }

  async caughtUp(): Promise<void> {
    await this.ready;
    const targets = this.tasks.map((t) =>
      this.options.topics.map((topic) => [topic, this.host.partitionsOf(topic)[t.id]!.durableEnd] as const),
    );
    const done = () => this.tasks.every((t, i) => targets[i]!.every(([topic, end]) => t.positions[topic]! >= end));
    return new Promise((resolve) => {
      const check = () => {
        if (done() || this.closed) resolve();
        else this.progress.push(check);
      };
      check();
    });
  }

  private notifyProgress(): void {
    const waiting = this.progress;
    this.progress = [];
    for (const w of waiting) w();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.host.release(this);
    await this.ready.catch(() => undefined);
    await Promise.all(this.pumps);
    for (const task of this.tasks) {
      await this.withLock(task, async () => {
        await this.options.onRevoke?.(task.id);
        this.checkpoint(task, task.dirty);
      });
    }
    this.notifyProgress();
  }
}
