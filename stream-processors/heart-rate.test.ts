import { describe, expect, it } from 'vitest';
import { tanakaMaxHr, zoneOf } from './heart-rate.ts';

describe('tanakaMaxHr', () => {
  // Tanaka et al. 2001: a 40-year-old's predicted HRmax is 208 − 0.7·40 = 180 bpm.
  it('predicts 180 bpm at age 40 and 194 at age 20', () => {
    expect(tanakaMaxHr(40)).toBe(180);
    expect(tanakaMaxHr(20)).toBe(194);
  });
});

describe('zoneOf', () => {
  it('splits % HRmax at 50/60/70/80/90', () => {
    expect(zoneOf(49.9)).toBe(0);
    expect(zoneOf(50)).toBe(1);
    expect(zoneOf(59.99)).toBe(1);
    expect(zoneOf(60)).toBe(2);
    expect(zoneOf(75)).toBe(3);
    expect(zoneOf(80)).toBe(4);
    expect(zoneOf(90)).toBe(5);
    expect(zoneOf(120)).toBe(5);
    expect(zoneOf(Number.NaN)).toBe(0);
  });
});
