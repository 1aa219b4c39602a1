import { describe, expect, it } from 'vitest';
import { Rng, rngFor, streamSeed } from './random.ts';

describe('Rng', () => {
  it('repeats its sequence for a seed and differs between seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const xs = Array.from({ length: 100 }, () => a.uint32());
    expect(Array.from({ length: 100 }, () => b.uint32())).toEqual(xs);
    expect(Array.from({ length: 100 }, () => c.uint32())).not.toEqual(xs);
  });

  it('draws uniforms in [0, 1) and integers within their bounds', () => {
    const r = new Rng(7);
    let sum = 0;
    let outside = 0;
    const ints = new Set<number>();
    for (let i = 0; i < 100_000; i++) {
      const u = r.next();
      if (!(u >= 0 && u < 1)) outside++;
      sum += u;
      ints.add(r.int(-3, 3));
    }
    expect(outside).toBe(0);
    expect(sum / 100_000).toBeCloseTo(0.5, 2);
    expect([...ints].sort((a, b) => a - b)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
  });

  it('draws standard normals (Box-Muller): mean 0, sd 1', () => {
    const r = new Rng(1);
    const n = 200_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const z = r.normal();
      s += z;
      s2 += z * z;
    }
    const mean = s / n;
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.sqrt(s2 / n - mean * mean)).toBeCloseTo(1, 2);
  });

  it('gives every named stream its own seed', () => {
    expect(streamSeed(1, 'demo', 0, 'body')).toBe(streamSeed(1, 'demo', 0, 'body'));
    expect(streamSeed(1, 'demo', 0, 'body')).not.toBe(streamSeed(1, 'demo', 0, 'faults'));
    expect(streamSeed(1, 'demo', 0, 'body')).not.toBe(streamSeed(1, 'demo', 1, 'body'));
    expect(rngFor(2, 'x').next()).not.toBe(rngFor(1, 'x').next());
  });
});
