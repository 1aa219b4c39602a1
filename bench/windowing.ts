import { createSimulation } from '../ingest/index.ts';
import { DEFAULT_WINDOWS, parseWindowSpecs } from '../platform/index.ts';
import type { Features, Sample } from '../schemas/index.ts';
import { WindowEngine, newUserStream, type UserStream } from '../stream-processors/index.ts';
import { collectGarbage } from './stats.ts';

export interface WindowingFigures {
  /** readings through the window engine per second, one thread (generation excluded) */
  samplesPerSecPerCore: number;
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
  const samples: Sample[] = [];
  for (let t = startTs; t < startTs + opts.seconds * 1000; t += 1000) for (const s of sim.next(t)) samples.push(s);
  const engine = new WindowEngine(parseWindowSpecs(DEFAULT_WINDOWS), {
    outOfOrderMs: 5000,
    graceMs: 0,
    staggered: true,
    zoneBasis: 'max',
    rrCorrection: 'auto',
  });
  let windowsEmitted = 0;
  const emit = (_f: Features) => void windowsEmitted++;
  await collectGarbage();
  const heapBefore = process.memoryUsage().heapUsed;
  const state = new Map<string, UserStream>();
  const began = performance.now();
  for (const s of samples) {
    let st = state.get(s.userId);
    if (!st) {
      st = newUserStream(engine.frameCount);
      state.set(s.userId, st);
    }
    engine.add(st, s, emit);
  }
  const elapsed = (performance.now() - began) / 1000;
  await collectGarbage();
  const heapAfter = process.memoryUsage().heapUsed;
  return {
    samplesPerSecPerCore: Math.round(samples.length / elapsed),
    heapBytesPerUser: Math.round((heapAfter - heapBefore) / state.size),
    users: state.size,
    samples: samples.length,
    windowsEmitted,
    windows: DEFAULT_WINDOWS,
  };
}
