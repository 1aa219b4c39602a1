import type { Sample } from '../../schemas/index.ts';
import type { Simulation } from './simulation.ts';

export interface RunOptions {
  /** hands a batch (in delivery order) to its destination; the next tick waits for it */
  deliver: (samples: Sample[]) => Promise<void>;
  /** true: simulated time follows the wall clock (live demo); false: as fast as deliver allows */
  realTime: boolean;
  /** simulated ms per step (default 1000) */
  tickMs?: number;
  signal?: AbortSignal;
  /**
   * Simulated time when the driver starts. Default: the wall clock in real time (so sample ts ≈
   * wall clock), the simulation's start otherwise.
   */
  startTs?: number;
}

export interface RunSummary {
  samples: number;
  batches: number;
  aborted: boolean;
}

/**
 * Drives a simulation: each tick, takes what is due (`sim.next(now)`) and delivers it. In real
 * time a tick waits for the wall clock (a slow deliver is caught up on the next tick, never
 * overlapped); otherwise simulated time steps by tickMs as soon as the previous batch is
 * delivered. Resolves when everything up to the simulation's end is delivered, or when aborted.
 */
export async function runSimulation(sim: Simulation, opts: RunOptions): Promise<RunSummary> {
  const tickMs = opts.tickMs ?? 1000;
  if (!(tickMs > 0)) throw new RangeError(`tickMs must be > 0, got ${tickMs}`);
  const signal = opts.signal;
  const summary: RunSummary = { samples: 0, batches: 0, aborted: false };
  const deliver = async (batch: Sample[]) => {
    if (batch.length === 0) return;
    await opts.deliver(batch);
    summary.samples += batch.length;
    summary.batches++;
  };

  if (opts.realTime) {
    const wallStart = Date.now();
    const offset = (opts.startTs ?? wallStart) - wallStart;
    let nextTick = wallStart;
    for (;;) {
      if (signal?.aborted) return { ...summary, aborted: true };
      const now = Date.now() + offset;
      await deliver(sim.next(now));
      if (now >= sim.endTs) return summary;
      nextTick += tickMs;
      const wait = nextTick - Date.now();
      if (wait > 0) await sleep(wait, signal);
      else nextTick = Date.now();
    }
  }

  let simTs = opts.startTs ?? sim.startTs;
  for (;;) {
    if (signal?.aborted) return { ...summary, aborted: true };
    simTs = Math.min(simTs + tickMs, sim.endTs);
    await deliver(sim.next(simTs));
    if (simTs >= sim.endTs) return summary;
    // let timers and I/O (an abort, a socket) run between steps even when deliver is synchronous
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
