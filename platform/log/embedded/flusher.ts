import { performance } from 'node:perf_hooks';

/** A promise with its settle functions outside: one per partition and flush (see EmbeddedLog.produce). */
export interface Generation {
  promise: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

export function generation(): Generation {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Group commit's timing: a flush writes and fdatasyncs everything pending (the work settles each
 * partition's waiting producers itself, by that partition's outcome). Flushes start at most every
 * `intervalMs` (0: on the next turn of the event loop, which still coalesces the calls made
 * meanwhile) and never overlap: data added during a flush waits for the next one.
 */
export class Flusher {
  private requested = false;
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private lastStart = -Infinity;

  constructor(
    private readonly intervalMs: number,
    /** never rejects: it settles the producers itself */
    private readonly work: () => Promise<void>,
  ) {}

  /** Called after data was added: a flush will write it. */
  request(): void {
    if (this.requested) return;
    this.requested = true;
    if (this.running === null) this.arm();
  }

  /** Flushes whatever is pending now and waits for it (close). */
  async drain(): Promise<void> {
    while (this.running !== null || this.requested) {
      if (this.running === null) {
        this.disarm();
        this.start();
      }
      await this.running;
    }
  }

  private arm(): void {
    const wait = this.lastStart + this.intervalMs - performance.now();
    if (wait <= 0) this.immediate = setImmediate(() => this.start());
    else this.timer = setTimeout(() => this.start(), wait);
  }

  private disarm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.immediate !== null) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
  }

  private start(): void {
    this.timer = null;
    this.immediate = null;
    if (!this.requested) return;
    this.requested = false;
    this.lastStart = performance.now();
    this.running = this.work().then(() => {
      this.running = null;
      if (this.requested) this.arm();
    });
  }
}
