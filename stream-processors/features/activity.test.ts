import { describe, expect, it } from 'vitest';
import { stepsTaken, summariseActivity } from './activity.ts';

const T0 = 1_700_000_000_000;

describe('summariseActivity', () => {
  it('gives mean and max of the channels present, skipping nulls', () => {
    const a = summariseActivity([
      { ts: T0, cadence: 170, power: 200, speed: 3, steps: 1000 },
      { ts: T0 + 1000, cadence: 180, power: null, speed: 4, steps: 1003 },
      { ts: T0 + 2000, cadence: 160, power: 0, speed: null, steps: 1006 },
    ]);
    expect(a.cadence).toEqual({ n: 3, mean: expect.closeTo(170, 10), max: 180 });
    expect(a.power).toEqual({ n: 2, mean: expect.closeTo(100, 10), max: 200 });
    expect(a.speed).toEqual({ n: 2, mean: expect.closeTo(3.5, 10), max: 4 });
    expect(a.steps).toBe(6);
  });
  it('is null for channels no reading has', () => {
    expect(summariseActivity([{ ts: T0, power: 250 }])).toEqual({
      cadence: null,
      power: { n: 1, mean: 250, max: 250 },
      speed: null,
      steps: null,
    });
  });
});

describe('stepsTaken', () => {
  it('is last − first of a cumulative counter', () => {
    expect(stepsTaken([5000, 5010, 5030, 5100])).toBe(100);
  });
  it('counts through a counter restart', () => {
    // 5000 → 5040 (+40), restart, 12 steps since, → 30 (+18): 70
    expect(stepsTaken([5000, 5040, 12, 30])).toBe(70);
  });
});
