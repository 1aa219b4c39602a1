import { describe, expect, it } from 'vitest';
import type { Sample } from '../../schemas/index.ts';
import type { Athlete } from './athletes.ts';
import { createSimulation, type Simulation } from './simulation.ts';
import { phaseAt, type PhaseKind } from './workout.ts';

const T0 = Date.UTC(2026, 10, 2, 18, 0, 0);

/** Everything the simulation delivers, calling next() every stepMs of simulated time. */
function drain(sim: Simulation, stepMs = 1000): Sample[] {
  const out: Sample[] = [];
  for (let t = sim.startTs; t < sim.endTs + stepMs; t += stepMs) for (const s of sim.next(t)) out.push(s);
  return out;
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

/**
 * RMSSD (ms) of the RR intervals of the given samples, √mean((RRᵢ₊₁ − RRᵢ)²), taking the
 * intervals of consecutive samples (1 s apart) as one run of beats, never across a break.
 */
function rmssd(xs: readonly Seg[]): number {
  let sum = 0;
  let n = 0;
  let prev: number | null = null;
  let prevTs = -Infinity;
  for (const { s } of xs) {
    if (s.ts - prevTs > 1000) prev = null;
    prevTs = s.ts;
    for (const rr of s.rr) {
      if (prev !== null) {
        sum += (rr - prev) ** 2;
        n++;
      }
      prev = rr;
    }
  }
  return n === 0 ? NaN : Math.sqrt(sum / n);
}

interface Seg {
  kind: PhaseKind;
  /** seconds into the phase */
  at: number;
  left: number;
  s: Sample;
}

/** A clean run's samples of one athlete with the phase they fall in (ts is true time without faults). */
function segments(sim: Simulation, a: Athlete, samples: readonly Sample[]): Seg[] {
  return samples
    .filter((s) => s.userId === a.userId)
    .map((s) => {
      const off = s.ts - sim.startTs;
      const p = phaseAt(a.plan, off);
      const cycle = a.plan.slice(1).reduce((x, q) => x + q.durationSec, 0);
      let sec = off / 1000;
      if (sec >= a.plan[0]!.durationSec) sec = a.plan[0]!.durationSec + ((sec - a.plan[0]!.durationSec) % cycle);
      return { kind: p.kind, at: sec - p.startSec, left: p.startSec + p.durationSec - sec, s };
    });
}

describe('createSimulation', () => {
  it('is deterministic: same seed and options give identical output, another seed another', () => {
    const run = (seed: number) => {
      const sim = createSimulation({ seed, users: 8, floorId: 'f1', startTs: T0, durationSec: 600 });
      return JSON.stringify([sim.profiles(), sim.sessions(), drain(sim)]);
    };
    const a = run(3);
    expect(run(3)).toBe(a);
    expect(run(4)).not.toBe(a);
  });

  it('delivers the same samples in the same order however often next() is called', () => {
    const make = () => createSimulation({ seed: 9, users: 6, floorId: 'f1', startTs: T0, durationSec: 900, rateHz: 2 });
    const once = make().next(Number.MAX_SAFE_INTEGER);
    expect(once.length).toBeGreaterThan(6 * 1700);
    expect(JSON.stringify(drain(make(), 250))).toBe(JSON.stringify(once));
    expect(JSON.stringify(drain(make(), 7_000))).toBe(JSON.stringify(once));
    // nothing is returned twice
    const sim = make();
    sim.next(sim.endTs);
    expect(sim.next(sim.endTs + 60_000)).toEqual([]);
  });

  it('emits only valid readings: integer bpm 20–250, integer RR 200–3000 ms, nulls for absent fields', () => {
    let count = 0;
    const bad: Sample[] = [];
    for (const [seed, rateHz, faults] of [
      [1, 1, true],
      [2, 4, true],
      [3, 50, false],
      [4, 0.2, true],
    ] as const) {
      const sim = createSimulation({ seed, users: 12, floorId: 'v', startTs: T0, rateHz, durationSec: 3600, faults });
      for (const s of sim.next(sim.endTs)) {
        count++;
        const ok =
          Number.isInteger(s.bpm) &&
          s.bpm! >= 20 &&
          s.bpm! <= 250 &&
          Number.isInteger(s.ts) &&
          s.receivedAt === 0 &&
          s.power === null &&
          s.speed === null &&
          s.rr.length <= 64 &&
          s.rr.every((x) => Number.isInteger(x) && x >= 200 && x <= 3000) &&
          (s.cadence === null || (Number.isInteger(s.cadence) && s.cadence >= 0 && s.cadence <= 300)) &&
          (s.steps === null || (Number.isInteger(s.steps) && s.steps >= 0)) &&
          (s.cadence === null) === (s.steps === null);
        if (!ok) bad.push(s);
      }
    }
    expect(count).toBeGreaterThan(100_000);
    expect(bad.slice(0, 3)).toEqual([]);
  });

  it('checks every athlete in at the start with a profile and a session', () => {
    const sim = createSimulation({ seed: 1, users: 3, floorId: 'demo', startTs: T0, durationSec: 60 });
    expect(sim.profiles().map((p) => [p.userId, p.updatedAt])).toEqual([
      ['demo-u0', T0],
      ['demo-u1', T0],
      ['demo-u2', T0],
    ]);
    expect(sim.sessions().map((s) => [s.userId, s.floorId, s.startedAt, s.alias])).toEqual(
      sim.athletes.map((a) => [a.userId, 'demo', T0, a.alias]),
    );
  });
});

describe('physiology of a clean run', () => {
  const sim = createSimulation({ seed: 11, users: 60, floorId: 'p', startTs: T0, durationSec: 3200, faults: false });
  const samples = sim.next(sim.endTs);
  const segs = new Map(sim.athletes.map((a) => [a.userId, segments(sim, a, samples)]));
  const bpm = (xs: Seg[]) => mean(xs.map((x) => x.s.bpm!));

  it('raises HR toward the interval target and lowers it in recovery', () => {
    for (const a of sim.athletes) {
      const ss = segs.get(a.userId)!;
      const workStart = bpm(ss.filter((x) => x.kind === 'work' && x.at < 10));
      const workEnd = bpm(ss.filter((x) => x.kind === 'work' && x.left <= 30));
      const recStart = bpm(ss.filter((x) => x.kind === 'recovery' && x.at < 10));
      const recEnd = bpm(ss.filter((x) => x.kind === 'recovery' && x.left <= 30));
      const warmup = bpm(ss.filter((x) => x.kind === 'warmup' && x.at >= 180));
      const rest = bpm(ss.filter((x) => x.kind === 'rest' && x.s.ts - sim.startTs < 60_000));
      expect(workEnd, a.userId).toBeGreaterThan(workStart + 15);
      expect(recEnd, a.userId).toBeLessThan(recStart - 15);
      expect(workEnd, a.userId).toBeGreaterThan(recEnd + 20);
      expect(warmup, a.userId).toBeGreaterThan(rest + 20);
      // the end of a work bout is near its target (85–95 % HRmax, a poor day adds a few bpm)
      const work = a.plan.find((p) => p.kind === 'work')!;
      expect(Math.abs(workEnd - (work.pctMax * a.maxHr + a.physiology.readinessBpm)), a.userId).toBeLessThan(10);
      expect(workEnd / a.maxHr).toBeGreaterThan(0.8);
    }
  });

  it('drifts upward over sustained effort', () => {
    // the same effort late in the class runs hotter than early: last work bout vs first
    let hotter = 0;
    for (const a of sim.athletes) {
      const ss = segs.get(a.userId)!.filter((x) => x.kind === 'work' && x.left <= 30);
      const first = bpm(ss.slice(0, 30));
      const last = bpm(ss.slice(-30));
      if (last > first + 1) hotter++;
    }
    expect(hotter).toBeGreaterThan(sim.athletes.length * 0.8);
  });

  it('has lower HRV (RMSSD of the emitted RR) at high intensity than in the warm-up', () => {
    const withRr = sim.athletes.filter((a) => a.hasRr);
    expect(withRr.length).toBeGreaterThan(30);
    for (const a of withRr) {
      const ss = segs.get(a.userId)!;
      const warm = rmssd(ss.filter((x) => x.kind === 'warmup' && x.at >= 180));
      const hard = rmssd(ss.filter((x) => x.kind === 'work' && x.at >= 60));
      expect(hard, a.userId).toBeLessThan(warm);
      expect(hard, a.userId).toBeLessThan(12);
    }
  });

  it('gives low-readiness athletes lower resting HRV and higher resting HR', () => {
    const atRest = (a: Athlete) =>
      segs.get(a.userId)!.filter((x) => x.kind === 'rest' && x.s.ts - sim.startTs < 30_000);
    const poor = sim.athletes.filter((a) => a.hasRr && a.readiness < 0.55);
    const good = sim.athletes.filter((a) => a.hasRr && a.readiness > 0.8);
    expect(poor.length).toBeGreaterThanOrEqual(5);
    expect(good.length).toBeGreaterThanOrEqual(5);
    const restRmssd = (xs: Athlete[]) => mean(xs.map((a) => rmssd(atRest(a))));
    expect(restRmssd(poor)).toBeLessThan(restRmssd(good) * 0.85);
    for (const a of [...poor, ...good]) expect(rmssd(atRest(a))).toBeGreaterThan(12);
    const restRise = (xs: Athlete[]) => mean(xs.map((a) => bpm(atRest(a)) - a.restHr));
    expect(restRise(poor)).toBeGreaterThan(restRise(good) + 2);
  });

  it('emits RR intervals that match the heart rate, about bpm/60 per second', () => {
    for (const a of sim.athletes.filter((x) => x.hasRr).slice(0, 10)) {
      const ss = segs.get(a.userId)!;
      const beats = ss.reduce((n, x) => n + x.s.rr.length, 0);
      const expected = ss.reduce((n, x) => n + x.s.bpm! / 60, 0);
      expect(Math.abs(beats - expected) / expected).toBeLessThan(0.02);
      for (const x of ss.filter((y) => y.s.rr.length > 0 && y.kind === 'steady')) {
        expect(Math.abs(60000 / mean(x.s.rr) - x.s.bpm!)).toBeLessThan(8);
      }
    }
    for (const a of sim.athletes.filter((x) => !x.hasRr)) {
      expect(segs.get(a.userId)!.every((x) => x.s.rr.length === 0)).toBe(true);
    }
  });

  it('has cadence ~0 standing and 150–180 spm in running phases, steps adding up', () => {
    const withCadence = sim.athletes.filter((a) => a.hasCadence);
    expect(withCadence.length).toBeGreaterThan(30);
    for (const a of withCadence) {
      const ss = segs.get(a.userId)!;
      expect(ss.filter((x) => x.kind === 'rest' && x.s.ts - sim.startTs < 30_000).every((x) => x.s.cadence === 0)).toBe(
        true,
      );
      const running = mean(
        ss.filter((x) => (x.kind === 'work' || x.kind === 'steady') && x.at >= 30).map((x) => x.s.cadence!),
      );
      expect(running).toBeGreaterThanOrEqual(150);
      expect(running).toBeLessThanOrEqual(182);
      expect(ss.filter((x, i) => i > 0 && x.s.steps! < ss[i - 1]!.s.steps!)).toEqual([]);
      // ~45 min of mostly running and walking
      expect(ss.at(-1)!.s.steps!).toBeGreaterThan(5000);
    }
    for (const a of sim.athletes.filter((x) => !x.hasCadence)) {
      expect(segs.get(a.userId)!.every((x) => x.s.cadence === null && x.s.steps === null)).toBe(true);
    }
  });
});
