import { afterEach, describe, expect, it } from 'vitest';
import {
  startStageHarness,
  StoreError,
  type Config,
  type QueryParams,
  type StageHarness,
  type Store,
} from '../../platform/index.ts';
import { serde, topics, type Features, type Readiness, type Sample } from '../../schemas/index.ts';
import { storeBackends, type StoreBackend } from '../../test/services.ts';
import { migratedStore } from '../../test/store-fixture.ts';
import { testSample } from '../test-samples.ts';
import { startProcessor } from '../processor-stage.ts';
import { HistoryWriter } from './history-writer.ts';
import { rowOf, type HistoryTopic, type Row } from './rows.ts';
import { startSink } from './sink-stage.ts';

const T0 = Date.UTC(2026, 10, 29, 9, 0, 0);
const series = (userId: string, from: number, n: number): Sample[] =>
  Array.from({ length: n }, (_, i) => testSample(T0 + (from + i) * 1000, 100 + (i % 40), { userId }));

const backends = storeBackends();

async function count(store: Store, sql: string, params = {}): Promise<number> {
  const [row] = await store.query<{ n: number }>(sql, params);
  return Number(row!.n);
}

/** Polls until `done` holds: the sink writes on its own schedule. */
async function until<T>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The backend's migrated store, and stage harnesses that are closed after each test. */
function sinkFixture(backend: StoreBackend) {
  const store = migratedStore(backend);
  const harnesses: StageHarness[] = [];
  afterEach(async () => {
    for (const h of harnesses.splice(0)) await h.close();
  });
  return {
    store,
    async harness(config: Partial<Config>): Promise<StageHarness> {
      const h = await startStageHarness({ prefix: 'pulse-sink-', config });
      harnesses.push(h);
      return h;
    },
  };
}

describe.each(backends)('sink into $name', (backend) => {
  const f = sinkFixture(backend);

  it("stores each event in its table with its values, and dead-letters what it cannot decode or breaks the Sample's rules", async (ctx) => {
    const store = f.store();
    if (!store) return ctx.skip();
    const h = await f.harness({ sinkBatchAgeMs: 20 });
    const user = 'values-user';
    const features: Features = {
      ...(serde('Features').defaults() as Features),
      userId: user,
      windowStart: T0,
      windowEnd: T0 + 10_000,
      samples: 10,
      hrMean: 131.5,
      hrMin: 120,
      hrMax: 140,
      hrLast: 138,
      maxHr: 190,
      restHr: 60,
      pctMax: 0.69,
      zone: 2,
      zoneSeconds: [0, 10, 0, 0, 0],
      trimpBanister: 0.42,
      rmssd: 31.25,
      traceArrivalMs: 123,
    };
    const readiness: Readiness = {
      userId: user,
      windowEnd: T0 + 10_000,
      score: 71,
      band: 'green',
      factors: [
        { name: 'hr', impact: -4.5, detail: 'high' },
        { name: 'hrv', impact: 2, detail: 'ok' },
      ],
      bpm: 138,
      pctMax: 0.73,
      zone: 3,
      model: 'rules-v1',
      traceArrivalMs: 0,
    };
    const stage = startSink(h.deps, store);
    await h.produce('samples', [
      testSample(T0, 121, { userId: user, rr: [496, 500], steps: 3, speed: 2.5 }),
      // written by a producer outside pulsecoach: ingest would have refused it
      testSample(T0 + 1000, 400, { userId: user }),
    ]);
    // a window without heart rate: "not computable" is NaN in the event, NULL in the history
    await h.produce('features', [
      features,
      { ...features, windowStart: T0 + 10_000, windowEnd: T0 + 20_000, hrMean: Number.NaN, pctMax: Number.NaN },
    ]);
    await h.produce('readiness', [readiness]);
    await h.produce('feedback', [
      { userId: user, suggestionId: 's1', ts: T0 + 20_000, rating: 4, rpe: null, comment: "it's fine", followed: true },
    ]);
    await h.deps.log.produce(topics.triggers.name, [{ key: user, value: Buffer.from([0xff, 0xff, 0xff]) }]);
    await stage.subscription.caughtUp();
    await stage.close();
    const p = { u: user };
    expect(await store.query('SELECT ts, bpm, rr, steps, speed FROM samples WHERE userId = {u:String}', p)).toEqual([
      { ts: T0, bpm: 121, rr: [496, 500], steps: 3, speed: 2.5 },
    ]);
    expect(
      await store.query(
        'SELECT windowEnd, hrMean, hrMax, zoneSeconds, trimpBanister, rmssd, sdnn FROM features WHERE userId = {u:String} ORDER BY windowEnd',
        p,
      ),
    ).toEqual([
      {
        windowEnd: T0 + 10_000,
        hrMean: 131.5,
        hrMax: 140,
        zoneSeconds: [0, 10, 0, 0, 0],
        trimpBanister: 0.42,
        rmssd: 31.25,
        sdnn: null,
      },
      {
        windowEnd: T0 + 20_000,
        hrMean: null,
        hrMax: 140,
        zoneSeconds: [0, 10, 0, 0, 0],
        trimpBanister: 0.42,
        rmssd: 31.25,
        sdnn: null,
      },
    ]);
    expect(
      await store.query('SELECT score, band, factorNames, factorImpacts FROM readiness WHERE userId = {u:String}', p),
    ).toEqual([{ score: 71, band: 'green', factorNames: ['hr', 'hrv'], factorImpacts: [-4.5, 2] }]);
    expect(
      await store.query('SELECT rating, rpe, comment, followed FROM feedback WHERE userId = {u:String}', p),
    ).toEqual([{ rating: 4, rpe: null, comment: "it's fine", followed: 1 }]);
    const dead = await h.read('dlq');
    // (by reason: the two topics' dead letters come in no set order)
    dead.sort((a, b) => a.reason.localeCompare(b.reason));
    expect(dead.map((d) => [d.stage, d.reason, d.detail, d.sourceTopic])).toEqual([
      ['sink', 'invalid', 'bpm: must be an integer 20-250, got 400', topics.samples.name],
      ['sink', 'undecodable', expect.any(String), topics.triggers.name],
    ]);
    expect(await count(store, 'SELECT count() AS n FROM triggers WHERE userId = {u:String}', p)).toBe(0);
  });

  it("stores every window the processor emits: live windows, the session and the UTC day, each with its spec's name and kind", async (ctx) => {
    const store = f.store();
    if (!store) return ctx.skip();
    const h = await f.harness({ sinkBatchAgeMs: 20, windowStagger: false });
    const user = 'windows-user';
    const midnight = Math.ceil(T0 / 86_400_000) * 86_400_000;
    const minute = (from: number) =>
      Array.from({ length: 60 }, (_, i) => testSample(from + i * 1000, 120, { userId: user }));
    // a minute before midnight, then one 15 minutes later: the session (gap 10 min) and the day close
    await h.produce('samples', [...minute(midnight - 60_000), ...minute(midnight + 900_000)]);
    const processor = startProcessor(h.deps);
    await processor.subscription.caughtUp();
    await processor.close();
    const sink = startSink(h.deps, store);
    await sink.subscription.caughtUp();
    await sink.close();
    const emitted = (await h.read('features')).map((x) => ({
      window: x.window,
      kind: x.kind,
      windowStart: x.windowStart,
      windowEnd: x.windowEnd,
      samples: x.samples,
    }));
    // six live windows before midnight and five after (the last still open), a session, a day
    expect(emitted.filter((x) => x.kind === 'tumbling')).toHaveLength(11);
    expect(emitted.filter((x) => x.kind !== 'tumbling')).toEqual([
      { window: 'session', kind: 'session', windowStart: midnight - 60_000, windowEnd: midnight, samples: 60 },
      { window: 'day', kind: 'daily', windowStart: midnight - 86_400_000, windowEnd: midnight, samples: 60 },
    ]);
    const stored = await store.query(
      'SELECT window, kind, windowStart, windowEnd, samples FROM features WHERE userId = {u:String}',
      { u: user },
    );
    const order = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).sort();
    expect(order(stored)).toEqual(order(emitted));
  });

  it('writes nothing twice when every record is delivered again', async (ctx) => {
    const store = f.store();
    if (!store) return ctx.skip();
    const h = await f.harness({ sinkBatchAgeMs: 20, sinkBatchRows: 250 });
    const users = ['re-a', 're-b', 're-c', 're-d', 're-e'];
    for (const u of users) await h.produce('samples', series(u, 0, 300));
    const first = startSink(h.deps, store);
    await first.subscription.caughtUp();
    await first.close();
    const p = { users };
    const stored = () => count(store, 'SELECT count() AS n FROM samples WHERE has({users:Array(String)}, userId)', p);
    expect(await stored()).toBe(1500);
    // a sink of another group reads every record again: all of them are already stored
    const again = startSink(h.deps, store, { group: 'sink-replay' });
    await again.subscription.caughtUp();
    await again.close();
    expect(await stored()).toBe(1500);
    const skipped = await h.deps.metrics.registry.getSingleMetricAsString('pulsecoach_sink_skipped_total');
    expect(skipped).toContain('pulsecoach_sink_skipped_total{table="samples"} 1500');
  });

  it('keeps no high-water marks read before a failed insert: the batch delivered again is stored once', async (ctx) => {
    const real = f.store();
    if (!real) return ctx.skip();
    const logId = `marks-race-${Date.now()}`;
    const record = (partition: number, offset: number) =>
      ({ topic: 't', partition, offset, key: '', value: Buffer.alloc(0), timestamp: 0 }) as const;
    const sample = (partition: number, offset: number) =>
      rowOf('samples', testSample(T0 + offset * 1000, 120, { userId: logId }), record(partition, offset), logId);
    const window = {
      ...(serde('Features').defaults() as Features),
      userId: logId,
      windowStart: T0,
      windowEnd: T0 + 10_000,
    };
    const task0 = () =>
      new Map<HistoryTopic, Row[]>([
        ['samples', [0, 1, 2].map((o) => sample(0, o))],
        ['features', [rowOf('features', window, record(0, 0), logId)]],
      ]);
    const task1 = () => new Map<HistoryTopic, Row[]>([['samples', [sample(1, 0)]]]);

    // the real engine, with faults: the first features insert fails, a samples marks read made
    // while it was under way answers only after that failure (a GROUP BY over a big table is slow), and an
    // insert waits for the marks reads already begun (they saw the table before it)
    let failed!: () => void;
    const failure = new Promise<void>((resolve) => (failed = resolve));
    let featuresFailed = false;
    let marksReads = 0; // of samples
    const reading = new Set<Promise<unknown>>();
    const store: Store = {
      info: real.info,
      exec: (sql, params) => real.exec(sql, params),
      ping: () => real.ping(),
      close: async () => undefined,
      async query<T>(sql: string, params?: QueryParams): Promise<T[]> {
        const samplesMarks = sql.includes('max(sourceOffset)') && sql.includes('FROM samples ');
        const result = real.query<T>(sql, params);
        reading.add(result);
        const rows = await result.finally(() => reading.delete(result));
        if (samplesMarks && ++marksReads > 1 && !featuresFailed) {
          await failure;
          await new Promise((resolve) => setImmediate(resolve)); // after the writer has seen it
        }
        return rows;
      },
      async insert(table, rows) {
        await Promise.allSettled([...reading]);
        if (table === 'features' && !featuresFailed) {
          featuresFailed = true;
          failed();
          throw new StoreError('too many parts (injected)');
        }
        return real.insert(table, rows);
      },
    };
    const h = await f.harness({});
    const writer = new HistoryWriter(store, h.deps.metrics, h.deps.logger, { logId, batchRows: 1, batchAgeMs: 60_000 });
    // two tasks' batches at once: two flushes; task 0's samples land, its features do not
    const first = await Promise.allSettled([writer.write(task0()), writer.write(task1())]);
    expect(first.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
    // the log delivers task 0's batch again
    await writer.write(task0());
    const stored = (table: string) =>
      real.query<{ p: number; o: number }>(
        `SELECT sourcePartition AS p, sourceOffset AS o FROM ${table} WHERE sourceLog = {log:String} ORDER BY p, o`,
        { log: logId },
      );
    const rows = (list: { p: number; o: number }[]) => list.map((r) => `${r.p}:${r.o}`);
    expect(rows(await stored('samples'))).toEqual(['0:0', '0:1', '0:2', '1:0']);
    expect(rows(await stored('features'))).toEqual(['0:0']);
  });
});

/** Only a server this process started can be stopped and started again. */
describe('sink into a ClickHouse server that stops mid-stream', () => {
  const backend = storeBackends().find((b) => b.name === 'ClickHouse server')!;
  const f = sinkFixture(backend);

  it('loses and doubles nothing when the server comes back', async (ctx) => {
    const server = backend.service();
    const store = f.store();
    if (!store || !server?.stop || !server.start) return ctx.skip();
    const h = await f.harness({ sinkBatchAgeMs: 20, sinkBatchRows: 200 });
    const users = ['down-a', 'down-b', 'down-c'];
    const stage = startSink(h.deps, store);
    const round = async (r: number) => {
      for (const u of users) await h.produce('samples', series(u, r * 50, 50));
    };
    const stored = () =>
      count(store, 'SELECT count() AS n FROM samples WHERE has({users:Array(String)}, userId)', { users });
    for (let r = 0; r < 3; r++) await round(r);
    await until(stored, (n) => n === 450);
    await server.stop();
    for (let r = 3; r < 6; r++) await round(r);
    // the sink keeps failing while the server is down; nothing is acknowledged past the last insert
    await until(
      async () => await h.deps.metrics.registry.getSingleMetricAsString('pulsecoach_sink_insert_failures_total'),
      (text) => /insert_failures_total\{table="samples"\} [1-9]/.test(text),
    );
    await server.start();
    for (let r = 6; r < 8; r++) await round(r);
    await stage.subscription.caughtUp();
    await stage.close();
    expect(await stored()).toBe(1200);
    const distinct = await count(
      store,
      'SELECT count() AS n FROM (SELECT DISTINCT userId, ts FROM samples WHERE has({users:Array(String)}, userId))',
      { users },
    );
    expect(distinct).toBe(1200);
    const minutes = await store.query<{ n: number }>(
      'SELECT countMerge(hrCount) AS n FROM samples_minute WHERE has({users:Array(String)}, userId)',
      { users },
    );
    expect(Number(minutes[0]!.n)).toBe(1200);
  }, 120_000);
});
