import { describe, expect, it } from 'vitest';
import { createAthletes, toProfile, toSession } from './athletes.ts';
import { cycleSec, defaultWorkout, phaseAt } from './workout.ts';

describe('createAthletes', () => {
  const athletes = createAthletes({ seed: 5, users: 200, floorId: 'gym1' });

  it('gives stable ids and unique friendly aliases', () => {
    expect(athletes.map((a) => a.userId).slice(0, 3)).toEqual(['gym1-u0', 'gym1-u1', 'gym1-u2']);
    expect(new Set(athletes.map((a) => a.deviceId)).size).toBe(200);
    expect(new Set(athletes.map((a) => a.alias)).size).toBe(200);
    for (const a of athletes) expect(a.alias).toMatch(/^[A-Z][a-z]+ [A-Z]\.( \d+)?$/);
    // adding athletes leaves the first ones as they were
    const fewer = createAthletes({ seed: 5, users: 10, floorId: 'gym1' });
    expect(fewer).toEqual(athletes.slice(0, 10));
  });

  it('draws plausible people', () => {
    for (const a of athletes) {
      expect(a.age).toBeGreaterThanOrEqual(18);
      expect(a.age).toBeLessThanOrEqual(65);
      expect(['m', 'f']).toContain(a.sex);
      expect(a.fitness).toBeGreaterThanOrEqual(0);
      expect(a.fitness).toBeLessThanOrEqual(1);
      expect(a.restHr).toBeGreaterThanOrEqual(45);
      expect(a.restHr).toBeLessThanOrEqual(75);
      expect(Number.isInteger(a.restHr) && Number.isInteger(a.maxHr)).toBe(true);
      // Tanaka 208 − 0.7·age, ± 6 bpm individual deviation (+0.5 for rounding)
      expect(Math.abs(a.maxHr - (208 - 0.7 * a.age))).toBeLessThanOrEqual(6.5);
      expect(a.readiness).toBeGreaterThan(0);
      expect(a.readiness).toBeLessThanOrEqual(1);
      expect(a.physiology.restHrToday).toBeGreaterThanOrEqual(a.restHr);
    }
    const zh = athletes.filter((a) => a.locale === 'zh-CN').length;
    expect(zh).toBeGreaterThan(10);
    expect(zh).toBeLessThan(100);
    // fitter athletes have a lower resting HR
    const fit = athletes.filter((a) => a.fitness > 0.65);
    const unfit = athletes.filter((a) => a.fitness < 0.35);
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean(fit.map((a) => a.restHr))).toBeLessThan(mean(unfit.map((a) => a.restHr)) - 5);
    // a poor day: higher resting HR and lower resting HRV than a good one
    const poor = athletes.filter((a) => a.readiness < 0.45);
    const good = athletes.filter((a) => a.readiness > 0.85);
    expect(poor.length).toBeGreaterThan(5);
    expect(mean(poor.map((a) => a.physiology.restHrToday - a.restHr))).toBeGreaterThan(
      mean(good.map((a) => a.physiology.restHrToday - a.restHr)) + 2,
    );
    expect(mean(poor.map((a) => a.physiology.rmssdRest))).toBeLessThan(mean(good.map((a) => a.physiology.rmssdRest)));
  });

  it('plans a ~45 min class with staggered starts', () => {
    for (const a of athletes.slice(0, 20)) {
      const kinds = a.plan.map((p) => p.kind);
      expect(kinds[0]).toBe('rest');
      expect(kinds.filter((k) => k === 'work')).toHaveLength(defaultWorkout.intervals);
      const workout = a.plan.filter((p) => p.kind !== 'rest').reduce((s, p) => s + p.durationSec, 0);
      expect(workout).toBeGreaterThan(41 * 60);
      expect(workout).toBeLessThan(49 * 60);
      const work = a.plan.find((p) => p.kind === 'work')!;
      expect(work.pctMax).toBeGreaterThanOrEqual(0.85);
      expect(work.pctMax).toBeLessThanOrEqual(0.95);
      // phases are contiguous and phaseAt finds them, the cycle repeating after the stagger
      for (let i = 1; i < a.plan.length; i++) {
        expect(a.plan[i]!.startSec).toBe(a.plan[i - 1]!.startSec + a.plan[i - 1]!.durationSec);
      }
      expect(phaseAt(a.plan, (work.startSec + 1) * 1000)).toBe(work);
      expect(phaseAt(a.plan, (work.startSec + cycleSec(a.plan) + 1) * 1000)).toBe(work);
    }
    expect(new Set(athletes.map((a) => a.plan[0]!.durationSec)).size).toBeGreaterThan(20);
  });
});

describe('toProfile and toSession', () => {
  it('describe the athlete without the hidden readiness', () => {
    const [a] = createAthletes({ seed: 1, users: 1, floorId: 'demo' });
    const p = toProfile(a!, 1_000);
    expect(p).toEqual({
      userId: 'demo-u0',
      age: a!.age,
      sex: a!.sex,
      restHr: a!.restHr,
      maxHr: a!.maxHr,
      locale: a!.locale,
      goals: a!.goals,
      conditions: [],
      updatedAt: 1_000,
    });
    const s = toSession(a!, 1_000);
    expect(s).toEqual({
      sessionId: 'demo-u0-s1000',
      userId: 'demo-u0',
      floorId: 'demo',
      alias: a!.alias,
      startedAt: 1_000,
      endedAt: null,
    });
    expect(toSession(a!, 1_000).sessionId).toBe(s.sessionId);
    expect(toSession(a!, 2_000).sessionId).not.toBe(s.sessionId);
  });
});
