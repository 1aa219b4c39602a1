import { createSimulation } from '../ingest/index.ts';
import { DEFAULT_WINDOWS, parseWindowSpecs } from '../platform/index.ts';
import type { Features, Sample } from '../schemas/index.ts';
import { WindowEngine, type UserStream } from '../stream-processors/index.ts';
import { collectGarbage, round } from './stats.ts';

export interface WindowingFigures {
  /**
   * readings through the window engine per second of the process's CPU time, all threads (the
   * collector's helpers included; time the VM lends elsewhere excluded); generation excluded
   */
  samplesPerSecPerCore: number;
  /** the same per second of wall time */
  samplesPerSecWall: number;
  /**
   * the same readings when each only finds its user's state in the map of every user's (the
   * engine's work left out), per second of CPU time: the ceiling keyed state alone sets here
   */
  stateLookupOnlyPerSecPerCore: number;
  /**
   * one load that depends on the one before, at random places in 16 MB (about what 10,000 users'
   * state and the map take): what each cache miss of a reading costs on this machine
   */
  dependentLoadNs: number;
  /** the engine's state per user after the run (held readings, open session and day) */
  heapBytesPerUser: number;
  users: number;
  samples: number;
  windowsEmitted: number;
  windows: string;
}

interface Timing {
  samples: number;
  cpuMicros: number;
  elapsedMs: number;
}

/**
 * Simulated athletes with device faults (out of order, duplicates, gaps, skew) at 1 Hz, the same
 * readings for the same options: `each` is timed on them a second at a time, as a processor
 * decodes them (they die young, as in the live pipeline: a run's worth held at once would make
 * every old-space collection trace them), the generation outside the timing.
 */
function timeReadings(opts: { users: number; seconds: number }, each: (s: Sample) => void): Timing {
  const startTs = Date.UTC(2026, 0, 5, 9);
  const sim = createSimulation({
    seed: 7,
    users: opts.users,
    floorId: 'w',
    startTs,
    rateHz: 1,
    durationSec: opts.seconds + 60,
    faults: true,
  });
  const timing: Timing = { samples: 0, cpuMicros: 0, elapsedMs: 0 };
  for (let t = startTs; t < startTs + opts.seconds * 1000; t += 1000) {
    const batch: Sample[] = sim.next(t);
    const cpu = process.cpuUsage();
    const began = performance.now();
    for (const s of batch) each(s);
    timing.elapsedMs += performance.now() - began;
    const used = process.cpuUsage(cpu);
    timing.cpuMicros += used.user + used.system;
    timing.samples += batch.length;
  }
  return timing;
}

const perCpuSecond = (t: Timing) => Math.round(t.samples / (t.cpuMicros / 1e6));

/** Pointer chasing through a random cycle over `bytes` (Sattolo's shuffle, a cache line a step). */
function dependentLoadNs(bytes: number): number {
  const line = 16; // 64-byte lines of 4-byte ints
  const next = new Int32Array(bytes / 4);
  const order = new Int32Array(next.length / line);
  for (let i = 0; i < order.length; i++) order[i] = i * line;
  let seed = 1;
  const random = () => ((seed = Math.imul(seed, 48271) % 2147483647) & 0x7fffffff) / 2147483648;
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  for (let i = 0; i < order.length; i++) next[order[i]!] = order[(i + 1) % order.length]!;
  const steps = 2_000_000;
  let at = order[0]!;
  const began = performance.now();
  for (let i = 0; i < steps; i++) at = next[at]!;
  const ns = ((performance.now() - began) * 1e6) / steps;
  return at >= 0 ? round(ns) : Number.NaN;
}

/**
 * The window engine alone (PULSE_WINDOWS' default specs, 5 s out-of-orderness, staggered), on
 * simulated athletes' readings, timed on this thread; then the same readings with only the state
 * lookup, for the ceiling.
 */
export async function benchWindowing(opts: { users: number; seconds: number }): Promise<WindowingFigures> {
  const engine = new WindowEngine(parseWindowSpecs(DEFAULT_WINDOWS), {
    outOfOrderMs: 5000,
    graceMs: 0,
    staggered: true,
    zoneBasis: 'max',
    rrCorrection: 'auto',
  });
  let windowsEmitted = 0;
  const emit = (_f: Features) => void windowsEmitted++;
  const state = new Map<string, UserStream>();
  const run = timeReadings(opts, (s) => {
    let st = state.get(s.userId);
    if (!st) {
      st = engine.newStream(s.userId);
      state.set(s.userId, st);
    }
    engine.add(st, s, emit);
  });

  let found = 0;
  const lookups = timeReadings(opts, (s) => {
    if (state.get(s.userId) !== undefined) found++;
  });
  if (found !== lookups.samples) throw new Error('bench windowing: the lookup pass met a user the engine did not');

  // the state's size: the heap with it, less the heap once it is dropped
  await collectGarbage();
  const heapWith = process.memoryUsage().heapUsed;
  const users = state.size;
  state.clear();
  await collectGarbage();
  const heapWithout = process.memoryUsage().heapUsed;
  return {
    samplesPerSecPerCore: perCpuSecond(run),
    samplesPerSecWall: Math.round(run.samples / (run.elapsedMs / 1000)),
    stateLookupOnlyPerSecPerCore: perCpuSecond(lookups),
    dependentLoadNs: dependentLoadNs(16 * 1024 * 1024),
    heapBytesPerUser: Math.round((heapWith - heapWithout) / users),
    users,
    samples: run.samples,
    windowsEmitted,
    windows: DEFAULT_WINDOWS,
  };
}
