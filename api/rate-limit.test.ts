import { describe, expect, it } from 'vitest';
import { TokenBuckets } from './rate-limit.ts';

describe('TokenBuckets', () => {
  it('allows a burst of 2 s worth, then refills at the rate', () => {
    let now = 1_000_000;
    const b = new TokenBuckets(10, 2, () => now);
    expect(b.take('t', 15)).toBe(0);
    expect(b.take('t', 5)).toBe(0);
    expect(b.peek('t')).toBe(1);
    expect(b.take('t', 1)).toBe(1);
    expect(b.take('other', 20)).toBe(0);
    now += 500; // +5
    expect(b.take('t', 10)).toBe(1);
    expect(b.take('t', 5)).toBe(0);
    now += 3000; // full again, never above capacity
    expect(b.take('t', 21)).toBe(0);
    expect(b.take('t', 1)).toBe(1);
  });

  it('says how long to wait, rounded up to whole seconds', () => {
    const b = new TokenBuckets(10, 2, () => 0);
    expect(b.take('t', 20)).toBe(0);
    expect(b.take('t', 15)).toBe(2);
    expect(b.take('t', 10)).toBe(1);
  });

  it('lets a request larger than the burst pass when the bucket is full, and the ones after it wait for what it took', () => {
    let now = 0;
    const b = new TokenBuckets(50, 2, () => now);
    expect(b.take('t', 2000)).toBe(0);
    // 2,000 samples at 50/s are 40 s of the rate: the burst of 100 paid 2 s of it
    expect(b.take('t', 1)).toBe(39);
    now += 38_000;
    expect(b.peek('t')).toBe(1);
    now += 1_000;
    expect(b.take('t', 1)).toBe(0);
  });

  it('forgets full buckets when it holds too many keys', () => {
    let now = 0;
    const b = new TokenBuckets(10, 2, () => now, 2);
    b.take('a', 20);
    b.take('b', 1);
    now += 10_000;
    b.take('c', 20); // prunes a and b, both full again
    expect(b.take('a', 20)).toBe(0);
    expect(b.take('c', 1)).toBe(1);
  });
});
