import type { Profile, Sample, Session } from '../../schemas/index.ts';
import { createAthletes, toProfile, toSession, type Athlete } from './athletes.ts';
import { DeviceStream } from './device.ts';
import { DeviceFaults, faultOptions, maxLagMs, type FaultOptions } from './faults.ts';
import { Body } from './physiology.ts';
import { rngFor } from './random.ts';
import type { WorkoutOptions } from './workout.ts';

export interface SimulationOptions {
  seed: number;
  users: number;
  floorId: string;
  /** simulated time of the start, ms since the epoch (true time, before device clock skew) */
  startTs: number;
  /** samples per second per device */
  rateHz?: number;
  durationSec: number;
  /** device faults: true = defaults, false = a clean stream, or some rates overridden */
  faults?: boolean | Partial<FaultOptions>;
  workout?: Partial<WorkoutOptions>;
}

export interface Simulation {
  athletes: Athlete[];
  readonly floorId: string;
  readonly startTs: number;
  readonly rateHz: number;
  readonly durationSec: number;
  /** no sample is delivered after this time: once next(endTs) has run, the simulation is over */
  readonly endTs: number;
  readonly faults: FaultOptions;
  profiles(): Profile[];
  sessions(): Session[];
  /**
   * Every sample whose delivery time is ≤ untilTs and that was not returned before, in delivery
   * order (ties: by athlete, then as generated). Samples carry receivedAt 0 and rr as integer ms
   * (empty when the device gives none). Pure and clock-free: untilTs is simulated time.
   */
  next(untilTs: number): Sample[];
}

/** The most readings one device may produce per second (RR of one sample then spans ≥ 1 ms). */
export const MAX_RATE_HZ = 1000;

export function createSimulation(opts: SimulationOptions): Simulation {
  const rateHz = opts.rateHz ?? 1;
  if (!Number.isInteger(opts.users) || opts.users < 0)
    throw new RangeError(`users must be an integer >= 0, got ${opts.users}`);
  if (!(rateHz > 0 && rateHz <= MAX_RATE_HZ))
    throw new RangeError(`rateHz must be > 0 and <= ${MAX_RATE_HZ}, got ${rateHz}`);
  if (!(opts.durationSec > 0 && Number.isFinite(opts.durationSec))) {
    throw new RangeError(`durationSec must be a number > 0, got ${opts.durationSec}`);
  }
  if (!Number.isFinite(opts.startTs)) throw new RangeError(`startTs must be ms since the epoch, got ${opts.startTs}`);
  const startTs = Math.round(opts.startTs);
  const faults = faultOptions(opts.faults);
  const faultsOn = opts.faults !== false;
  const periodMs = 1000 / rateHz;
  const durationMs = opts.durationSec * 1000;
  const count = Math.ceil(durationMs / periodMs);
  const athletes = createAthletes({ seed: opts.seed, users: opts.users, floorId: opts.floorId, workout: opts.workout });

  const devices = athletes.map((a) => {
    // separate streams: switching faults off leaves every reading (and its true time) unchanged
    const clock = rngFor(opts.seed, opts.floorId, a.index, 'clock');
    const t0 = startTs + Math.floor(clock.next() * periodMs);
    const body = new Body(a, rngFor(opts.seed, opts.floorId, a.index, 'body'), startTs, periodMs);
    const f = faultsOn
      ? new DeviceFaults(rngFor(opts.seed, opts.floorId, a.index, 'faults'), faults, startTs, periodMs)
      : null;
    return new DeviceStream(a, body, f, t0, periodMs, count);
  });

  // reused between calls: the only per-call allocations are the returned array and the order
  const outS: Sample[] = [];
  const outD: number[] = [];

  return {
    athletes,
    floorId: opts.floorId,
    startTs,
    rateHz,
    durationSec: opts.durationSec,
    endTs: startTs + Math.ceil(periodMs) + durationMs + (faultsOn ? maxLagMs(faults) : 0),
    faults,
    profiles: () => athletes.map((a) => toProfile(a, startTs)),
    sessions: () => athletes.map((a) => toSession(a, startTs)),
    next(untilTs: number): Sample[] {
      outS.length = 0;
      outD.length = 0;
      for (const dev of devices) dev.generate(untilTs, outS, outD);
      const n = outS.length;
      const result = new Array<Sample>(n);
      if (n === 0) return [];
      let sorted = true;
      for (let i = 1; i < n && sorted; i++) if ((outD[i] as number) < (outD[i - 1] as number)) sorted = false;
      if (sorted) {
        for (let i = 0; i < n; i++) result[i] = outS[i] as Sample;
      } else {
        const order = new Uint32Array(n);
        for (let i = 0; i < n; i++) order[i] = i;
        // ties keep generation order (device by device), so the order is deterministic
        order.sort((x, y) => (outD[x] as number) - (outD[y] as number) || x - y);
        for (let i = 0; i < n; i++) result[i] = outS[order[i] as number] as Sample;
      }
      outS.length = 0;
      return result;
    },
  };
}
