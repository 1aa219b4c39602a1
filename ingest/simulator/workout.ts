import type { Rng } from './random.ts';

/**
 * The workout of a simulated gym class: a plan of phases, each with a target intensity in % of
 * HRmax and a running cadence. Targets follow the usual 5-zone model (zones at 50/60/70/80/90 %
 * HRmax, e.g. ACSM's Guidelines for Exercise Testing and Prescription, 11th ed.):
 * warm-up in zone 2 (60–70 %), interval work near max (85–95 %), active recovery 60–65 %,
 * a steady tempo block 70–75 %, cool-down below 55 %.
 */
export type PhaseKind = 'rest' | 'warmup' | 'work' | 'recovery' | 'steady' | 'cooldown';

export interface Phase {
  kind: PhaseKind;
  /** seconds from the start of the simulation (for the first cycle) */
  startSec: number;
  durationSec: number;
  /** target intensity as a fraction of HRmax; 0 for rest (target = resting HR + standing) */
  pctMax: number;
  /** steady-state cadence in steps/min (0: standing still) */
  cadence: number;
}

export interface WorkoutOptions {
  warmupSec: number;
  intervals: number;
  workSec: number;
  recoverySec: number;
  steadySec: number;
  cooldownSec: number;
  /** rest between two classes when the simulation runs longer than one workout */
  breakSec: number;
  /** each athlete starts the warm-up after a random wait in [min, max] s, so a floor is not in lockstep */
  staggerSec: readonly [number, number];
}

/** 8 + 6×(2+2) + 8 + 5 = 45 min of workout. */
export const defaultWorkout: WorkoutOptions = {
  warmupSec: 480,
  intervals: 6,
  workSec: 120,
  recoverySec: 120,
  steadySec: 480,
  cooldownSec: 300,
  breakSec: 300,
  staggerSec: [30, 150],
};

export function workoutOptions(partial: Partial<WorkoutOptions> = {}): WorkoutOptions {
  const o = { ...defaultWorkout, ...partial };
  const nonNegative = [
    'warmupSec',
    'intervals',
    'workSec',
    'recoverySec',
    'steadySec',
    'cooldownSec',
    'breakSec',
  ] as const;
  for (const k of nonNegative) {
    if (!Number.isFinite(o[k]) || o[k] < 0) throw new RangeError(`workout.${k} must be a number >= 0, got ${o[k]}`);
  }
  const [lo, hi] = o.staggerSec;
  if (!(lo >= 0 && hi >= lo)) throw new RangeError(`workout.staggerSec must be [min, max] with 0 <= min <= max`);
  return o;
}

/**
 * One athlete's plan: a pre-workout rest (the stagger), then one cycle of the class (warm-up,
 * intervals, steady, cool-down, break). The cycle repeats when the simulation runs longer.
 * Per-athlete variation: intensities within the ranges above (fitter athletes push intervals a
 * little harder), warm-up, steady and cool-down lengths ±10 %, and the athlete's own cadence.
 */
export function planWorkout(rng: Rng, opts: WorkoutOptions, fitness: number): Phase[] {
  const phases: Phase[] = [];
  let t = 0;
  const add = (kind: PhaseKind, durationSec: number, pctMax: number, cadence: number) => {
    const d = Math.round(durationSec);
    if (d <= 0) return;
    phases.push({ kind, startSec: t, durationSec: d, pctMax, cadence });
    t += d;
  };
  const jitter = () => rng.range(0.9, 1.1);
  // cadence: ~150–180 spm running (Heiderscheit et al. 2011, Med Sci Sports Exerc 43:296–302,
  // report a typical preferred 160–175 spm); walking 100–120 spm (Tudor-Locke et al. 2018).
  const runCadence = rng.range(158, 172);
  const walkCadence = rng.range(100, 118);

  // the stagger rest is always the first phase (possibly 0 s long): phaseAt relies on it
  const stagger = rng.int(opts.staggerSec[0], opts.staggerSec[1]);
  phases.push({ kind: 'rest', startSec: 0, durationSec: stagger, pctMax: 0, cadence: 0 });
  t = stagger;
  add('warmup', opts.warmupSec * jitter(), rng.range(0.6, 0.7), Math.min(runCadence - 10, 155));
  const workPct = 0.85 + 0.07 * fitness + rng.range(0, 0.03);
  const recoveryPct = rng.range(0.6, 0.65);
  for (let i = 0; i < opts.intervals; i++) {
    add('work', opts.workSec, Math.min(0.95, workPct + rng.range(-0.01, 0.01)), runCadence + 8);
    add('recovery', opts.recoverySec, recoveryPct, walkCadence);
  }
  add('steady', opts.steadySec * jitter(), rng.range(0.7, 0.75), runCadence);
  add('cooldown', opts.cooldownSec * jitter(), rng.range(0.5, 0.55), walkCadence - 5);
  add('rest', opts.breakSec, 0, 0);
  // a plan of zero-length phases still needs a cycle: standing at rest
  if (phases.length === 1) add('rest', 60, 0, 0);
  return phases;
}

/** Length of the repeating cycle: every phase after the first (the stagger rest). */
export function cycleSec(plan: readonly Phase[]): number {
  let s = 0;
  for (let i = 1; i < plan.length; i++) s += (plan[i] as Phase).durationSec;
  return s;
}

/**
 * The phase an athlete is in `offsetMs` after the simulation's start (true time, before any
 * device clock skew). The cycle after the stagger rest repeats.
 */
export function phaseAt(plan: readonly Phase[], offsetMs: number): Phase {
  const first = plan[0] as Phase;
  let sec = offsetMs / 1000;
  if (plan.length === 1 || sec < first.startSec + first.durationSec) return first;
  const cycle = cycleSec(plan);
  const cycleStart = first.durationSec;
  sec = cycleStart + ((sec - cycleStart) % cycle);
  for (let i = 1; i < plan.length; i++) {
    const p = plan[i] as Phase;
    if (sec < p.startSec + p.durationSec) return p;
  }
  return plan[plan.length - 1] as Phase;
}
