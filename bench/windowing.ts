import { createSimulation } from '../ingest/index.ts';
import { DEFAULT_WINDOWS, parseWindowSpecs } from '../platform/index.ts';
import type { Features, Sample } from '../schemas/index.ts';
import { WindowEngine, type UserStream } from '../stream-processors/index.ts';
import { collectGarbage } from './stats.ts';

export interface WindowingFigures {
  /**
   * readings through the window engine per second of the process's CPU time, all threads (the
   * collector's helpers included; time the VM lends elsewhere excluded); generation excluded
   */
  samplesPerSecPerCore: number;
  /** the same per second of wall time */
  samplesPerSecWall: number;
  /** the engine's state per user after the run (held readings, open session and day) */
  heapBytesPerUser: number;
  users: number;
  samples: number;
  windowsEmitted: number;
  windows: string;
}

/**
 * The window engine alone (PULSE_WINDOWS' default specs, 5 s out-of-orderness, staggered), on
 * simulated athletes with device faults (out of order, duplicates, gaps, skew) at 1 Hz: the
 * readings are generated first, then timed through the engine on this thread.
 */
export async function benchWindowing(opts: { users: number; seconds: number }): Promise<WindowingFigures> {
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
  // a second of readings at a time, as a processor decodes them: they die young, as in the live
  // pipeline (a run's worth held at once would make every old-space collection trace them)
  let elapsedMs = 0;
  let cpuMicros = 0;
  let samples = 0;
  for (let t = startTs; t < startTs + opts.seconds * 1000; t += 1000) {
    const batch: Sample[] = sim.next(t);
    const cpu = process.cpuUsage();
    const began = performance.now();
    for (const s of batch) {
      let st = state.get(s.userId);
      if (!st) {
        st = engine.newStream(s.userId);
        state.set(s.userId, st);
      }
      engine.add(st, s, emit);
    }
    elapsedMs += performance.now() - began;
    const used = process.cpuUsage(cpu);
    cpuMicros += used.user + used.system;
    samples += batch.length;
  }

  // the state's size: the heap with it, less the heap once it is dropped
  await collectGarbage();
  const heapWith = process.memoryUsage().heapUsed;
  const users = state.size;
  state.clear();
  await collectGarbage();
  const heapWithout = process.memoryUsage().heapUsed;
  return {
    samplesPerSecPerCore: Math.round(samples / (cpuMicros / 1e6)),
    samplesPerSecWall: Math.round(samples / (elapsedMs / 1000)),
    heapBytesPerUser: Math.round((heapWith - heapWithout) / users),
    users,
    samples,
    windowsEmitted,
    windows: DEFAULT_WINDOWS,
  };
}
