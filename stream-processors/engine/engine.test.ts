import { describe, expect, it } from 'vitest';
import { parseWindowSpecs } from '../../platform/window-specs.ts';
import type { Features } from '../../schemas/index.ts';
import { updateLoad } from '../features/load.ts';
import { mergeValues } from '../features/pooled-values.ts';
import { summarise, type FeatureValues, type Personal, type SeriesSample } from '../features/window-summary.ts';
import avro from 'avsc';
import { DEFAULT_MAX_HR, DEFAULT_REST_HR, WindowEngine, windowPhase, type EngineOptions } from './engine.ts';
import { deviceHash, userStreamSchema, userStreamSchemaV2, type UserStreamRecord } from './user-stream.ts';
import type { EngineSample } from './sample-buffer.ts';
import { testSample } from '../test-samples.ts';

const T0 = 1_700_000_000_000; // a multiple of 10 s
const DAY = 86_400_000;
const D = 19_676 * DAY; // a UTC midnight (2023-11-15)
const OPTS: EngineOptions = {
  outOfOrderMs: 5000,
  graceMs: 0,
  staggered: false,
  zoneBasis: 'max',
  rrCorrection: 'auto',
};

const sample = (ts: number, bpm: number | null, o: Partial<EngineSample> = {}): EngineSample => testSample(ts, bpm, o);

/** `n` readings 1 s apart from `from`, bpm by index. */
const run = (from: number, n: number, bpm: (i: number) => number | null = () => 120, o: Partial<EngineSample> = {}) =>
  Array.from({ length: n }, (_, i) => sample(from + i * 1000, bpm(i), o));

const asSeries = (s: EngineSample[]): SeriesSample[] =>
  [...s]
    .sort((a, b) => a.ts - b.ts)
    .map(({ ts, bpm, rr, cadence, power, speed, steps }) => ({ ts, bpm, rr, cadence, power, speed, steps }));

function setup(specs = 'live=tumbling:10s', opts: Partial<EngineOptions> = {}, userId = 'u1') {
  const engine = new WindowEngine(parseWindowSpecs(specs), { ...OPTS, ...opts });
  const st = engine.newStream(userId);
  const out: Features[] = [];
  const emit = (f: Features) => void out.push(f);
  const add = (...samples: EngineSample[]) => samples.map((s) => engine.add(st, s, emit));
  const of = (window: string) => out.filter((f) => f.window === window);
  return { engine, st, out, emit, add, of };
}

/** The personalisation without a profile. */
const DEFAULT_P: Personal = { maxHr: DEFAULT_MAX_HR, restHr: DEFAULT_REST_HR, sex: 'm', zoneBasis: 'max' };

describe('WindowEngine: tumbling windows', () => {
  it('closes a window when the watermark (newest ts − out-of-orderness) passes its end', () => {
    const { add, out } = setup();
    const first = run(T0, 10, (i) => 100 + 10 * i);
    expect(add(...first, sample(T0 + 14_999, 100))).toEqual(Array(11).fill('added'));
    expect(out).toHaveLength(0);
    add(sample(T0 + 15_000, 100));
    expect(out).toHaveLength(1);
    const f = out[0]!;
    expect(f).toMatchObject({
      userId: 'u1',
      window: 'live',
      kind: 'tumbling',
      windowStart: T0,
      windowEnd: T0 + 10_000,
      samples: 10,
      hrMean: 145,
      hrMin: 100,
      hrMax: 190,
      hrLast: 190,
      maxHr: DEFAULT_MAX_HR,
      restHr: DEFAULT_REST_HR,
      // the arrival of the reading that closed it
      traceArrivalMs: T0 + 15_100,
      atl: null,
      restHrEstimate: null,
    });
    // every feature is summarise's of the window's readings, the last one holding until the end
    const { traceArrivalMs: _t, userId: _u, window: _w, kind: _k, windowStart: _s, windowEnd: _e, ...values } = f;
    expect(values).toMatchObject(summarise(asSeries(first), DEFAULT_P, { endTs: T0 + 10_000, rrCorrection: 'auto' }));
    expect(f.durationSec).toBe(10);
  });

  it('includes readings out of order within the bound, in ts order', () => {
    const readings = run(T0, 20, (i) => 60 + 5 * i).map((s, i) => ({ ...s, rr: [900 + 40 * (i % 3), 880] }));
    const shuffled = [3, 0, 2, 1, 7, 4, 6, 5, 9, 8, 12, 10, 14, 11, 13, 17, 15, 19, 16, 18].map((i) => readings[i]!);
    const inOrder = setup();
    const outOfOrder = setup();
    const tail = [sample(T0 + 30_000, 60)];
    expect(inOrder.add(...readings, ...tail)).not.toContain('late');
    expect(outOfOrder.add(...shuffled, ...tail)).not.toContain('late');
    const strip = (fs: Features[]) => fs.map(({ traceArrivalMs: _, ...f }) => f);
    expect(outOfOrder.out).toHaveLength(2);
    expect(strip(outOfOrder.out)).toEqual(strip(inOrder.out));
    // hrLast is the newest reading's, not the last to arrive
    expect(outOfOrder.out[0]!.hrLast).toBe(60 + 5 * 9);
    expect(outOfOrder.out[1]!.samples).toBe(10);
  });

  it('rejects a reading more than the out-of-orderness behind the newest as late, and does not count it', () => {
    const { add, out } = setup();
    add(...run(T0, 21));
    // newest T0 + 20 s: the horizon is T0 + 15 s
    expect(add(sample(T0 + 14_999, 200))).toEqual(['late']);
    expect(add(sample(T0 + 15_000, 200, { deviceId: 'd2' }))).toEqual(['added']);
    add(sample(T0 + 40_000, 120));
    expect(out.map((f) => [f.windowStart - T0, f.samples, f.hrMax])).toEqual([
      [0, 10, 120],
      [10_000, 11, 200],
      [20_000, 1, 120],
    ]);
  });

  it('grace delays firing and admits readings that far behind the watermark', () => {
    const { add, out } = setup('live=tumbling:10s', { graceMs: 3000 });
    add(...run(T0, 18));
    // newest T0 + 17 s: would have fired without grace; the horizon is T0 + 9 s
    expect(out).toHaveLength(0);
    expect(add(sample(T0 + 9500, 180, { deviceId: 'd2' }))).toEqual(['added']);
    expect(add(sample(T0 + 8999, 180, { deviceId: 'd2' }))).toEqual(['late']);
    add(sample(T0 + 18_000, 120));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ windowStart: T0, samples: 11, hrMax: 180, hrLast: 180 });
  });

  it('drops a duplicate (same device and ts) and keeps the same ts from another device', () => {
    const { add, out } = setup();
    expect(add(sample(T0, 100), sample(T0, 110))).toEqual(['added', 'duplicate']);
    expect(add(sample(T0, 120, { deviceId: 'strap' }), sample(T0, 130, { deviceId: 'strap' }))).toEqual([
      'added',
      'duplicate',
    ]);
    // still a duplicate once readings carry their device
    expect(add(sample(T0, 140), sample(T0 + 1000, 100), sample(T0 + 1000, 100))).toEqual([
      'duplicate',
      'added',
      'duplicate',
    ]);
    add(sample(T0 + 20_000, 100));
    expect(out[0]).toMatchObject({ samples: 3, hrCount: 3, hrMin: 100, hrMax: 120 });
    expect(out[0]!.hrMean).toBeCloseTo(320 / 3, 12);
  });

  it('orders readings of the same instant by device, not by arrival', () => {
    const watch = run(T0, 10, (i) => 100 + i, { deviceId: 'watch' }).map((s, i) => ({ ...s, rr: [600 + 10 * i] }));
    const strap = run(T0, 10, (i) => 140 - i, { deviceId: 'strap' }).map((s, i) => ({ ...s, rr: [500 - 10 * i] }));
    const a = setup();
    const b = setup();
    a.add(...watch.flatMap((w, i) => [w, strap[i]!]), sample(T0 + 20_000, 100));
    b.add(...watch.flatMap((w, i) => [strap[i]!, w]), sample(T0 + 20_000, 100));
    expect(a.out).toHaveLength(1);
    expect(a.out[0]!.samples).toBe(20);
    expect(b.out).toEqual(a.out);
  });

  it("keeps the channels of a user's first reading, and of the first after the buffer emptied", () => {
    const { add, of } = setup();
    const withCadence = (from: number) => run(from, 10, () => 120, { cadence: 80, power: 200, speed: 3 });
    add(...withCadence(T0), ...withCadence(T0 + 60_000), sample(T0 + 100_000, 120));
    for (const f of of('live')) {
      expect(f).toMatchObject({ cadenceCount: 10, cadenceMean: 80, powerCount: 10, powerMax: 200, speedCount: 10 });
    }
    expect(of('live')).toHaveLength(2);
  });

  it('holds channels that appear mid-window, out of order, from a second device, as the sorted series', () => {
    // readings 1 s apart; a foot pod (steps, cadence) joins at 4 s, a power meter at 6 s, and two
    // readings arrive late (within the bound); the strap's RR intervals on every other reading; a
    // watch reads at 5 s too, with other values (readings of one instant go in device order)
    const readings = run(T0, 10, (i) => 120 + i).map((s, i) => ({
      ...s,
      rr: i % 2 === 0 ? [500 - i, 505 - i] : [],
      cadence: i >= 4 ? 80 + i : null,
      steps: i >= 4 ? 1000 + 3 * i : null,
      power: i >= 6 ? 200 + i : null,
    }));
    const watch = sample(T0 + 5000, 90, { deviceId: 'watch', speed: 3.5, rr: [700] });
    const arrival = [0, 1, 2, 3, 4, 6, 7, 5, 8, 9].map((i) => readings[i]!);
    const { add, out, st, engine } = setup();
    add(...arrival.slice(0, 6), watch, ...arrival.slice(6));
    // a restore mid-window gives the same stream: it saves as the same bytes, and closes the same window
    const type = avro.Type.forSchema(userStreamSchema as avro.Schema);
    const saved = type.toBuffer(st);
    const restored = engine.revive(type.fromBuffer(saved) as UserStreamRecord);
    expect(type.toBuffer(restored)).toEqual(saved);
    const emitted: Features[] = [];
    engine.add(restored, sample(T0 + 20_000, 100), (f) => void emitted.push(f));
    add(sample(T0 + 20_000, 100));
    const inOrder = [...readings, watch].sort((a, b) => a.ts - b.ts || deviceHash(a.deviceId) - deviceHash(b.deviceId));
    const expected = summarise(asSeries(inOrder), DEFAULT_P, { endTs: T0 + 10_000 });
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject(expected);
    expect(out[0]).toMatchObject({
      samples: 11,
      cadenceCount: 6,
      powerCount: 4,
      speedCount: 1,
      steps: 15,
      rrCount: 11,
    });
    expect(emitted).toEqual(out);
  });

  it('a restore under other window specs keeps the live windows, and starts a new spec after the horizon', () => {
    const type = avro.Type.forSchema(userStreamSchema as avro.Schema);
    const before = setup('live=tumbling:10s,day=daily');
    before.add(...run(T0, 25, (i) => 110 + i));
    const saved = type.fromBuffer(type.toBuffer(before.st)) as UserStreamRecord;
    const horizon = before.engine.horizon(before.st);
    // the same engine carries on; another, with a hopping spec added, restores the snapshot
    const after = setup('live=tumbling:10s,h=hopping:30s/10s,day=daily');
    const restored = after.engine.revive(saved);
    const later = run(T0 + 25_000, 40, (i) => 130 + (i % 5));
    before.add(...later);
    for (const s of later) after.engine.add(restored, s, after.emit);
    const liveBefore = before.of('live').filter((f) => f.windowEnd > horizon);
    expect(after.of('live')).toEqual(liveBefore);
    const hopping = after.of('h');
    expect(hopping.length).toBeGreaterThan(0);
    expect(hopping[0]!.windowEnd).toBeGreaterThan(horizon);
    for (const f of hopping) expect(f).toMatchObject({ maxHr: DEFAULT_MAX_HR, restHr: DEFAULT_REST_HR });
  });

  it('restores a stream saved before the resting-HR minute (checkpoint version 2) and carries on', () => {
    const v2 = avro.Type.forSchema(userStreamSchemaV2 as avro.Schema);
    const type = avro.Type.forSchema(userStreamSchema as avro.Schema);
    const before = setup('live=tumbling:10s,day=daily');
    before.add(...run(T0, 25, (i) => 110 + i));
    // bytes as version 2 wrote them, read with its schema resolved to today's
    const saved = type.fromBuffer(v2.toBuffer(before.st), type.createResolver(v2)) as UserStreamRecord;
    expect(saved.minute).toEqual([]);
    const after = setup('live=tumbling:10s,day=daily');
    const restored = after.engine.revive(saved);
    const later = run(T0 + 25_000, 40, (i) => 130 + (i % 5));
    const horizon = before.engine.horizon(before.st);
    before.add(...later);
    for (const s of later) after.engine.add(restored, s, after.emit);
    expect(after.of('live')).toEqual(before.of('live').filter((f) => f.windowEnd > horizon));
  });

  it('counts the step counter across live windows: every step once', () => {
    // a hopping spec holds older readings longer than the live one does
    for (const specs of ['live=tumbling:10s', 'live=tumbling:10s,hrv=hopping:30s/10s']) {
      const { add, of } = setup(specs);
      add(...run(T0, 60).map((s, i) => ({ ...s, steps: 1000 + 3 * i })));
      add(...run(T0 + 60_000, 14).map((s, i) => ({ ...s, steps: 1180 + 2 * i })));
      // a jump: the windows [60 s, 70 s) and [70 s, 80 s) close at once
      add(sample(T0 + 100_000, 100, { steps: 1300 }));
      add(sample(T0 + 120_000, 100, { steps: 1310 }));
      const live = of('live');
      expect(live.map((f) => (f.windowStart - T0) / 1000)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 100]);
      // the first window counts from its first reading; each later one from the previous window's last
      expect(
        live.map((f) => f.steps),
        specs,
      ).toEqual([27, 30, 30, 30, 30, 30, 21, 8, 94]);
    }
  });

  it('takes the profile: HRmax, resting HR and sex (Banister weighting)', () => {
    const { add, out, st, engine } = setup();
    expect(engine.personal(st)).toEqual(DEFAULT_P);
    st.maxHr = 180;
    st.restHr = 50;
    st.sex = 2;
    const p: Personal = { maxHr: 180, restHr: 50, sex: 'f', zoneBasis: 'max' };
    expect(engine.personal(st)).toEqual(p);
    const readings = run(T0, 10, (i) => 120 + 5 * i);
    add(...readings, sample(T0 + 15_000, 100));
    const f = out[0]!;
    const v = summarise(asSeries(readings), p, { endTs: T0 + 10_000 });
    expect(f).toMatchObject({ maxHr: 180, restHr: 50, pctMax: (142.5 / 180) * 100, zone: 3 });
    expect(f.trimpBanister).toBe(v.trimpBanister);
    expect(f.trimpBanister).not.toBe(
      summarise(asSeries(readings), { ...p, sex: 'm' }, { endTs: T0 + 10_000 }).trimpBanister,
    );
    expect(f.zoneSeconds).toEqual(v.zoneSeconds);
    expect(f.pctHrr).toBeCloseTo(((142.5 - 50) / 130) * 100, 12);
    // zones by reserve
    const r = setup('live=tumbling:10s', { zoneBasis: 'reserve' });
    r.st.maxHr = 180;
    r.st.restHr = 50;
    r.add(...readings, sample(T0 + 15_000, 100));
    expect(r.out[0]!.zoneSeconds).toEqual(
      summarise(asSeries(readings), { ...p, sex: 'm', zoneBasis: 'reserve' }, { endTs: T0 + 10_000 }).zoneSeconds,
    );
    expect(r.out[0]!.zoneSeconds).not.toEqual(f.zoneSeconds);
    // 142.5 bpm: 79 % of HRmax, 71 % of the reserve
    expect(r.out[0]!.zone).toBe(3);
    expect(f.zone).toBe(3);
  });
});

describe('WindowEngine: a profile that leaves no heart-rate reserve', () => {
  it('takes the resting HR only below HRmax, and an HRmax only above resting rates', () => {
    const { add, out, st, engine } = setup();
    // (from the log: a profile on pulse.profiles.v1 may not have passed the API's checks)
    st.maxHr = 110;
    st.restHr = 110;
    expect(engine.personal(st)).toMatchObject({ maxHr: 110, restHr: DEFAULT_REST_HR });
    st.restHr = 120;
    expect(engine.personal(st)).toMatchObject({ maxHr: 110, restHr: DEFAULT_REST_HR });
    // a day's estimate is not taken either when it leaves no reserve
    st.restHr = 0;
    st.restEstimate = 110;
    expect(engine.personal(st).restHr).toBe(DEFAULT_REST_HR);
    st.restEstimate = 58;
    expect(engine.personal(st).restHr).toBe(58);
    st.maxHr = 55;
    expect(engine.personal(st)).toMatchObject({ maxHr: DEFAULT_MAX_HR, restHr: 58 });
    st.maxHr = 110;
    st.restHr = 110;
    add(...run(T0, 10, () => 110), sample(T0 + 15_000, 110));
    // % HRR and Banister TRIMP against the day's estimate, 58: finite
    expect(out[0]).toMatchObject({ maxHr: 110, restHr: 58, pctHrr: 100 });
    expect(Number.isFinite(out[0]!.trimpBanister)).toBe(true);
    expect(out[0]!.trimpBanister).toBeGreaterThan(0);
  });
});

describe('WindowEngine: hopping windows', () => {
  it('30 s windows every 10 s: each reading is in three of them', () => {
    const { add, of } = setup('live=tumbling:10s,hrv=hopping:30s/10s');
    const readings = run(T0, 60, (i) => 60 + i);
    add(...readings, sample(T0 + 100_000, 60));
    const hrv = of('hrv');
    expect(hrv.map((f) => [f.windowStart - T0, f.windowEnd - T0, f.samples])).toEqual([
      [-20_000, 10_000, 10],
      [-10_000, 20_000, 20],
      [0, 30_000, 30],
      [10_000, 40_000, 30],
      [20_000, 50_000, 30],
      [30_000, 60_000, 30],
      [40_000, 70_000, 20],
      [50_000, 80_000, 10],
    ]);
    expect(hrv.every((f) => f.kind === 'hopping')).toBe(true);
    // the reading at T0 + 25 s
    expect(hrv.filter((f) => f.windowStart <= T0 + 25_000 && T0 + 25_000 < f.windowEnd)).toHaveLength(3);
    expect(hrv.reduce((a, f) => a + f.samples, 0)).toBe(3 * 60);
    const w = hrv[3]!;
    expect(w.hrMean).toBe(60 + (10 + 39) / 2);
    expect(w.hrMin).toBe(70);
    expect(w.hrLast).toBe(99);
    const values = summarise(asSeries(readings.slice(10, 40)), DEFAULT_P, { endTs: T0 + 40_000 });
    expect(w.trimpBanister).toBe(values.trimpBanister);
    expect(w.zoneSeconds).toEqual(values.zoneSeconds);
    // the live windows are unaffected by the hopping spec
    expect(of('live').map((f) => f.samples)).toEqual([10, 10, 10, 10, 10, 10]);
  });
});

describe('WindowEngine: sessions', () => {
  it('a gap over the session gap closes the session and starts another; sessions pool the live windows', () => {
    const { add, of } = setup('live=tumbling:10s,session=session:1m');
    const first = [...run(T0, 25, (i) => 100 + i), ...run(T0 + 70_000, 10, () => 150)]; // a 46 s gap: same session
    const second = run(T0 + 200_000, 20, () => 90);
    add(...first);
    expect(of('session')).toHaveLength(0);
    add(...second);
    // the first closed once the watermark passed its last reading + the gap
    expect(of('session')).toHaveLength(1);
    add(sample(T0 + 400_000, 90));
    const sessions = of('session');
    expect(sessions).toHaveLength(2);
    expect(sessions.map((f) => [f.windowStart - T0, f.windowEnd - T0, f.samples, f.kind])).toEqual([
      [0, 80_000, 35, 'session'],
      [200_000, 220_000, 20, 'session'],
    ]);
    const live = of('live');
    const inFirst = live.filter((f) => f.windowEnd <= T0 + 80_000);
    expect(inFirst.map((f) => f.samples)).toEqual([10, 10, 5, 10]);
    const s = sessions[0]!;
    expect(s.samples).toBe(inFirst.reduce((a, f) => a + f.samples, 0));
    expect(s.hrMean).toBeCloseTo((25 * 112 + 10 * 150) / 35, 10);
    expect(s.hrMin).toBe(100);
    expect(s.hrMax).toBe(150);
    expect(s.hrLast).toBe(150);
    expect(s.durationSec).toBe(inFirst.reduce((a, f) => a + f.durationSec, 0));
    expect(s.trimpBanister).toBeCloseTo(
      inFirst.reduce((a, f) => a + f.trimpBanister, 0),
      12,
    );
    // exactly mergeValues of its live windows, in order
    const pooled = inFirst.slice(1).reduce<FeatureValues>((a, b) => mergeValues(a, b, DEFAULT_P), inFirst[0]!);
    expect(s).toMatchObject({ ...pooled, drift: null });
    expect(sessions[1]!.hrMean).toBe(90);
  });
});

describe('WindowEngine: daily windows', () => {
  it('closes a day at the UTC day boundary', () => {
    const { add, of } = setup('live=tumbling:10s,day=daily');
    add(...run(D - 20_000, 20), ...run(D, 5));
    expect(of('day')).toHaveLength(0);
    add(sample(D + 5000, 120));
    expect(of('day')).toHaveLength(1);
    expect(of('day')[0]).toMatchObject({
      window: 'day',
      kind: 'daily',
      windowStart: D - DAY,
      windowEnd: D,
      samples: 20,
    });
  });

  it("moves ATL/CTL with each day's load (a rest day in between counts 0) and estimates resting HR", () => {
    const { add, of, st, engine, emit } = setup('live=tumbling:10s,hrv=hopping:60s/10s,day=daily');
    const morning = D + 8 * 3_600_000;
    // day 1: two calm minutes at 53 bpm, then two hard ones
    add(...run(morning, 120, () => 53), ...run(morning + 120_000, 120, () => 165));
    // day 3 (day 2 is a rest day): a stable 90 s at 58, then an easy minute
    const day3 = morning + 2 * DAY;
    add(...run(day3, 90, () => 58), ...run(day3 + 90_000, 60, () => 120));
    expect(of('day')).toHaveLength(1);
    engine.idle(st, 'u1', day3 + DAY, 60_000, emit);
    const days = of('day');
    expect(days).toHaveLength(2);
    const [d1, d3] = days as [Features, Features];
    const live = of('live');
    const live1 = live.filter((f) => f.windowEnd <= D + DAY);
    const live3 = live.filter((f) => f.windowStart >= D + 2 * DAY);
    expect(live1.length + live3.length).toBe(live.length);
    expect(d1).toMatchObject({ windowStart: D, windowEnd: D + DAY, samples: 240 });
    expect(d3).toMatchObject({ windowStart: D + 2 * DAY, windowEnd: D + 3 * DAY, samples: 150 });
    // a day's load is its live windows' Banister TRIMP
    expect(d1.trimpBanister).toBeCloseTo(
      live1.reduce((a, f) => a + f.trimpBanister, 0),
      10,
    );
    expect(d1.trimpBanister).toBeGreaterThan(1);
    const load1 = updateLoad({ atl: 0, ctl: 0 }, d1.trimpBanister);
    expect(d1.atl).toBeCloseTo(load1.atl, 12);
    expect(d1.ctl).toBeCloseTo(load1.ctl, 12);
    expect(d1.acwr).toBeCloseTo(load1.acwr!, 12);
    expect(d1.form).toBeCloseTo(load1.form, 12);
    const load3 = updateLoad(updateLoad(load1, 0), d3.trimpBanister);
    expect(d3.atl).toBeCloseTo(load3.atl, 12);
    expect(d3.ctl).toBeCloseTo(load3.ctl, 12);
    expect(d3.acwr).toBeCloseTo(load3.acwr!, 12);
    expect(d3.form).toBeCloseTo(load3.form, 12);
    // not as if day 3 followed day 1 directly
    expect(d3.atl).not.toBeCloseTo(updateLoad(load1, d3.trimpBanister).atl, 6);
    // the lowest stable (SD < 3) 60 s mean of the day's 60 s hopping windows
    expect(d1.restHrEstimate).toBe(53);
    expect(d3.restHrEstimate).toBe(58);
    // day 1's windows used the default resting HR; day 3's day 1's estimate
    expect(live1.every((f) => f.restHr === DEFAULT_REST_HR)).toBe(true);
    expect(live3.every((f) => f.restHr === 53)).toBe(true);
    expect(engine.personal(st).restHr).toBe(58);
    // the profile's resting HR wins over the estimate
    st.restHr = 49;
    expect(engine.personal(st).restHr).toBe(49);
    expect(engine.quiet(st)).toBe(true);
  });

  it('takes no calm minute above 100 bpm for resting HR: a workout-only day has no estimate', () => {
    const { add, of, st, engine, emit } = setup('live=tumbling:10s,hrv=hopping:60s/10s,day=daily');
    st.maxHr = 150;
    add(...run(D + 3_600_000, 600, () => 150));
    engine.idle(st, 'u1', D + DAY + 3_600_000, 60_000, emit);
    expect(of('day')[0]!.restHrEstimate).toBeNull();
    expect(engine.personal(st).restHr).toBe(DEFAULT_REST_HR);
  });

  it('estimates resting HR from minutes of live windows when no spec is a minute long (the default windows)', () => {
    const { add, of, st, engine, emit } = setup('live=tumbling:10s,session=session:10m,day=daily');
    const t = D + 3_600_000;
    add(
      // a calm minute, but a reading missing for 8 s in it: not covered
      ...run(t, 30, () => 50),
      ...run(t + 38_000, 22, () => 50),
      // two minutes alternating 48 and 58 bpm: SD 5, not stable
      ...run(t + 60_000, 120, (i) => (i % 2 ? 48 : 58)),
      // three steady minutes at 55, then harder work
      ...run(t + 180_000, 180, () => 55),
      ...run(t + 360_000, 120, () => 140),
    );
    engine.idle(st, 'u1', D + DAY + 3_600_000, 60_000, emit);
    expect(of('day')).toHaveLength(1);
    expect(of('day')[0]!.restHrEstimate).toBe(55);
    expect(of('day')[0]!.atl).toBeCloseTo(updateLoad({ atl: 0, ctl: 0 }, of('day')[0]!.trimpBanister).atl, 12);
    expect(engine.personal(st).restHr).toBe(55);
  });

  it('a minute-long window that began before midnight does not count for the next day', () => {
    const { add, of, st, engine, emit } = setup('live=tumbling:10s,hrv=hopping:60s/10s,day=daily');
    // 90 s at 50 up to midnight, a few readings after it
    add(...run(D + DAY - 90_000, 90, () => 50), ...run(D + DAY, 5, () => 80));
    engine.idle(st, 'u1', D + 3 * DAY, 60_000, emit);
    expect(of('day').map((f) => f.restHrEstimate)).toEqual([50, null]);
  });

  it('a minute of live windows does not reach across a gap or into the next day', () => {
    const { add, of, st, engine, emit } = setup('live=tumbling:10s,day=daily');
    // 30 s at 52 before midnight and 30 s after: no minute in either day
    add(...run(D + DAY - 30_000, 60, () => 52));
    // 30 s at 51, 20 s without readings, 30 s at 51
    add(...run(D + DAY + 3_600_000, 30, () => 51), ...run(D + DAY + 3_650_000, 30, () => 51));
    engine.idle(st, 'u1', D + 3 * DAY, 60_000, emit);
    expect(of('day').map((f) => f.restHrEstimate)).toEqual([null, null]);
  });
});

describe('WindowEngine: staggered windows', () => {
  it("starts each user's windows at the user's phase", () => {
    const users = ['alice', 'bob'];
    expect(windowPhase('alice', 10_000)).not.toBe(windowPhase('bob', 10_000));
    for (const userId of users) {
      const { add, of } = setup('live=tumbling:10s,hrv=hopping:30s/10s', { staggered: true }, userId);
      add(...run(T0, 60, () => 120, { userId }), sample(T0 + 120_000, 120, { userId }));
      const phase = windowPhase(userId, 10_000);
      const live = of('live');
      expect(live.length).toBeGreaterThanOrEqual(6);
      for (const f of live) {
        expect(((f.windowStart % 10_000) + 10_000) % 10_000).toBe(phase);
        expect(f.windowEnd - f.windowStart).toBe(10_000);
        expect(f.userId).toBe(userId);
      }
      // the first window holds the readings from T0 to its end
      expect(live[0]!.windowStart).toBe(T0 + phase - 10_000);
      expect(live[0]!.samples).toBe(Math.ceil(phase / 1000));
      expect(live.reduce((a, f) => a + f.samples, 0)).toBe(60);
      for (const f of of('hrv')) {
        expect(((f.windowEnd % 10_000) + 10_000) % 10_000).toBe(windowPhase(userId, 10_000));
        expect(f.windowEnd - f.windowStart).toBe(30_000);
      }
      expect(of('hrv').reduce((a, f) => a + f.samples, 0)).toBe(180);
    }
  });

  it('unstaggered windows start on the epoch grid', () => {
    const { add, of } = setup();
    add(...run(T0 + 3000, 20, () => 120, { userId: 'alice' }), sample(T0 + 60_000, 120, { userId: 'alice' }));
    expect(of('live').map((f) => f.windowStart - T0)).toEqual([0, 10_000, 20_000]);
  });
});

describe('WindowEngine: idle users', () => {
  it('idle() closes the open windows, session and day; earlier readings are late afterwards', () => {
    const { add, of, st, engine, emit } = setup('live=tumbling:10s,session=session:1m,day=daily');
    add(...run(T0, 13));
    expect(of('live')).toHaveLength(0);
    // stream time T0 + 40 s with a 60 s idle timeout: the windows holding readings close anyway
    engine.idle(st, 'u1', T0 + 40_000, 60_000, emit);
    expect(of('live').map((f) => [f.windowStart - T0, f.samples, f.traceArrivalMs])).toEqual([
      [0, 10, 0],
      [10_000, 3, 0],
    ]);
    expect(of('session')).toHaveLength(0);
    expect(engine.horizon(st)).toBe(T0 + 20_000);
    expect(add(sample(T0 + 19_999, 120, { deviceId: 'd2' }))).toEqual(['late']);
    // the session stays open until the watermark passes its last reading + the gap
    engine.idle(st, 'u1', T0 + 100_000, 60_000, emit);
    expect(of('session')).toHaveLength(0);
    expect(engine.horizon(st)).toBe(T0 + 40_000);
    expect(add(sample(T0 + 39_999, 120))).toEqual(['late']);
    expect(add(sample(T0 + 40_000, 120))).toEqual(['added']);
    engine.idle(st, 'u1', T0 + 200_000, 60_000, emit);
    expect(of('session').map((f) => [f.windowStart - T0, f.windowEnd - T0, f.samples])).toEqual([[0, 50_000, 14]]);
    expect(of('live')).toHaveLength(3);
    expect(of('day')).toHaveLength(0);
    expect(engine.quiet(st)).toBe(false);
    engine.idle(st, 'u1', D + 120_000, 60_000, emit);
    expect(of('day').map((f) => [f.windowStart, f.samples])).toEqual([[D - DAY, 14]]);
    expect(engine.quiet(st)).toBe(true);
    // an idle call that closes nothing new is a no-op
    const n = of('live').length + of('session').length + of('day').length;
    engine.idle(st, 'u1', D + 120_000, 60_000, emit);
    expect(of('live').length + of('session').length + of('day').length).toBe(n);
  });
});

describe('time across live window boundaries', () => {
  it('credits the time from a window start to its first reading to the reading before it', () => {
    const { engine, st, add, of, emit } = setup('live=tumbling:10s,session=session:10m');
    // 60 readings at 0.3 s past each second: every window starts 0.3 s before its first reading
    add(...run(T0 + 300, 60, (i) => (i < 30 ? 120 : 150)));
    engine.idle(st, 'u1', T0 + 3_600_000, 30_000, emit);
    const live = of('live');
    expect(live).toHaveLength(6);
    // from the first reading (0.3 s) to the last window's end (60 s), nothing lost in between
    expect(live.reduce((a, f) => a + f.durationSec, 0)).toBeCloseTo(59.7, 9);
    // the window [30 s, 40 s) starts with 0.3 s of the previous window's last reading (120 bpm)
    expect(live[3]!.durationSec).toBeCloseTo(10, 9);
    expect(of('session')[0]!.durationSec).toBeCloseTo(59.7, 9);
  });

  it("credits a reading's time up to the max gap into the next window, across a dropout or a window without heart rate", () => {
    const { engine, st, add, of, emit } = setup();
    // 0.3 s … 7.3 s, a dropout, then 15 s … 19 s; then readings without heart rate in [20 s, 30 s)
    add(...run(T0 + 300, 8), ...run(T0 + 15_000, 5), ...run(T0 + 20_500, 3, () => null, { speed: 3 }));
    engine.idle(st, 'u1', T0 + 3_600_000, 30_000, emit);
    // the 7.3 s reading holds 5 s in one long series: 2.7 s of it in the first window, 2.3 s in the
    // second; the 19 s reading holds 1 s in the second and 4 s in the third
    expect(of('live').map((f) => f.durationSec)).toEqual([
      expect.closeTo(9.7, 9),
      expect.closeTo(7.3, 9),
      expect.closeTo(4, 9),
    ]);
    expect(of('live')[2]!.hrCount).toBe(0);
  });

  it('counts what a reading holds of live windows without any reading into the session and day, as one long series does', () => {
    const { engine, st, add, of, emit } = setup('live=tumbling:10s,session=session:10m,day=daily');
    // 0.3 s … 7.3 s at 150 bpm, nothing in [10 s, 20 s), then 25.3 s … 29.3 s at 120 bpm
    const readings = [...run(T0 + 300, 8, () => 150), ...run(T0 + 25_300, 5)];
    add(...readings);
    engine.idle(st, 'u1', T0 + DAY + 3_600_000, 30_000, emit);
    // the 7.3 s reading holds 5 s: 2.7 s in the first window, 2.3 s in the one without readings
    expect(of('live').map((f) => f.durationSec)).toEqual([expect.closeTo(9.7, 9), expect.closeTo(4.7, 9)]);
    // the series to the last window's end, whose last reading holds until then as the live one's does
    const whole = summarise(asSeries(readings), DEFAULT_P, { endTs: T0 + 30_000 });
    expect(whole.durationSec).toBeCloseTo(16.7, 9);
    for (const rollup of [of('session')[0]!, of('day')[0]!]) {
      expect(rollup.durationSec).toBeCloseTo(whole.durationSec, 9);
      rollup.zoneSeconds.forEach((z, k) => expect(z).toBeCloseTo(whole.zoneSeconds[k]!, 9));
      expect(rollup.trimpBanister).toBeCloseTo(whole.trimpBanister, 9);
      expect(rollup.trimpEdwards).toBeCloseTo(whole.trimpEdwards, 9);
      // no reading in that time: the heart-rate statistics are the readings'
      expect([rollup.samples, rollup.hrCount, rollup.hrMean, rollup.hrMax]).toEqual([13, 13, whole.hrMean, 150]);
    }
  });

  it("counts a reading's time into windows without readings only for the session and day the next readings join", () => {
    const { engine, st, add, of, emit } = setup('live=tumbling:10s,session=session:1m,day=daily');
    // the readings stop at 7.3 s for good, then (another user's case) pause past the session gap
    add(...run(T0 + 300, 8, () => 150));
    engine.idle(st, 'u1', T0 + 3_600_000, 30_000, emit);
    expect(of('session').map((f) => f.durationSec)).toEqual([expect.closeTo(9.7, 9)]);
    const paused = setup('live=tumbling:10s,session=session:1m,day=daily');
    paused.add(...run(T0 + 300, 8, () => 150), ...run(T0 + 120_300, 5));
    paused.engine.idle(paused.st, 'u1', T0 + DAY + 3_600_000, 30_000, paused.emit);
    // the first session ends with its last window; the day, which both join, has the 2.3 s too
    expect(paused.of('session').map((f) => f.durationSec)).toEqual([expect.closeTo(9.7, 9), 9]);
    expect(paused.of('day')[0]!.durationSec).toBeCloseTo(9.7 + 2.3 + 9, 9);
  });

  it('does not carry a reading across a dropout', () => {
    const { engine, st, add, of, emit } = setup();
    add(...run(T0 + 300, 5), ...run(T0 + 20_300, 5));
    engine.idle(st, 'u1', T0 + 3_600_000, 30_000, emit);
    // 4 s between readings + the last held 5 s (the cap), in both; the 0.3 s before 20.3 s would
    // be the 4.3 s reading's, but 16 s passed without a reading: not credited (9.3 if it were)
    expect(of('live').map((f) => f.durationSec)).toEqual([9, 9]);
  });
});
