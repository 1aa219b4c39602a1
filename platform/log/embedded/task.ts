import type { Cursor } from './cursor.ts';
import type { AppendListener } from './partition.ts';

export interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * One consumer task (= partition number across the subscribed topics): its read cursors, the
 * offsets it has processed (what a checkpoint records), and the small bits of scheduling state
 * the subscription drives it with. Waking is event-driven: partitions call wake() after each
 * durable append, which costs nothing when the task is busy.
 */
export class Task implements AppendListener {
  /** next offset per topic whose record has been processed (onBatch resolved) */
  readonly positions: number[];
  /** where the task began (its checkpoint's offsets, or the start): a rewind without a newer checkpoint goes back here */
  readonly initial: number[];
  /** the cursors' offsets after the batch in flight; become `positions` when it succeeds */
  readonly batchEnd: number[];
  assigned = false;
  /** onAssign, onBatch or onRevoke in flight: no checkpoint may be taken */
  busy = false;
  /** the last onBatch threw: state may be half-applied, so nothing is committed until one succeeds */
  failed = false;
  /** processed records since the last checkpoint */
  dirty = false;
  /** restores from the checkpoint in a row: the back-off grows until a batch goes past `failedAt` */
  rewinds = 0;
  /** the end of the batch that last failed (per topic) */
  failedAt: number[] | null = null;
  /** a checkpoint was asked for while busy: take it as soon as the task is between batches */
  checkpointWanted = false;
  /** commit() calls waiting for the next checkpoint write */
  waiters: Waiter[] = [];
  /** checkpoint writes of this task, one after another (a late rename must not undo a newer one) */
  writes: Promise<void> = Promise.resolve();
  /** set by wake(); cleared before each read, so an append during a read is never missed */
  signal = false;
  private wakeUp: (() => void) | null = null;
  private sleepTimer: NodeJS.Timeout | null = null;
  private sleepDone: (() => void) | null = null;

  constructor(
    readonly task: number,
    readonly path: string,
    readonly restored: Buffer | null,
    readonly cursors: Cursor[],
  ) {
    this.positions = cursors.map((c) => c.offset);
    this.initial = cursors.map((c) => c.offset);
    this.batchEnd = cursors.map((c) => c.offset);
  }

  wake(): void {
    this.signal = true;
    const w = this.wakeUp;
    if (w !== null) {
      this.wakeUp = null;
      w();
    }
  }

  /** performance.now() when the task last began waiting for records */
  idleSince = 0;
  /** set by the subscription's punctuation timer: deliver an empty batch at the next wait */
  punctuate = false;

  /** Resolves at the next wake(). */
  waitForWake(): Promise<void> {
    this.idleSince = performance.now();
    return new Promise((resolve) => (this.wakeUp = resolve));
  }

  /** Whether the task is waiting for records. */
  get waiting(): boolean {
    return this.wakeUp !== null;
  }

  /** A back-off pause that close() can cut short. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.sleepDone = resolve;
      this.sleepTimer = setTimeout(() => {
        this.sleepTimer = null;
        this.sleepDone = null;
        resolve();
      }, ms);
    });
  }

  interrupt(): void {
    if (this.sleepTimer !== null) clearTimeout(this.sleepTimer);
    this.sleepTimer = null;
    const s = this.sleepDone;
    this.sleepDone = null;
    s?.();
    this.wake();
  }
}
