import { describe, expect, it } from 'vitest';
import { tanakaMaxHr } from './heart-rate.ts';

describe('tanakaMaxHr', () => {
  // Tanaka et al. 2001: a 40-year-old's predicted HRmax is 208 − 0.7·40 = 180 bpm.
  it('predicts 180 bpm at age 40 and 194 at age 20, rounded to whole bpm', () => {
    expect(tanakaMaxHr(40)).toBe(180);
    expect(tanakaMaxHr(20)).toBe(194);
    // 208 − 0.7·35 = 183.5
    expect(tanakaMaxHr(35)).toBe(184);
  });
});
