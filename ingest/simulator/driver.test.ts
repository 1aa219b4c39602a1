import { describe, expect, it } from 'vitest';
import type { Sample } from '../../schemas/index.ts';
import { runSimulation } from './driver.ts';
import { createSimulation } from './simulation.ts';

const T0 = Date.UTC(2026, 10, 2, 18, 0, 0);

describe('runSimulation', () => {
  it('steps simulated time as fast as deliver allows and delivers everything in order', async () => {
    const opts = { seed: 2, users: 5, floorId: 'd', startTs: T0, durationSec: 300 };
    const reference = createSimulation(opts).next(Number.MAX_SAFE_INTEGER);
    const got: Sample[] = [];
    const batches: number[] = [];
    const summary = await runSimulation(createSimulation(opts), {
      realTime: false,
      tickMs: 5000,
      deliver: async (samples) => {
        batches.push(samples.length);
        got.push(...samples);
      },
    });
    expect(got).toEqual(reference);
    expect(summary).toEqual({ samples: reference.length, batches: batches.length, aborted: false });
    // about 5 s of 5 athletes per batch
    expect(Math.max(...batches)).toBeLessThan(5 * 5 + 20);
    expect(batches.length).toBeGreaterThan(55);
  });

  it('stops when aborted', async () => {
    const sim = createSimulation({ seed: 2, users: 3, floorId: 'd', startTs: T0, durationSec: 3600 });
    const abort = new AbortController();
    let delivered = 0;
    const summary = await runSimulation(sim, {
      realTime: false,
      signal: abort.signal,
      deliver: async (samples) => {
        delivered += samples.length;
        if (delivered > 100) abort.abort();
      },
    });
    expect(summary.aborted).toBe(true);
    expect(delivered).toBeGreaterThan(100);
    expect(delivered).toBeLessThan(200);
  });

  it('follows the wall clock in real time: sample ts near now, done after the duration', async () => {
    const startTs = Date.now();
    const sim = createSimulation({
      seed: 4,
      users: 3,
      floorId: 'd',
      startTs,
      rateHz: 10,
      durationSec: 0.3,
      faults: false,
    });
    const got: Sample[] = [];
    const stamped: number[] = [];
    const summary = await runSimulation(sim, {
      realTime: true,
      tickMs: 20,
      deliver: async (samples) => {
        for (const s of samples) stamped.push(Date.now() - s.ts);
        got.push(...samples);
      },
    });
    expect(summary.aborted).toBe(false);
    expect(got).toHaveLength(3 * 3);
    // nothing is delivered before its time
    expect(Math.min(...stamped)).toBeGreaterThanOrEqual(0);
  });

  it('resolves at once in real time when aborted while waiting', async () => {
    const sim = createSimulation({ seed: 4, users: 1, floorId: 'd', startTs: Date.now(), durationSec: 3600 });
    const abort = new AbortController();
    const running = runSimulation(sim, {
      realTime: true,
      tickMs: 60_000,
      signal: abort.signal,
      deliver: async () => {},
    });
    setTimeout(() => abort.abort(), 10);
    expect((await running).aborted).toBe(true);
  });
});
