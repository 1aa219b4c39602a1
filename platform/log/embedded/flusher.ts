import { performance } from 'node:perf_hooks';

interface Generation {
  promise: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

function generation(): Generation {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Group commit. Every produce call between two flushes shares one promise (no per-call
 * closure); a flush writes and fdatasyncs everything pending, then settles that promise. Flushes
 * start at most every `intervalMs` (0: on the next turn of the event loop, which still coalesces
 * the calls made meanwhile) and never overlap: produces that arrive during a flush wait for the
 * next one.
 */
export class Flusher {
  private pending: Generation | null = null;
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private lastStart = -Infinity;

  constructor(
    private readonly intervalMs: number,
    private readonly work: () => Promise<void>,
  ) {}

  /** Called after data was added: the promise settles once that data is durable. */
  request(): Promise<void> {
    if (this.pending === null) {
      this.pending = generation();
      if (this.running === null) this.arm();
    }
    return this.pending.promise;
  }

  /** Flushes whatever is pending now and waits for it (close). Never rejects. */
  async drain(): Promise<void> {
    while (this.running !== null || this.pending !== null) {
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
    const gen = this.pending;
    if (gen === null) return;
    this.pending = null;
    this.lastStart = performance.now();
    this.running = this.work()
      .then(gen.resolve, gen.reject)
      .then(() => {
        this.running = null;
        if (this.pending !== null) this.arm();
      });
  }
}
