/**
 * The fleet / gym-floor simulator: realistic athletes as their devices would send them, faults
 * included, deterministic for a seed. `createSimulation` is the pure, clock-free generator;
 * `runSimulation` drives it in real time or as fast as the destination allows; `httpTarget`
 * delivers to a pulsecoach server; `simulateCommand` is `pulsecoach simulate`.
 */
export { Rng, rngFor, streamSeed } from './random.ts';
export {
  createAthletes,
  toProfile,
  toSession,
  type Athlete,
  type AthleteOptions,
  type Physiology,
} from './athletes.ts';
export {
  defaultWorkout,
  phaseAt,
  planWorkout,
  workoutOptions,
  type Phase,
  type PhaseKind,
  type WorkoutOptions,
} from './workout.ts';
export { defaultFaults, noFaults, faultOptions, MAX_LAG_MS, type FaultOptions } from './faults.ts';
export { createSimulation, MAX_RATE_HZ, type Simulation, type SimulationOptions } from './simulation.ts';
export { runSimulation, type RunOptions, type RunSummary } from './driver.ts';
export {
  httpTarget,
  HttpTargetError,
  ingestBody,
  deviceSample,
  type HttpTarget,
  type HttpTargetOptions,
  type HttpTargetStats,
} from './http-target.ts';
export { simulateCommand, type SimulateIo } from './command.ts';
