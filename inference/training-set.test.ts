import { beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../platform/index.ts';
import { storeBackends } from '../test/services.ts';
import { migratedStore } from '../test/store-fixture.ts';
import { trainingSet } from './training-set.ts';

const T0 = Date.UTC(2026, 10, 29, 7, 0, 0);
const source = { sourceLog: 'training-test', sourcePartition: 0, sourceOffset: 0 };

/** the live window ending at `end`, with an HR mean that identifies it */
const window = (userId: string, end: number, hrMean: number) => ({
  userId,
  window: 'live',
  kind: 'tumbling',
  windowStart: end - 10_000,
  windowEnd: end,
  samples: 10,
  hrMean,
  hrMax: hrMean + 5,
  pctMax: hrMean / 190,
  zone: 3,
  trimpBanister: 0.4,
  rmssd: 30,
  ...source,
});
/** a session ending with the live window that ends at `end` (the same user and windowEnd) */
const session = (userId: string, start: number, end: number, hrMean: number) => ({
  ...window(userId, end, hrMean),
  window: 'session',
  kind: 'session',
  windowStart: start,
});
const readiness = (userId: string, windowEnd: number, score: number) => ({
  userId,
  windowEnd,
  score,
  band: 'green',
  ...source,
});
const suggestion = (suggestionId: string, userId: string, ts: number) => ({
  suggestionId,
  userId,
  triggerId: `t-${suggestionId}`,
  ts,
  text: 'ease off',
  action: 'reduce_intensity',
  locale: 'en',
  source: 'rules',
  ...source,
});
const feedback = (
  userId: string,
  suggestionId: string,
  ts: number,
  f: { rating?: number; rpe?: number; followed?: number },
) => ({
  userId,
  suggestionId,
  ts,
  rating: f.rating ?? null,
  rpe: f.rpe ?? null,
  comment: null,
  followed: f.followed ?? null,
  ...source,
});

describe.each(storeBackends())('training set on $name', (backend) => {
  const storeOf = migratedStore(backend);
  let store: Store | null = null;
  beforeAll(async () => {
    store = storeOf();
    if (!store) return;
    const [w1, w2, w3] = [T0 + 10_000, T0 + 20_000, T0 + 30_000];
    await store.insert('features', [
      // first, so that a join that took every window would find it before the live one
      session('ana', T0, w2, 140),
      window('ana', w1, 150),
      window('ana', w2, 160),
      window('ben', w1, 120),
      window('ana', w2, 160), // stored again (the processor is at least once)
    ]);
    await store.insert('readiness', [
      readiness('ana', w1, 70),
      readiness('ana', w2, 64),
      readiness('ben', w1, 81),
      readiness('ana', w2, 64), // stored again
    ]);
    await store.insert('suggestions', [
      suggestion('s-ana-2', 'ana', w2),
      suggestion('s-ana-1', 'ana', w1),
      suggestion('s-ana-1', 'ana', w1), // delivered again by the coach (at least once)
      suggestion('s-ben-1', 'ben', w1),
      suggestion('s-ana-2b', 'ana', w2), // a second suggestion on the same window (two triggers at once)
      suggestion('s-none', 'ana', w2), // no feedback: not a training example
      suggestion('s-nowindow', 'ana', w3), // no features stored for its window
    ]);
    await store.insert('feedback', [
      feedback('ana', 's-ana-1', w1 + 60_000, { followed: 1 }),
      feedback('ana', 's-ana-1', w1 + 90_000, { rating: 2, rpe: 8 }),
      feedback('ana', 's-ana-1', w1 + 120_000, { rating: 4 }), // the athlete changed their mind: the latest counts
      // another athlete rating ana's suggestion (its id is on the floor's screens) labels nothing
      feedback('ben', 's-ana-1', w1 + 150_000, { rating: 1, rpe: 10 }),
      feedback('ana', 's-ana-2', w2 + 60_000, { followed: 0 }),
      feedback('ana', 's-ana-2b', w2 + 70_000, { rating: 5 }),
      feedback('ben', 's-ben-1', w1 + 30_000, { rpe: 5 }),
      feedback('ana', 's-nowindow', w3 + 1, { rating: 5 }),
    ]);
  }, 120_000);

  it("joins each labelled suggestion with its window, time-ordered, with the latest of each of its athlete's labels", async (ctx) => {
    if (!store) return ctx.skip();
    const rows = await trainingSet(store, { from: T0, to: T0 + 3_600_000 }, 'live');
    expect(
      rows.map((r) => [r.suggestionId, r.suggestedAt - T0, r.hrMean, r.readiness, r.rating, r.rpe, r.followed]),
    ).toEqual([
      ['s-ana-1', 10_000, 150, 70, 4, 8, true],
      ['s-ben-1', 10_000, 120, 81, null, 5, null],
      ['s-ana-2', 20_000, 160, 64, null, null, false],
      ['s-ana-2b', 20_000, 160, 64, 5, null, null],
    ]);
    expect(rows[0]).toMatchObject({
      userId: 'ana',
      action: 'reduce_intensity',
      hrMax: 155,
      zone: 3,
      rmssd: 30,
      sdnn: null,
    });
  });

  it('keeps to the range asked for', async (ctx) => {
    if (!store) return ctx.skip();
    const rows = await trainingSet(store, { from: T0 + 15_000, to: T0 + 25_000 }, 'live');
    expect(rows.map((r) => r.suggestionId)).toEqual(['s-ana-2', 's-ana-2b']);
  });

  it('takes the features of the live window it is told, not of the sessions or days ending with it', async (ctx) => {
    if (!store) return ctx.skip();
    const live = await trainingSet(store, { from: T0 + 15_000, to: T0 + 25_000 }, 'live');
    expect(live.map((r) => [r.suggestionId, r.hrMean])).toEqual([
      ['s-ana-2', 160],
      ['s-ana-2b', 160],
    ]);
    // a deployment whose live window has another name (PULSE_WINDOWS): here, the session's row
    const named = await trainingSet(store, { from: T0 + 15_000, to: T0 + 25_000 }, 'session');
    expect(named.map((r) => [r.suggestionId, r.hrMean])).toEqual([
      ['s-ana-2', 140],
      ['s-ana-2b', 140],
    ]);
  });
});
