import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTaskState } from '../../platform/state.ts';
import { parseWindowSpecs } from '../../platform/window-specs.ts';
import { serde, type Features } from '../../schemas/index.ts';
import { summarise, type SeriesSample } from '../features/window-summary.ts';
import { WindowEngine, type AddResult, type EngineOptions } from './engine.ts';
import type { EngineSample } from './sample-buffer.ts';
import { userStreamSchema, type UserStream, type UserStreamRecord } from './user-stream.ts';

const SPECS = parseWindowSpecs('live=tumbling:10s,hrv=hopping:30s/10s,session=session:1m,day=daily');
const OUT_OF_ORDER_MS = 5000;
const DAY = 86_400_000;
const D = 19_676 * DAY; // a UTC midnight: the users' readings start up to 4 min before it
const features = serde('Features');

/** mulberry32: the bulk of each user's readings comes from a seed (fast-check shrinks the plan). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

interface Profile {
  maxHr: number;
  restHr: number;
  sex: number;
}

const planArb = fc.record({
  profile: fc.record({
    maxHr: fc.oneof(fc.constant(0), fc.integer({ min: 170, max: 205 })),
    restHr: fc.oneof(fc.constant(0), fc.integer({ min: 42, max: 70 })),
    sex: fc.integer({ min: 0, max: 2 }),
  }),
  /** ms before midnight of the first reading (any ms phase) */
  startBefore: fc.integer({ min: 0, max: 240_000 }),
  n1: fc.integer({ min: 60, max: 180 }),
  /** a pause: none, a dropout, or longer than the session gap */
  pause: fc.oneof(fc.constant(0), fc.integer({ min: 2000, max: 120_000 })),
  n2: fc.integer({ min: 0, max: 120 }),
  seed: fc.integer(),
  hasRr: fc.boolean(),
  hasSteps: fc.boolean(),
  /** a second device reporting at the same instants as the watch, some of the time, some with power */
  strap: fc.boolean(),
  dupPct: fc.integer({ min: 0, max: 10 }),
  lates: fc.integer({ min: 0, max: 3 }),
});
type Plan = typeof planArb extends fc.Arbitrary<infer V> ? V : never;

interface Arrival {
  s: EngineSample;
  /** arrival order: ts + a delay under the out-of-orderness bound (late readings: after a newer one) */
  key: number;
  seq: number;
}

/** One user's 1 Hz readings and their arrivals: delayed, duplicated, and a few far behind. */
function arrivalsOf(userId: string, u: Plan, graceMs: number): Arrival[] {
  const rnd = prng(u.seed);
  const out: Arrival[] = [];
  const delay = () => Math.floor(rnd() * OUT_OF_ORDER_MS); // < the bound: never late
  let bpm = 60 + Math.floor(rnd() * 100);
  let steps = Math.floor(rnd() * 10_000);
  const base = (ts: number, deviceId: string): EngineSample => ({
    userId,
    deviceId,
    ts,
    bpm: null,
    rr: [],
    cadence: null,
    power: null,
    speed: null,
    steps: null,
    receivedAt: 0,
  });
  const readings: Arrival[] = [];
  for (let i = 0; i < u.n1 + u.n2; i++) {
    const ts = D - u.startBefore + i * 1000 + (i >= u.n1 ? u.pause : 0);
    bpm = clamp(bpm + Math.round((rnd() - 0.5) * 8), 50, 200);
    steps += Math.floor(rnd() * 3);
    const rr: number[] = [];
    if (u.hasRr && rnd() < 0.8) {
      for (let k = 0; k < 1 + Math.floor(rnd() * 2); k++) {
        const artefact = rnd() < 0.05 ? 1.6 : 1;
        rr.push(clamp(Math.round((60_000 / bpm) * artefact + (rnd() - 0.5) * 60), 300, 2000));
      }
    }
    const s: EngineSample = {
      ...base(ts, 'watch'),
      bpm: rnd() < 0.03 ? null : bpm,
      rr,
      cadence: u.hasSteps && rnd() < 0.9 ? 150 + Math.floor(rnd() * 30) : null,
      speed: u.hasSteps && rnd() < 0.5 ? Math.round(rnd() * 40) / 10 : null,
      steps: u.hasSteps && rnd() < 0.8 ? steps : null,
    };
    readings.push({ s, key: ts + delay(), seq: 0 });
    if (u.strap && rnd() < 0.3) {
      // the strap pairs with a power meter some of the time: another device, another channel
      const strap: EngineSample = {
        ...base(ts, 'strap'),
        bpm: clamp(bpm + Math.round((rnd() - 0.5) * 6), 50, 200),
        power: rnd() < 0.5 ? 150 + Math.floor(rnd() * 100) : null,
      };
      readings.push({ s: strap, key: ts + delay(), seq: 0 });
    }
  }
  for (const r of readings) {
    out.push(r);
    // a redelivery of the same reading, also within the bound
    if (rnd() * 100 < u.dupPct) out.push({ s: { ...r.s }, key: r.s.ts + delay(), seq: 0 });
  }
  for (let j = 0; j < u.lates && readings.length > 20; j++) {
    // a reading far behind one that arrived before it
    const r = readings[20 + Math.floor(rnd() * (readings.length - 20))]!;
    const ts = r.s.ts - OUT_OF_ORDER_MS - graceMs - 1 - Math.floor(rnd() * 20_000);
    out.push({ s: { ...base(ts, 'old-phone'), bpm: 100 }, key: r.key + 1 + delay(), seq: 0 });
  }
  return out;
}

/** Every user's arrivals interleaved by arrival key; receivedAt is the arrival key. */
function arrivalsFor(plans: Plan[], graceMs: number): EngineSample[] {
  const all = plans.flatMap((u, i) => arrivalsOf(`user-${i}`, u, graceMs));
  all.forEach((a, i) => (a.seq = i));
  all.sort((a, b) => a.key - b.key || a.seq - b.seq);
  return all.map((a) => ({ ...a.s, receivedAt: a.key }));
}

/** What the lateness and duplicate rules say, independently of the engine. */
function expectedResults(arrivals: EngineSample[], graceMs: number): AddResult[] {
  const maxTs = new Map<string, number>();
  const seen = new Set<string>();
  return arrivals.map((s) => {
    const newest = maxTs.get(s.userId) ?? -Infinity;
    if (s.ts < newest - OUT_OF_ORDER_MS - graceMs) return 'late';
    const key = `${s.userId}|${s.deviceId}|${s.ts}`;
    if (seen.has(key)) return 'duplicate';
    seen.add(key);
    if (s.ts > newest) maxTs.set(s.userId, s.ts);
    return 'added';
  });
}

class Run {
  readonly engine: WindowEngine;
  states = new Map<string, UserStream>();
  readonly out: Features[] = [];
  readonly results: AddResult[] = [];
  private readonly emit = (f: Features) => void this.out.push(f);

  constructor(
    opts: EngineOptions,
    private readonly profiles: Profile[],
  ) {
    this.engine = new WindowEngine(SPECS, opts);
  }

  private state(userId: string): UserStream {
    let st = this.states.get(userId);
    if (!st) {
      st = this.engine.newStream(userId);
      const p = this.profiles[Number(userId.slice('user-'.length))]!;
      st.maxHr = p.maxHr;
      st.restHr = p.restHr;
      st.sex = p.sex;
      this.states.set(userId, st);
    }
    return st;
  }

  feed(arrivals: EngineSample[]): this {
    for (const s of arrivals) this.results.push(this.engine.add(this.state(s.userId), s, this.emit));
    return this;
  }

  /** The users go idle: everything closes (days included). */
  flush(): this {
    for (const [userId, st] of this.states) this.engine.idle(st, userId, st.maxTs + 3 * DAY, 60_000, this.emit);
    return this;
  }

  /** Snapshot every user's state and continue from a restored copy, as after a rebalance. */
  restore(): this {
    const before = createTaskState(userStreamSchema, (r: UserStreamRecord) => this.engine.revive(r));
    for (const [userId, st] of this.states) before.set(0, userId, st);
    const saved = before.snapshot(0);
    const after = createTaskState(userStreamSchema, (r: UserStreamRecord) => this.engine.revive(r));
    after.restore(0, saved);
    const restored = new Map(after.entries(0));
    // the same state: it saves as the same bytes (the arrays' spare room may differ)
    const again = createTaskState(userStreamSchema, (r: UserStreamRecord) => this.engine.revive(r));
    for (const [userId, st] of restored) again.set(0, userId, st);
    expect(again.snapshot(0)).toEqual(saved);
    this.states = restored;
    return this;
  }
}

const optsArb = fc.record({
  outOfOrderMs: fc.constant(OUT_OF_ORDER_MS),
  graceMs: fc.constantFrom(0, 3000),
  staggered: fc.boolean(),
  zoneBasis: fc.constantFrom('max' as const, 'reserve' as const),
  rrCorrection: fc.constantFrom('auto' as const, 'none' as const),
});
const plansArb = fc.array(planArb, { minLength: 1, maxLength: 3 });

const windowKey = (f: Features) => `${f.userId}|${f.window}|${String(f.windowStart).padStart(16)}`;
const byWindow = (fs: Features[]) => [...fs].sort((a, b) => (windowKey(a) < windowKey(b) ? -1 : 1));

describe('WindowEngine properties', () => {
  it('replays identically across a snapshot and restore (byte-identical features)', () => {
    fc.assert(
      fc.property(plansArb, optsArb, fc.double({ min: 0, max: 1, noNaN: true }), (plans, opts, cutAt) => {
        const arrivals = arrivalsFor(plans, opts.graceMs);
        const profiles = plans.map((u) => u.profile);
        const cut = Math.floor(cutAt * arrivals.length);
        const a = new Run(opts, profiles).feed(arrivals).flush();
        const b = new Run(opts, profiles).feed(arrivals.slice(0, cut)).restore().feed(arrivals.slice(cut)).flush();
        expect(b.results).toEqual(a.results);
        expect(a.results).toEqual(expectedResults(arrivals, opts.graceMs));
        expect(b.out).toEqual(a.out);
        const bytes = (fs: Features[]) => fs.map((f) => features.encode(f).toString('hex'));
        expect(bytes(b.out)).toEqual(bytes(a.out));
        expect(a.out.length).toBeGreaterThan(0);
      }),
      { numRuns: 100 },
    );
  });

  it('gives the same features whatever the arrival order within the bound, duplicates and late readings aside', () => {
    fc.assert(
      fc.property(plansArb, optsArb, (plans, opts) => {
        const arrivals = arrivalsFor(plans, opts.graceMs).map((s) => ({ ...s, receivedAt: 0 }));
        const results = expectedResults(arrivals, opts.graceMs);
        const profiles = plans.map((u) => u.profile);
        const shuffled = new Run(opts, profiles).feed(arrivals).flush();
        expect(shuffled.results).toEqual(results);
        // in ts order, readings of the same instant by device (not as they arrived)
        const sorted = arrivals
          .filter((_, i) => results[i] === 'added')
          .sort((x, y) => x.ts - y.ts || (x.deviceId < y.deviceId ? -1 : x.deviceId > y.deviceId ? 1 : 0));
        const reference = new Run(opts, profiles).feed(sorted).flush();
        expect(reference.results.every((r) => r === 'added')).toBe(true);
        expect(byWindow(shuffled.out)).toEqual(byWindow(reference.out));
        const bytes = (fs: Features[]) => byWindow(fs).map((f) => features.encode(f).toString('hex'));
        expect(bytes(shuffled.out)).toEqual(bytes(reference.out));
        // every accepted reading is in one live window, session and day, and in three 30 s/10 s
        // hopping windows; the live windows count every step of the (monotonic) counter once
        for (const userId of new Set(sorted.map((s) => s.userId))) {
          const mine = sorted.filter((s) => s.userId === userId);
          const total = (window: string, of: (f: Features) => number) =>
            shuffled.out.filter((f) => f.userId === userId && f.window === window).reduce((a, f) => a + of(f), 0);
          const samples = (f: Features) => f.samples;
          expect(total('live', samples)).toBe(mine.length);
          expect(total('hrv', samples)).toBe(3 * mine.length);
          expect(total('session', samples)).toBe(mine.length);
          expect(total('day', samples)).toBe(mine.length);
          const counter = mine.flatMap((s) => (s.steps === null ? [] : [s.steps]));
          const steps = counter.length === 0 ? 0 : counter[counter.length - 1]! - counter[0]!;
          expect(total('live', (f) => f.steps ?? 0)).toBe(steps);
          expect(total('session', (f) => f.steps ?? 0)).toBe(steps);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('tiles time: the live windows, and the session, hold what the whole series holds (dropouts and readings without heart rate included)', () => {
    // readings up to 30 s apart: some 10 s windows between two readings are empty, which emit
    // nothing; what a reading holds of one still counts in the session
    const stepsArb = fc.array(
      fc.record({
        gapMs: fc.oneof(fc.integer({ min: 1, max: 9900 }), fc.integer({ min: 10_000, max: 30_000 })),
        bpm: fc.oneof(fc.constant(null), fc.integer({ min: 50, max: 200 })),
      }),
      { minLength: 2, maxLength: 80 },
    );
    fc.assert(
      fc.property(stepsArb, optsArb, fc.integer({ min: 0, max: 9999 }), (steps, opts, phase) => {
        const engine = new WindowEngine(parseWindowSpecs('live=tumbling:10s,session=session:1h'), opts);
        const st = engine.newStream('user-0');
        st.maxHr = 190;
        st.restHr = 55;
        const out: Features[] = [];
        let ts = D + 3_600_000 + phase;
        const series: SeriesSample[] = [];
        for (const { gapMs, bpm } of steps) {
          ts += gapMs;
          const reading = { ts, bpm, cadence: null, power: null, speed: bpm === null ? 2.5 : null, steps: null };
          series.push({ ...reading, rr: [] });
          const s: EngineSample = { userId: 'user-0', deviceId: 'watch', receivedAt: 0, rr: [], ...reading };
          expect(engine.add(st, s, (f) => void out.push(f))).toBe('added');
        }
        engine.idle(st, 'user-0', ts + DAY / 2, 60_000, (f) => void out.push(f));
        const live = out.filter((f) => f.window === 'live');
        const whole = summarise(series, engine.personal(st), { endTs: live.at(-1)!.windowEnd });
        const session = out.find((f) => f.window === 'session')!;
        const sum = (of: (f: Features) => number) => live.reduce((a, f) => a + of(f), 0);
        // (with no window between two readings empty, the live windows alone tile the series)
        const tiled = steps.every((x) => x.gapMs <= 9900);
        for (const [of, expected] of [
          [(f: Features) => f.durationSec, whole.durationSec],
          ...[0, 1, 2, 3, 4].map((z) => [(f: Features) => f.zoneSeconds[z]!, whole.zoneSeconds[z]!] as const),
          [(f: Features) => f.trimpBanister, whole.trimpBanister],
          [(f: Features) => f.trimpEdwards, whole.trimpEdwards],
        ] as const) {
          expect(of(session)).toBeCloseTo(expected, 6);
          if (tiled) expect(sum(of)).toBeCloseTo(expected, 6);
          else expect(sum(of)).toBeLessThanOrEqual(expected + 1e-6);
        }
      }),
      { numRuns: 200 },
    );
  });
});
