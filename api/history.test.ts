import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../platform/index.ts';
import type { Features, Readiness, Sample } from '../schemas/index.ts';
import { serde } from '../schemas/index.ts';
import { startSink } from '../stream-processors/index.ts';
import { storeBackends } from '../test/services.ts';
import { migratedStore } from '../test/store-fixture.ts';
import { startHarness, type Harness } from './harness.ts';
import { queryHistory } from './history.ts';

/** One athlete, two sessions, three minutes at 100, 120 and 140 bpm; the sink stores them. */
const T0 = Date.UTC(2026, 10, 29, 8, 0, 0);
const MIN = 60_000;
const bpmAt = (second: number) => [100, 120, 140][Math.floor(second / 60)]!;
const WINDOWS = 18;
const TRIMP_PER_WINDOW = 0.5;
const scoreOf = (i: number) => 80 - i;

function sample(second: number): Sample {
  const ts = T0 + second * 1000;
  return {
    userId: 'ana',
    deviceId: 'd1',
    ts,
    bpm: bpmAt(second),
    rr: [],
    steps: null,
    cadence: null,
    power: null,
    speed: null,
    receivedAt: ts,
  };
}
function features(i: number): Features {
  return {
    ...(serde('Features').defaults() as Features),
    userId: 'ana',
    windowStart: T0 + i * 10_000,
    windowEnd: T0 + (i + 1) * 10_000,
    samples: 10,
    hrCount: 10,
    hrMean: bpmAt(i * 10),
    hrMin: bpmAt(i * 10),
    hrMax: bpmAt(i * 10),
    hrLast: bpmAt(i * 10),
    maxHr: 190,
    restHr: 60,
    pctMax: bpmAt(i * 10) / 190,
    zone: 2,
    trimpBanister: TRIMP_PER_WINDOW,
    traceArrivalMs: 0,
  };
}
/**
 * The session the processor also emits over the first five windows (a day would be alike): in the
 * features table beside them, it must count in none of the live-window figures below.
 */
const SESSION: Features = {
  ...features(0),
  window: 'session',
  kind: 'session',
  windowEnd: T0 + 50_000,
  samples: 50,
  hrMean: 111,
  trimpBanister: 5 * TRIMP_PER_WINDOW,
};
function readiness(i: number): Readiness {
  return {
    userId: 'ana',
    windowEnd: T0 + (i + 1) * 10_000,
    score: scoreOf(i),
    band: 'green',
    factors: [],
    bpm: bpmAt(i * 10),
    pctMax: 0.6,
    zone: 2,
    model: 'rules-v1',
    traceArrivalMs: 0,
  };
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe.each(storeBackends())('GET /v1/users/:userId/history on $name', (backend) => {
  const storeOf = migratedStore(backend);
  let store: Store | null = null;
  let h: Harness;
  let tokens: Record<string, string>;

  beforeAll(async () => {
    store = storeOf();
    if (!store) return;
    h = await startHarness({ store, now: () => T0 + 3 * MIN, config: { sinkBatchAgeMs: 20 } });
    const sink = startSink(h.deps, store);
    await h.produce('sessions', [
      { sessionId: 's1', userId: 'ana', floorId: 'f1', alias: 'A', startedAt: T0, endedAt: null },
      { sessionId: 's2', userId: 'ana', floorId: 'f1', alias: 'A', startedAt: T0 + 2 * MIN, endedAt: null },
    ]);
    // cy: more sessions than one answer holds (1000), every ten minutes before T0, the last two in range
    await h.produce(
      'sessions',
      range(0, 1002).map((i) => ({
        sessionId: `c${i}`,
        userId: 'cy',
        floorId: 'f1',
        alias: 'C',
        startedAt: T0 - (1001 - i) * 10 * MIN,
        endedAt: T0 - (1001 - i) * 10 * MIN + 5 * MIN,
      })),
    );
    await h.produce('samples', range(0, 180).map(sample));
    // the first ten seconds sent again by the device (a reconnect): stored as rows, but the
    // processor counts each reading once, and so does every figure below
    await h.produce('samples', range(0, 10).map(sample));
    // eve: the same three minutes, a second session from 90 s (mid-minute), and a window after
    // them without heart rate
    await h.produce('sessions', [
      { sessionId: 'e1', userId: 'eve', floorId: 'f1', alias: 'E', startedAt: T0, endedAt: null },
      { sessionId: 'e2', userId: 'eve', floorId: 'f1', alias: 'E', startedAt: T0 + 90_000, endedAt: T0 + 3 * MIN },
    ]);
    await h.produce('features', [
      ...range(0, WINDOWS).map((i) => ({ ...features(i), userId: 'eve' })),
      { ...features(WINDOWS), userId: 'eve', hrCount: 0, hrMean: Number.NaN, hrMin: 0, hrMax: 0, hrLast: 0 },
    ]);
    await h.produce('features', [SESSION, ...range(0, WINDOWS).map(features)]);
    await h.produce('readiness', range(0, WINDOWS).map(readiness));
    // the processor and inference at least once (embedded): restored from a checkpoint, they emit
    // windows 3-8 again, at new offsets; each still counts once in every figure below
    await h.produce('features', range(3, 9).map(features));
    await h.produce('readiness', range(3, 9).map(readiness));
    await sink.subscription.caughtUp();
    await sink.close();
    tokens = {
      ana: await h.token({ role: 'athlete', user: 'ana' }),
      ben: await h.token({ role: 'athlete', user: 'ben' }),
      coach: await h.token({ role: 'coach', floor: 'f1' }),
      otherCoach: await h.token({ role: 'coach', floor: 'f2' }),
    };
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  const get = async (url: string, token: string | null = tokens.ana!) => {
    const res = await h.api.app.inject({
      method: 'GET',
      url,
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
    });
    return { status: res.statusCode, body: res.json() as Record<string, unknown> };
  };

  it('answers each live window and readiness score at resolution raw', async (ctx) => {
    if (!store) return ctx.skip();
    const { status, body } = await get(`/v1/users/ana/history?resolution=raw&from=${T0}&to=${T0 + MIN}`);
    expect(status).toBe(200);
    // windows ending inside [from, to): the first five
    const inside = range(0, 5);
    expect(body.features).toEqual(
      inside.map((i) => ({
        ts: T0 + (i + 1) * 10_000,
        samples: 10,
        hrMean: 100,
        hrMin: 100,
        hrMax: 100,
        trimp: TRIMP_PER_WINDOW,
        zone: 2,
        rmssd: null,
      })),
    );
    expect(body.readiness).toEqual(
      inside.map((i) => ({ ts: T0 + (i + 1) * 10_000, score: scoreOf(i), scoreMin: scoreOf(i), band: 'green' })),
    );
  });

  it('reads the live window by the name PULSE_WINDOWS gives it', async (ctx) => {
    if (!store) return ctx.skip();
    const range = { userId: 'ana', from: T0, to: T0 + MIN, resolution: 'raw' } as const;
    // a deployment whose live window were named "session" would see that row as its live window
    const named = await queryHistory(store, range, 'session');
    expect(named.features.map((f) => [f.ts, f.samples, f.hrMean, f.trimp])).toEqual([
      [T0 + 50_000, 50, 111, 5 * TRIMP_PER_WINDOW],
    ]);
    expect((await queryHistory(store, range, 'live')).features).toHaveLength(5);
  });

  it('rolls samples, load and readiness up per minute', async (ctx) => {
    if (!store) return ctx.skip();
    const { status, body } = await get(`/v1/users/ana/history?resolution=minute&from=${T0}&to=${T0 + 3 * MIN}`);
    expect(status).toBe(200);
    expect(body.features).toEqual(
      [0, 1, 2].map((m) => ({
        ts: T0 + m * MIN,
        samples: 60,
        hrMean: bpmAt(m * 60),
        hrMin: bpmAt(m * 60),
        hrMax: bpmAt(m * 60),
        trimp: 6 * TRIMP_PER_WINDOW,
      })),
    );
    // readiness by the minute its window ended in: windows 0-4, 5-10 and 11-16
    const byMinute = [range(0, 5), range(5, 11), range(11, 17)];
    expect(body.readiness).toEqual(
      byMinute.map((is, m) => ({
        ts: T0 + m * MIN,
        score: mean(is.map(scoreOf)),
        scoreMin: Math.min(...is.map(scoreOf)),
      })),
    );
  });

  it('summarises each session over its own span; an open session ends where the next begins', async (ctx) => {
    if (!store) return ctx.skip();
    const { status, body } = await get(
      `/v1/users/ana/history?resolution=session&from=${T0}&to=${T0 + 3 * MIN}`,
      tokens.coach,
    );
    expect(status).toBe(200);
    expect(body.sessions).toEqual([
      {
        sessionId: 's1',
        floorId: 'f1',
        startedAt: T0,
        endedAt: T0 + 2 * MIN,
        samples: 120,
        hrMean: mean(range(0, 120).map(bpmAt)),
        hrMin: 100,
        hrMax: 120,
        trimp: 12 * TRIMP_PER_WINDOW,
        readiness: mean(range(0, 11).map(scoreOf)),
      },
      {
        sessionId: 's2',
        floorId: 'f1',
        startedAt: T0 + 2 * MIN,
        endedAt: T0 + 3 * MIN,
        samples: 60,
        hrMean: 140,
        hrMin: 140,
        hrMax: 140,
        trimp: 6 * TRIMP_PER_WINDOW,
        readiness: mean(range(11, 17).map(scoreOf)),
      },
    ]);
  });

  it('splits heart rate, load and readiness between sessions at the same instants, those of the live windows', async (ctx) => {
    if (!store) return ctx.skip();
    const { status, body } = await get(
      `/v1/users/eve/history?resolution=session&from=${T0}&to=${T0 + 3 * MIN}`,
      await h.token({ role: 'athlete', user: 'eve' }),
    );
    expect(status).toBe(200);
    // e1: windows 0-8 (90 s), e2: windows 9-17
    const sessions = body.sessions as { sessionId: string; samples: number; hrMean: number; trimp: number }[];
    expect(sessions.map((x) => [x.sessionId, x.samples, x.hrMean, x.trimp])).toEqual([
      ['e1', 90, mean(range(0, 90).map(bpmAt)), 9 * TRIMP_PER_WINDOW],
      ['e2', 90, mean(range(90, 180).map(bpmAt)), 9 * TRIMP_PER_WINDOW],
    ]);
  });

  it('answers no heart rate, not 0 bpm, for a window without readings of it', async (ctx) => {
    if (!store) return ctx.skip();
    const at = T0 + WINDOWS * 10_000;
    const { body } = await get(
      `/v1/users/eve/history?resolution=raw&from=${at + 1}&to=${at + MIN}`,
      await h.token({ role: 'athlete', user: 'eve' }),
    );
    expect(body.features).toEqual([
      {
        ts: at + 10_000,
        samples: 10,
        hrMean: null,
        hrMin: null,
        hrMax: null,
        trimp: TRIMP_PER_WINDOW,
        zone: 2,
        rmssd: null,
      },
    ]);
    // and no minute of heart rate
    const minute = await get(
      `/v1/users/eve/history?resolution=minute&from=${at}&to=${at + MIN}`,
      await h.token({ role: 'athlete', user: 'eve' }),
    );
    expect(minute.body.features).toEqual([]);
  });

  it("answers a frequent athlete's latest sessions, not their first thousand", async (ctx) => {
    if (!store) return ctx.skip();
    const { status, body } = await get(
      `/v1/users/cy/history?resolution=session&from=${T0 - 25 * MIN}&to=${T0 + 1}`,
      await h.token({ role: 'athlete', user: 'cy' }),
    );
    expect(status).toBe(200);
    const sessions = body.sessions as { sessionId: string; startedAt: number }[];
    expect(sessions.map((s) => [s.sessionId, s.startedAt])).toEqual([
      ['c999', T0 - 20 * MIN],
      ['c1000', T0 - 10 * MIN],
      ['c1001', T0],
    ]);
  });

  it('defaults to the last day per minute', async (ctx) => {
    if (!store) return ctx.skip();
    const { status, body } = await get('/v1/users/ana/history');
    expect(status).toBe(200);
    expect([body.resolution, body.from, body.to]).toEqual(['minute', T0 + 3 * MIN - 86_400_000, T0 + 3 * MIN]);
    expect((body.features as unknown[]).length).toBe(3);
  });

  it('refuses bad ranges, resolutions and ids with a 400 that says why', async (ctx) => {
    if (!store) return ctx.skip();
    const reversed = await get(`/v1/users/ana/history?from=${T0 + MIN}&to=${T0}`);
    expect([reversed.status, reversed.body.error]).toEqual([400, 'invalid_request']);
    expect(reversed.body.message).toMatch(/from \(\d+\) must be before to/);
    const wide = await get(`/v1/users/ana/history?resolution=raw&from=${T0}&to=${T0 + 2 * 86_400_000}`);
    expect([wide.status, wide.body.message]).toEqual([
      400,
      'invalid request: the range is wider than 1 days, the most for resolution raw',
    ]);
    const unknown = await get('/v1/users/ana/history?resolution=hourly');
    expect([unknown.status, unknown.body.error]).toEqual([400, 'invalid_request']);
    expect(unknown.body.message).toMatch(/resolution/);
    const notMs = await get('/v1/users/ana/history?from=yesterday');
    expect([notMs.status, notMs.body.error]).toEqual([400, 'invalid_request']);
    const sql = await get(`/v1/users/${encodeURIComponent("ana' OR '1'='1")}/history`, tokens.coach);
    expect([sql.status, sql.body.error]).toEqual([400, 'invalid_request']);
    const extra = await get('/v1/users/ana/history?limit=5');
    expect([extra.status, extra.body.error]).toEqual([400, 'invalid_request']);
  });

  it("lets only the athlete, their floor's coach and admins read it", async (ctx) => {
    if (!store) return ctx.skip();
    expect((await get('/v1/users/ana/history', null)).status).toBe(401);
    expect((await get('/v1/users/ana/history', tokens.ben)).status).toBe(403);
    expect((await get('/v1/users/ana/history', tokens.otherCoach)).status).toBe(403);
    expect((await get('/v1/users/ana/history', tokens.coach)).status).toBe(200);
  });
});

describe('GET /v1/users/:userId/history without a store', () => {
  it('answers 503 naming what is missing', async () => {
    const h = await startHarness();
    try {
      const token = await h.token({ role: 'athlete', user: 'ana' });
      const res = await h.api.app.inject({
        method: 'GET',
        url: '/v1/users/ana/history',
        headers: { authorization: `Bearer ${token}` },
      });
      expect([res.statusCode, res.json().message]).toEqual([503, 'unavailable: this process has no history store']);
    } finally {
      await h.close();
    }
  });
});
