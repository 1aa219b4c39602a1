/**
 * Seeded randomness for the simulator. Every random draw of a simulation flows from its `seed`
 * through these generators, so the same seed and options give byte-identical output.
 *
 * - sfc32 (Chris Doty-Humphrey's "small fast counting" generator, from PractRand): 128-bit state,
 *   passes PractRand/BigCrush, only 32-bit integer ops — fast in V8 and allocation-free.
 * - splitmix32 turns one 32-bit seed into the four state words (as recommended for sfc32).
 * - Normal deviates by the Box–Muller transform (Box & Muller 1958), the spare value cached.
 * - `streamSeed` hashes (seed, floor, athlete, purpose) with FNV-1a so every athlete and every
 *   purpose (attributes, physiology, faults) has its own independent stream: adding an athlete
 *   or switching faults off never changes another stream's numbers.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare = 0;
  private hasSpare = false;

  constructor(seed: number) {
    let s = seed >>> 0;
    const split = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
      return (z ^ (z >>> 15)) >>> 0;
    };
    this.a = split();
    this.b = split();
    this.c = split();
    this.d = split();
    // discard the first outputs: sfc32's state mixes fully after a dozen rounds
    for (let i = 0; i < 12; i++) this.uint32();
  }

  /** A uniform 32-bit unsigned integer. */
  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty list. */
  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.next() * list.length)] as T;
  }

  /** Standard normal N(0, 1) by Box–Muller; the second value of each pair is kept for the next call. */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    let u = this.next();
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    const theta = 2 * Math.PI * v;
    this.spare = r * Math.sin(theta);
    this.hasSpare = true;
    return r * Math.cos(theta);
  }

  /** Exponential waiting time with the given mean (inverse-CDF method). */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }
}

/** FNV-1a (32-bit) of the parts joined by '|': the seed of one named random stream. */
export function streamSeed(...parts: readonly (string | number)[]): number {
  const text = parts.join('|');
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The generator of one named stream, e.g. `rngFor(seed, floorId, 3, 'faults')`. */
export function rngFor(...parts: readonly (string | number)[]): Rng {
  return new Rng(streamSeed(...parts));
}
