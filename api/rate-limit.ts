/**
 * Token buckets, one per API token: `ratePerSec` samples a second, bursts up to `burstSec`
 * seconds' worth. A request takes as many tokens as it carries samples, all or nothing; one
 * larger than a full bucket passes when the bucket is full and leaves it that far in debt, so
 * the rate holds over time whatever the request size.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; last: number }>();
  private readonly capacity: number;

  constructor(
    readonly ratePerSec: number,
    burstSec = 2,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 10_000,
  ) {
    this.capacity = ratePerSec * burstSec;
  }

  /** Seconds to wait before `n` samples fit, or 0 when they were taken. */
  take(key: string, n: number): number {
    const b = this.refill(key);
    const need = Math.min(n, this.capacity);
    if (b.tokens >= need) {
      b.tokens -= n;
      return 0;
    }
    return Math.max(1, Math.ceil((need - b.tokens) / this.ratePerSec));
  }

  /** Seconds to wait before even one sample fits (a cheap check before reading a body), or 0. */
  peek(key: string): number {
    if (!this.buckets.has(key)) return 0;
    const b = this.refill(key);
    return b.tokens >= 1 ? 0 : Math.max(1, Math.ceil((1 - b.tokens) / this.ratePerSec));
  }

  private refill(key: string): { tokens: number; last: number } {
    const now = this.now();
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= this.maxKeys) this.prune(now);
      b = { tokens: this.capacity, last: now };
      this.buckets.set(key, b);
      return b;
    }
    if (now > b.last) {
      b.tokens = Math.min(this.capacity, b.tokens + ((now - b.last) * this.ratePerSec) / 1000);
      b.last = now;
    }
    return b;
  }

  /** Forgets buckets that are full again: they behave exactly like new ones. */
  private prune(now: number): void {
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((now - b.last) * this.ratePerSec) / 1000 >= this.capacity) this.buckets.delete(key);
    }
  }
}
