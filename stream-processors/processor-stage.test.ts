import { afterEach, describe, expect, it } from 'vitest';
import { startStageHarness, type StageHarness } from '../platform/index.ts';
import type { Sample } from '../schemas/index.ts';
import { startProcessor } from './processor-stage.ts';
import { testSample } from './test-samples.ts';
import { windowPhase } from './engine/engine.ts';
import { banisterTrimp } from './features/index.ts';

const T0 = 1_700_000_000_000;
const sample = (userId: string, ts: number, bpm: number): Sample => testSample(ts, bpm, { userId, receivedAt: 0 });
/** one sample a second for `seconds` seconds from T0 */
const series = (userId: string, seconds: number, bpm = 120): Sample[] =>
  Array.from({ length: seconds }, (_, i) => sample(userId, T0 + i * 1000, bpm));

let h: StageHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function run(samples: Sample[], stagger: boolean) {
  h = await startStageHarness({ prefix: 'pulse-proc-', config: { windowStagger: stagger } });
  const stage = startProcessor(h.deps);
  await h.produce('samples', samples);
  await stage.subscription.caughtUp();
  await stage.close();
  return { features: await h.read('features'), dead: await h.read('dlq'), metrics: h.deps.metrics };
}

/** Reads the topic until `done` holds (what a stage does next depends on the wall clock here). */
async function until<T>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('processor stage', () => {
  it('staggers each user by their own phase when PULSE_WINDOW_STAGGER is on', async () => {
    const { features } = await run([...series('ana', 60), ...series('ben', 60)], true);
    for (const user of ['ana', 'ben']) {
      const starts = features.filter((f) => f.userId === user).map((f) => f.windowStart);
      expect(starts.length).toBeGreaterThanOrEqual(4);
      for (const s of starts) expect((s - windowPhase(user, 10_000)) % 10_000).toBe(0);
    }
    expect(windowPhase('ana', 10_000)).not.toBe(windowPhase('ben', 10_000));
  });

  it('aligns windows to the epoch when PULSE_WINDOW_STAGGER is off', async () => {
    const { features } = await run(series('ana', 60), false);
    expect(features.map((f) => f.windowStart - T0)).toEqual([0, 10_000, 20_000, 30_000, 40_000]);
    expect(features.map((f) => f.samples)).toEqual([10, 10, 10, 10, 10]);
    // no profile: HRmax 184 (Tanaka at 35), rest 60; 10 s at 120 bpm
    expect(features[0]!.trimpBanister).toBeCloseTo(banisterTrimp(10 / 60, 120, 60, 184), 10);
    expect(features[0]!.window).toBe('live');
  });

  it('dead-letters a late sample with reason late and counts a duplicate, keeping the rest', async () => {
    const late = sample('ana', T0 + 1_500, 99);
    const dup = sample('ana', T0 + 28_000, 120);
    const { features, dead, metrics } = await run([...series('ana', 30), dup, late], false);
    expect(dead.map((d) => d.reason)).toEqual(['late']);
    expect((await metrics.duplicates.get()).values[0]?.value).toBe(1);
    expect((await metrics.late.get()).values[0]?.value).toBe(1);
    expect(features[0]!.samples).toBe(10);
    expect(features[0]!.hrMean).toBe(120);
  });

  it("closes an idle partition's last window by the wall clock, and a long-quiet user comes back from the snapshot", async () => {
    h = await startStageHarness({
      prefix: 'pulse-proc-',
      config: { windowStagger: false, idleTimeoutMs: 300, evictAfterMs: 1 },
    });
    const stage = startProcessor(h.deps);
    // 25 s of samples: the window [20 s, 30 s) stays open, as nothing newer arrives
    await h.produce('samples', series('ana', 25));
    const first = await until(
      () => h!.read('features'),
      (fs) => fs.length === 3,
    );
    expect(first.map((f) => f.windowStart - T0)).toEqual([0, 10_000, 20_000]);
    expect(first[2]!.samples).toBe(5);
    // the user was evicted (quiet, nothing open); new samples bring the state back
    await h.produce(
      'samples',
      Array.from({ length: 20 }, (_, i) => sample('ana', T0 + 600_000 + i * 1000, 130)),
    );
    const more = await until(
      () => h!.read('features'),
      (fs) => fs.length === 5,
    );
    expect(more.slice(3).map((f) => [f.windowStart - T0, f.samples, f.hrMean])).toEqual([
      [600_000, 10, 130],
      [610_000, 10, 130],
    ]);
    await stage.close();
  });
});
