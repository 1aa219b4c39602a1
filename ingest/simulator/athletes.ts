import type { Profile, Session, Sex } from '../../schemas/index.ts';
import { pickAlias } from './names.ts';
import { rngFor } from './random.ts';
import { planWorkout, workoutOptions, type Phase, type WorkoutOptions } from './workout.ts';

/**
 * Simulated athletes: who they are (what their profile says) and how their body behaves today
 * (hidden ground truth that only shows through their telemetry).
 */
export interface Athlete {
  index: number;
  /** `${floorId}-u${index}`: stable for a floor and index */
  userId: string;
  /** `${floorId}-d${index}`: the athlete's strap or watch */
  deviceId: string;
  floorId: string;
  /** short display name for screens, e.g. "Mia K." (unique on the floor) */
  alias: string;
  age: number;
  sex: Sex;
  /** aerobic fitness 0 (untrained) .. 1 (well trained) */
  fitness: number;
  /** the athlete's usual resting HR, bpm — the profile's value */
  restHr: number;
  /** HRmax, bpm — the profile's value (Tanaka estimate plus the individual's deviation) */
  maxHr: number;
  locale: 'en' | 'zh-CN';
  goals: string[];
  /** hidden day readiness 0 (sick, overreached) .. 1 (fresh); not in the profile */
  readiness: number;
  /** hidden physiology of the day, derived from the above */
  physiology: Physiology;
  /** the device reports RR intervals (chest strap) — optical wrist sensors often do not */
  hasRr: boolean;
  /** the device reports steps and cadence (watch / footpod) */
  hasCadence: boolean;
  /** the athlete's workout (see workout.ts) */
  plan: Phase[];
}

export interface Physiology {
  /** today's resting HR: the usual one raised by poor readiness */
  restHrToday: number;
  /** today's resting RMSSD, ms */
  rmssdRest: number;
  /** HR on-kinetics time constant (rising), s */
  tauUpSec: number;
  /** HR off-kinetics time constant (falling), s */
  tauDownSec: number;
  /** cardiac drift during sustained effort, bpm/min */
  driftBpmPerMin: number;
  /** extra HR for the same load on a poor day, bpm */
  readinessBpm: number;
}

export interface AthleteOptions {
  seed: number;
  users: number;
  floorId: string;
  workout?: Partial<WorkoutOptions>;
}

const goalChoices = ['endurance', 'fat_loss', 'general_fitness', 'speed', 'strength'] as const;

const clamp = (x: number, lo: number, hi: number) => (x < lo ? lo : x > hi ? hi : x);

export function createAthletes(opts: AthleteOptions): Athlete[] {
  const workout = workoutOptions(opts.workout);
  const taken = new Set<string>();
  const out: Athlete[] = [];
  for (let i = 0; i < opts.users; i++) out.push(createAthlete(opts.seed, opts.floorId, i, workout, taken));
  return out;
}

function createAthlete(
  seed: number,
  floorId: string,
  index: number,
  workout: WorkoutOptions,
  taken: Set<string>,
): Athlete {
  const rng = rngFor(seed, floorId, index, 'athlete');
  // ages 18–65, more of them in the middle (sum of two uniforms: triangular)
  const age = Math.round(18 + 47 * ((rng.next() + rng.next()) / 2));
  const sex: Sex = rng.chance(0.5) ? 'f' : 'm';
  const fitness = clamp((rng.next() + rng.next()) / 2 + rng.range(-0.1, 0.1), 0, 1);
  const locale = rng.chance(0.2) ? 'zh-CN' : 'en';

  // Resting HR: ~60–80 bpm untrained, ~45–55 in endurance-trained adults, a few bpm higher in
  // women (e.g. Reimers, Knapp & Reimers 2018, J Clin Med 7:503, meta-analysis of training
  // effects on resting HR; Umetani et al. 1998, JACC 31:593–601, for the sex difference).
  const restHr = Math.round(clamp(73 - 25 * fitness + (sex === 'f' ? 3 : 0) + 3 * rng.normal(), 45, 75));
  // HRmax: Tanaka, Monahan & Seals 2001, JACC 37:153–156: 208 − 0.7·age, with the individual's
  // deviation (the published SEE is ~7 bpm; kept within ±6 so screens stay plausible).
  const maxHr = Math.round(208 - 0.7 * age + clamp(3 * rng.normal(), -6, 6));

  // Day readiness: most athletes fine, some tired or coming down with something.
  const readiness = clamp(0.68 + 0.2 * rng.normal(), 0.05, 1);
  const poor = 1 - readiness;
  const physiology: Physiology = {
    // morning HR rises ~5–10 bpm with fatigue or illness (Achten & Jeukendrup 2003, Sports Med
    // 33:517–538; Buchheit 2014, Front Physiol 5:73)
    restHrToday: restHr + 8 * poor,
    // short-term resting RMSSD of healthy adults ~42 ± 15 ms (Nunan et al. 2010, PACE
    // 33:1407–1417), higher when fit; it falls with fatigue (Plews et al. 2013, Sports Med
    // 43:773–781): 40–70 ms on a good day, down to about half on a bad one
    rmssdRest: (40 + 30 * fitness) * (0.5 + 0.5 * readiness) * rng.range(0.9, 1.1),
    // HR on-kinetics τ ~30–40 s for moderate steps (Bearden & Moffatt 2001, J Appl Physiol
    // 90:2081–2087), faster when fit
    tauUpSec: 30 + 10 * (1 - fitness) + rng.range(-2, 2),
    // early HR recovery τ ~60 s, faster in trained athletes (Imai et al. 1994, JACC 24:1529–1535)
    tauDownSec: 50 + 20 * (1 - fitness) + rng.range(-3, 3),
    // cardiovascular drift: HR creeps up ~0.1–0.2 bpm/min in sustained exercise (Coyle &
    // González-Alonso 2001, Exerc Sport Sci Rev 29:88–92), more when unfit or tired
    driftBpmPerMin: 0.1 + 0.07 * (1 - fitness) + 0.05 * poor,
    readinessBpm: 8 * poor,
  };

  const plan = planWorkout(rngFor(seed, floorId, index, 'plan'), workout, fitness);
  const alias = pickAlias(rngFor(seed, floorId, index, 'alias'), locale, sex, taken);
  const goalRng = rngFor(seed, floorId, index, 'goals');
  const goals = [goalRng.pick(goalChoices)];
  return {
    index,
    userId: `${floorId}-u${index}`,
    deviceId: `${floorId}-d${index}`,
    floorId,
    alias,
    age,
    sex,
    fitness,
    restHr,
    maxHr,
    locale,
    goals,
    readiness,
    physiology,
    hasRr: rng.chance(0.85),
    hasCadence: rng.chance(0.75),
    plan,
  };
}

/** The athlete's Profile record as of `ts` (what the athlete told the app; readiness is not in it). */
export function toProfile(athlete: Athlete, ts: number): Profile {
  return {
    userId: athlete.userId,
    age: athlete.age,
    sex: athlete.sex,
    restHr: athlete.restHr,
    maxHr: athlete.maxHr,
    locale: athlete.locale,
    goals: [...athlete.goals],
    conditions: [],
    updatedAt: ts,
  };
}

/** The athlete's check-in on the floor at `ts`; the sessionId is derived from user and time. */
export function toSession(athlete: Athlete, ts: number): Session {
  return {
    sessionId: `${athlete.userId}-s${ts}`,
    userId: athlete.userId,
    floorId: athlete.floorId,
    alias: athlete.alias,
    startedAt: ts,
    endedAt: null,
  };
}
