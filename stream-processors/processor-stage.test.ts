import { afterEach, describe, expect, it } from 'vitest';
import {
  parseWindowSpecs,
  partitionFor,
  startStageHarness,
  type Config,
  type StageHarness,
} from '../platform/index.ts';
import { serde, topics, type Features, type Profile, type Sample } from '../schemas/index.ts';
import { startProcessor } from './processor-stage.ts';
import { testSample } from './test-samples.ts';
import { windowPhase } from './engine/engine.ts';
import { banisterTrimp, updateLoad } from './features/index.ts';

const T0 = 1_700_000_000_000;
const DAY = 86_400_000;
/** the first UTC midnight after T0 (T0 is 1 h 46 min 40 s before it) */
const MIDNIGHT = Math.ceil(T0 / DAY) * DAY;
const sample = (userId: string, ts: number, bpm: number | null, extra: Partial<Sample> = {}): Sample =>
  testSample(ts, bpm, { userId, receivedAt: 0, ...extra });
/** one sample a second for `seconds` seconds from `from` */
const series = (userId: string, seconds: number, bpm = 120, from = T0): Sample[] =>
  Array.from({ length: seconds }, (_, i) => sample(userId, from + i * 1000, bpm));
const profile = (userId: string, p: Partial<Profile>): Profile => ({
  userId,
  age: null,
  sex: null,
  restHr: null,
  maxHr: null,
  locale: 'en',
  goals: [],
  conditions: [],
  updatedAt: 0,
  ...p,
});
const of = (features: Features[], window: string) => features.filter((f) => f.window === window);

let h: StageHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function run(samples: Sample[], config: Partial<Config> = {}, profiles: Profile[] = []) {
  h = await startStageHarness({ prefix: 'pulse-proc-', config: { windowStagger: false, ...config } });
  const stage = startProcessor(h.deps);
  await h.produce('profiles', profiles);
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
  it("emits the window engine's features of each live window, aligned to the epoch when PULSE_WINDOW_STAGGER is off", async () => {
    const { features } = await run(series('ana', 60));
    const live = of(features, 'live');
    // the window [50 s, 60 s) stays open: the watermark (59 s − 5 s) has not passed it
    expect(live.map((f) => f.windowStart - T0)).toEqual([0, 10_000, 20_000, 30_000, 40_000]);
    // the session and the day are still open
    expect(features).toHaveLength(live.length);
    // no profile: HRmax 184 (Tanaka at 35), rest 60, male; 10 s at 120 bpm
    expect(live[0]).toMatchObject({
      userId: 'ana',
      kind: 'tumbling',
      windowEnd: T0 + 10_000,
      samples: 10,
      hrCount: 10,
      hrMean: 120,
      hrMin: 120,
      hrMax: 120,
      hrLast: 120,
      hrSd: 0,
      maxHr: 184,
      restHr: 60,
      zone: 2,
      zoneSeconds: [0, 10, 0, 0, 0],
      durationSec: 10,
      rrCount: 0,
      rmssd: null,
    });
    expect(live[0]!.pctMax).toBeCloseTo((120 / 184) * 100, 10);
    expect(live[0]!.pctHrr).toBeCloseTo((60 / 124) * 100, 10);
    expect(live[0]!.trimpBanister).toBeCloseTo(banisterTrimp(10 / 60, 120, 60, 184), 10);
  });

  it('staggers each user by their own phase when PULSE_WINDOW_STAGGER is on', async () => {
    const { features } = await run([...series('ana', 60), ...series('ben', 60)], { windowStagger: true });
    for (const user of ['ana', 'ben']) {
      const starts = features.filter((f) => f.userId === user).map((f) => f.windowStart);
      expect(starts.length).toBeGreaterThanOrEqual(4);
      for (const s of starts) expect((s - windowPhase(user, 10_000)) % 10_000).toBe(0);
    }
    expect(windowPhase('ana', 10_000)).not.toBe(windowPhase('ben', 10_000));
  });

  it('loses no window when producing its features fails, and dead-letters nothing: the task goes back to its checkpoint', async () => {
    const samples = [...series('ana', 45), ...series('bo', 45, 140)];
    const expected = (await run(samples)).features;
    await h!.close();
    h = await startStageHarness({ prefix: 'pulse-proc-', config: { windowStagger: false } });
    // the first features produced fail; by then the engine has moved on past the batch's windows
    // (no checkpoint yet: the task starts again from nothing)
    const produce = h.deps.log.produce.bind(h.deps.log);
    let failures = 0;
    h.deps.log.produce = ((topic, records) => {
      if (topic === topics.features.name && failures++ === 0) return Promise.reject(new Error('the log is away'));
      return produce(topic, records);
    }) as typeof produce;
    const stage = startProcessor(h.deps);
    await h.produce('samples', samples);
    await stage.subscription.caughtUp();
    await stage.close();
    expect(failures).toBeGreaterThan(1);
    expect(expected.length).toBeGreaterThan(4);
    expect(await h.read('features')).toEqual(expected);
    // delivered again to the engine that had taken them, most samples would now be late
    expect(await h.read('dlq')).toEqual([]);
  });

  it('dead-letters a late sample with reason late and counts a duplicate, keeping the rest', async () => {
    const late = sample('ana', T0 + 1_500, 99);
    const dup = sample('ana', T0 + 28_000, 120);
    const { features, dead, metrics } = await run([...series('ana', 30), dup, late]);
    expect(dead.map((d) => [d.reason, d.detail])).toEqual([
      // the newest reading is at 29 s, 5 s of out-of-orderness: readings before 24 s are late
      ['late', `ts ${T0 + 1_500} is before the user's horizon ${T0 + 24_000}`],
    ]);
    expect((await metrics.duplicates.get()).values[0]?.value).toBe(1);
    expect((await metrics.late.get()).values[0]?.value).toBe(1);
    expect(features.map((f) => [f.windowStart - T0, f.samples, f.hrMean])).toEqual([
      [0, 10, 120],
      [10_000, 10, 120],
    ]);
  });

  it("dead-letters samples that break the Sample's rules (reason invalid), which leave the user's windows as they were", async () => {
    // what a producer outside pulsecoach may write to the topic, and ingest would have refused
    const YEAR_2100 = Date.UTC(2100, 0, 1);
    const bad: [Sample, string][] = [
      [sample('ana', YEAR_2100, 120), 'ts: is in the future beyond the allowed clock skew'],
      [sample('ana', 5_000, 120), 'ts: must be an integer of ms since the epoch, at or after 2000-01-01, got 5000'],
      [sample('ana', T0 + 30_500, 400), 'bpm: must be an integer 20-250, got 400'],
      [
        sample('ana', T0 + 30_600, 120, { rr: Array.from({ length: 65 }, () => 500) }),
        'rr: must hold at most 64 intervals, got 65',
      ],
      [sample('ana', T0 + 30_700, 120, { rr: [500, -3] }), 'rr[1]: must be an integer 200-3000 (ms), got -3'],
      [
        sample('ana', T0 + 30_800, 120, { power: 1e6, speed: Number.NaN }),
        'power: must be an integer 0-3000, got 1000000; speed: must be a number 0-50 (m/s), got NaN',
      ],
      [sample('ana', T0 + 30_900, null), 'sample: needs at least one of bpm, rr, steps, cadence, power, speed'],
      [
        sample('ana', T0 + 30_950, 120, { deviceId: 'x'.repeat(129) }),
        `deviceId: must be 1-128 characters of A-Z a-z 0-9 . _ : -, got "${'x'.repeat(36)}...`,
      ],
    ];
    const good = [...series('ana', 30), ...bad.map(([s]) => s), ...series('ana', 30, 120, T0 + 31_000)];
    const { features, dead, metrics } = await run(good);
    expect(dead.map((d) => [d.stage, d.reason, d.detail])).toEqual(bad.map(([, why]) => ['processor', 'invalid', why]));
    // the original bytes, to put right and produce again
    expect(dead.map((d) => serde('Sample').decode(Buffer.from(d.payload)))).toEqual(bad.map(([s]) => s));
    expect((await metrics.rejected.get()).values.find((v) => v.labels.reason === 'invalid')?.value).toBe(bad.length);
    // the one from 2100 did not move ana's watermark: the samples after it are on time
    expect(of(features, 'live').map((f) => [f.windowStart - T0, f.samples, f.hrMean])).toEqual([
      [0, 10, 120],
      [10_000, 10, 120],
      [20_000, 10, 120],
      [30_000, 9, 120],
      [40_000, 10, 120],
    ]);
  });

  it('loses no sample of the athletes on the partition of a device whose clock runs ahead (by up to the allowed skew)', async () => {
    const partitions = 4;
    const ahead = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8'].find(
      (u) => partitionFor(u, partitions) === partitionFor('ana', partitions),
    )!;
    const samples: Sample[] = [];
    for (let i = 0; i < 120; i++) {
      samples.push(sample('ana', T0 + i * 1000, 120));
      // stamped 55 s ahead of the others (PULSE_MAX_FUTURE_SKEW_MS allows 60 s)
      samples.push(sample(ahead, T0 + 55_000 + i * 1000, 140));
    }
    const { features, dead } = await run(samples);
    expect(dead).toEqual([]);
    const live = of(features, 'live').filter((f) => f.userId === 'ana');
    // her 120 s hold 12 live windows; the last one is still open (the watermark trails by 5 s)
    expect(live.map((f) => [f.windowStart - T0, f.samples])).toEqual(
      Array.from({ length: 11 }, (_, k) => [k * 10_000, 10]),
    );
  });

  it('reads a sample whose record has no timestamp (a producer that set none) without the clock-skew rule', async () => {
    h = await startStageHarness({ prefix: 'pulse-proc-', config: { windowStagger: false } });
    const stage = startProcessor(h.deps);
    const ahead = Date.now() + DAY;
    const codec = serde('Sample');
    await h.deps.log.produce(topics.samples.name, [
      ...series('ana', 12, 120, ahead).map((s) => ({ key: s.userId, value: codec.encode(s), timestamp: 0 })),
      // with its time of production, the same sample is refused
      { key: 'ana', value: codec.encode(sample('ana', ahead + 12_000, 120)) },
    ]);
    await stage.subscription.caughtUp();
    await stage.close();
    expect((await h.read('dlq')).map((d) => [d.reason, d.detail])).toEqual([
      ['invalid', 'ts: is in the future beyond the allowed clock skew'],
    ]);
  });

  it('applies a profile checked in before the first sample to the first window', async () => {
    const profiles = [profile('ana', { age: 40, sex: 'f', restHr: 50 }), profile('ben', { maxHr: 200, sex: 'm' })];
    const { features } = await run([...series('ana', 20, 150), ...series('ben', 20, 150)], {}, profiles);
    const first = (user: string) => features.find((f) => f.userId === user)!;
    // Tanaka at 40: 208 − 28 = 180 bpm; women's Banister coefficients
    expect(first('ana')).toMatchObject({ windowStart: T0, maxHr: 180, restHr: 50, zone: 4 });
    expect(first('ana').pctMax).toBeCloseTo((150 / 180) * 100, 10);
    expect(first('ana').trimpBanister).toBeCloseTo(banisterTrimp(10 / 60, 150, 50, 180, 'f'), 10);
    // a measured HRmax, no resting HR (the default 60)
    expect(first('ben')).toMatchObject({ windowStart: T0, maxHr: 200, restHr: 60, zone: 3 });
    expect(first('ben').trimpBanister).toBeCloseTo(banisterTrimp(10 / 60, 150, 60, 200, 'm'), 10);
  });

  it('keeps users with a profile but no samples as encoded bytes only', async () => {
    const profiles = ['ana', 'bo', 'cy'].map((u) => profile(u, { maxHr: 170 }));
    const { features, metrics } = await run([sample('bo', T0, 120), sample('bo', T0 + 20_000, 120)], {}, profiles);
    expect(features.map((f) => [f.userId, f.maxHr])).toEqual([['bo', 170]]);
    const users = Object.fromEntries((await metrics.stateUsers.get()).values.map((v) => [v.labels.state, v.value]));
    expect(users).toEqual({ live: 1, evicted: 2 });
  });

  it('closes a session after a gap longer than PULSE_WINDOWS says, and the UTC day at midnight', async () => {
    const morning = series('ana', 60, 120, MIDNIGHT - 120_000);
    // 12 minutes later (gap 10 min by default), after midnight
    const night = series('ana', 30, 140, MIDNIGHT + 660_000);
    const { features } = await run([...morning, ...night]);
    const live = of(features, 'live').filter((f) => f.windowEnd <= MIDNIGHT);
    expect(live).toHaveLength(6);
    const trimp = live.reduce((a, f) => a + f.trimpBanister, 0);

    const sessions = of(features, 'session');
    expect(sessions.map((f) => [f.kind, f.windowStart, f.windowEnd, f.samples, f.hrMean])).toEqual([
      ['session', MIDNIGHT - 120_000, MIDNIGHT - 60_000, 60, 120],
    ]);
    expect(sessions[0]!.trimpBanister).toBeCloseTo(trimp, 10);
    expect(sessions[0]!.durationSec).toBeCloseTo(60, 10);

    const days = of(features, 'day');
    expect(days.map((f) => [f.kind, f.windowStart, f.windowEnd, f.samples, f.hrMean])).toEqual([
      ['daily', MIDNIGHT - DAY, MIDNIGHT, 60, 120],
    ]);
    // the first day of load: ATL and CTL move from 0 towards the day's TRIMP
    const load = updateLoad({ atl: 0, ctl: 0 }, trimp);
    expect(days[0]!.atl).toBeCloseTo(load.atl, 10);
    expect(days[0]!.ctl).toBeCloseTo(load.ctl, 10);
    expect(days[0]!.acwr).toBeCloseTo(load.acwr!, 10);
  });

  it('takes the windows, grace and zone basis from the configuration', async () => {
    const windows = parseWindowSpecs('live=tumbling:10s,minute=hopping:20s/10s');
    // 7.5 s behind the newest reading: late with 5 s out-of-orderness, accepted with 3 s grace more
    const behind = sample('ana', T0 + 31_500, 120);
    const closing = sample('ana', T0 + 60_000, 120);
    const { features, dead } = await run([...series('ana', 40), behind, closing], {
      windows,
      graceMs: 3_000,
      zoneBasis: 'reserve',
    });
    expect(dead).toEqual([]);
    expect(of(features, 'live').map((f) => [f.kind, f.windowStart - T0, f.samples])).toEqual([
      ['tumbling', 0, 10],
      ['tumbling', 10_000, 10],
      ['tumbling', 20_000, 10],
      ['tumbling', 30_000, 11],
    ]);
    expect(of(features, 'minute').map((f) => [f.kind, f.windowStart - T0, f.samples])).toEqual([
      ['hopping', -10_000, 10],
      ['hopping', 0, 20],
      ['hopping', 10_000, 20],
      ['hopping', 20_000, 21],
      ['hopping', 30_000, 11],
    ]);
    // 120 bpm is 48 % of the reserve (rest 60, max 184): below zone 1, where % HRmax (65 %) says zone 2
    expect(features.map((f) => f.zone)).toEqual(features.map(() => 0));
  });

  it('rejects RR artefacts unless PULSE_RR_CORRECTION is none', async () => {
    // 800 ms beats, one of them a missed beat read as 2,400 ms (outside 300–2,000 ms)
    const beats = Array.from({ length: 20 }, (_, i) =>
      sample('ana', T0 + i * 1000, 75, { rr: i === 5 ? [2_400] : [800] }),
    );
    const nn = async (rrCorrection: Config['rrCorrection']) => {
      const { features } = await run(beats, { rrCorrection });
      await h!.close();
      h = undefined;
      return features[0]!;
    };
    const auto = await nn('auto');
    const none = await nn('none');
    expect([auto.rrCount, auto.nnCount, auto.artifactPct]).toEqual([10, 9, 10]);
    expect([none.rrCount, none.nnCount, none.artifactPct]).toEqual([10, 10, 0]);
  });

  it('restores its state from the checkpoint and continues with identical features', async () => {
    // two straps and every channel, with a session and a day open at the restart
    const readings = Array.from({ length: 90 }, (_, i) =>
      sample('ana', T0 + i * 1000, 110 + (i % 30), {
        deviceId: i % 7 === 0 ? 'chest' : 'wrist',
        rr: [560 + (i % 5) * 10],
        cadence: 80 + (i % 3),
        steps: i * 2,
      }),
    );
    const profiles = [profile('ana', { age: 30, sex: 'f' })];
    // after midnight: closes the session and the day
    const closing = sample('ana', MIDNIGHT + 60_000, 100);

    const uninterrupted = (await run([...readings, closing], {}, profiles)).features;
    await h!.close();

    h = await startStageHarness({ prefix: 'pulse-proc-', config: { windowStagger: false } });
    await h.produce('profiles', profiles);
    await h.produce('samples', readings.slice(0, 45));
    const first = startProcessor(h.deps);
    await first.subscription.caughtUp();
    await first.close();
    await h.produce('samples', [...readings.slice(45), closing]);
    const second = startProcessor(h.deps);
    await second.subscription.caughtUp();
    await second.close();
    const resumed = await h.read('features');

    expect(uninterrupted.map((f) => [f.window, f.windowStart - T0, f.samples])).toEqual([
      ...[0, 10_000, 20_000, 30_000, 40_000, 50_000, 60_000, 70_000, 80_000].map((start) => ['live', start, 10]),
      ['session', 0, 90],
      ['day', MIDNIGHT - DAY - T0, 90],
    ]);
    // Tanaka at 30: 208 − 21 = 187 bpm
    expect(uninterrupted[0]).toMatchObject({ maxHr: 187, rrCount: 10, cadenceCount: 10, steps: 18 });
    expect(resumed).toEqual(uninterrupted);
  });

  it('sweeps idle users at the same stream times however the samples are batched or the task restarted', async () => {
    // ana and cy share a partition: ana stops at 29 s; cy's samples move stream time on. With a 20 s idle timeout ana is swept
    // at 50 s (a multiple of half the timeout): her last window closes, and a sample of hers at
    // 60 s still counts. A sweep at whatever stream time a batch ended would close her up to a
    // point that depends on the batching, and decide differently whether that sample is late.
    const config = { idleTimeoutMs: 20_000, windows: parseWindowSpecs('live=tumbling:10s') };
    const samples = [
      ...series('cy', 90),
      ...series('ana', 30, 130),
      sample('ana', T0 + 60_000, 140),
      sample('ana', T0 + 61_000, 140),
      // stream time past 90 s: ana is swept again, which closes her window at 60 s
      sample('cy', T0 + 100_000, 120),
    ].sort((a, b) => a.ts - b.ts);
    const whole = await run(samples, config);
    await h!.close();

    h = await startStageHarness({ prefix: 'pulse-proc-', config: { windowStagger: false, ...config } });
    for (let i = 0; i < samples.length; i += 7) {
      await h.produce('samples', samples.slice(i, i + 7));
      // a new member every 35 samples: it restores the task from the last checkpoint
      const stage = startProcessor(h.deps);
      await stage.subscription.caughtUp();
      if (i % 35 === 0) await stage.close();
      else await stage.subscription.commit().then(() => stage.close());
    }
    const pieces = await h.read('features');

    const ana = of(whole.features, 'live').filter((f) => f.userId === 'ana');
    expect(ana.map((f) => [f.windowStart - T0, f.samples, f.hrMean])).toEqual([
      [0, 10, 130],
      [10_000, 10, 130],
      // closed by the sweep at 50 s
      [20_000, 10, 130],
      // not late: the sweep closed her windows up to 30 s only
      [60_000, 2, 140],
    ]);
    expect(whole.dead).toEqual([]);
    expect(pieces).toEqual(whole.features);
  });

  it('evicts an idle user whose day is still open and closes that day as if they had stayed in memory', async () => {
    // ana trains for a minute, 1 h 46 min before midnight, then stops; cy keeps stream time going
    // past midnight. With a 20 s idle timeout and eviction after 1 min, ana is evicted with her day
    // open, long before it closes.
    const config = {
      idleTimeoutMs: 20_000,
      windows: parseWindowSpecs('live=tumbling:10s,session=session:2m,day=daily'),
    };
    const cy = Array.from({ length: (MIDNIGHT + 600_000 - T0) / 5000 }, (_, i) => sample('cy', T0 + i * 5000, 110));
    // a sample of ana's 40 min in (after her eviction), 1 min behind: late for a user in memory,
    // whom the sweeps have closed up to 20 s before the last sweep; so it must be for her
    const behind = sample('ana', T0 + 39 * 60_000, 150);
    const samples = [
      ...series('ana', 60, 130),
      ...cy.filter((c) => c.ts < T0 + 40 * 60_000),
      behind,
      ...cy.filter((c) => c.ts >= T0 + 40 * 60_000),
    ];
    const kept = await run(samples, { ...config, evictAfterMs: 1_000_000_000 });
    await h!.close();
    const evicting = await run(samples, { ...config, evictAfterMs: 60_000 });

    expect(evicting.features).toEqual(kept.features);
    // (the same dead letters, but for when each was written)
    const reasons = (dead: typeof kept.dead) => dead.map((d) => [d.key, d.reason, d.detail]);
    expect(reasons(evicting.dead)).toEqual([
      ['ana', 'late', `ts ${behind.ts} is before the user's horizon ${T0 + 2_370_000}`],
    ]);
    expect(reasons(kept.dead)).toEqual(reasons(evicting.dead));
    const ana = evicting.features.filter((f) => f.userId === 'ana' && f.window !== 'live');
    expect(ana.map((f) => [f.window, f.windowStart, f.windowEnd, f.samples, f.hrMean])).toEqual([
      ['session', T0, T0 + 60_000, 60, 130],
      ['day', MIDNIGHT - DAY, MIDNIGHT, 60, 130],
    ]);
    // and the same when the task is restored from its checkpoint now and then, ana's evicted state
    // in it; one restore just before her sample, with no sweep between
    await h!.close();
    h = await startStageHarness({
      prefix: 'pulse-proc-',
      config: { windowStagger: false, ...config, evictAfterMs: 60_000 },
    });
    const cuts = [
      ...Array.from({ length: Math.ceil(samples.length / 100) }, (_, i) => i * 100),
      samples.indexOf(behind),
    ];
    cuts.sort((a, b) => a - b);
    for (let j = 0; j < cuts.length; j++) {
      await h.produce('samples', samples.slice(cuts[j], cuts[j + 1]));
      // each member restores the task from the checkpoint the one before wrote when it stopped
      const stage = startProcessor(h.deps);
      await stage.subscription.caughtUp();
      await stage.close();
    }
    expect(await h.read('features')).toEqual(kept.features);
    expect(reasons(await h.read('dlq'))).toEqual(reasons(kept.dead));
    // at the end ana (her day closed) is still evicted; cy, sending, is in memory
    const users = async (m: typeof kept.metrics) =>
      Object.fromEntries((await m.stateUsers.get()).values.map((v) => [v.labels.state, v.value]));
    expect(await users(evicting.metrics)).toEqual({ live: 1, evicted: 1 });
    expect(await users(kept.metrics)).toEqual({ live: 2, evicted: 0 });
  });

  it("closes an idle partition's last windows and session by the wall clock, and a long-quiet user comes back from the snapshot", async () => {
    h = await startStageHarness({
      prefix: 'pulse-proc-',
      config: {
        windowStagger: false,
        // longer than the samples' spacing (1 s): stream time alone never finds ana idle
        idleTimeoutMs: 1500,
        evictAfterMs: 1,
        windows: parseWindowSpecs('live=tumbling:10s,session=session:5s'),
      },
    });
    const stage = startProcessor(h.deps);
    // 25 s of samples: the window [20 s, 30 s) stays open, as nothing newer arrives
    await h.produce('samples', series('ana', 25));
    const first = await until(
      () => h!.read('features'),
      (fs) => fs.length === 4,
    );
    expect(first.map((f) => [f.window, f.windowStart - T0, f.windowEnd - T0, f.samples])).toEqual([
      ['live', 0, 10_000, 10],
      ['live', 10_000, 20_000, 10],
      ['live', 20_000, 30_000, 5],
      ['session', 0, 30_000, 25],
    ]);
    // closed by the idle sweep, not by a sample: no arrival to trace
    expect(first.slice(2).map((f) => f.traceArrivalMs)).toEqual([0, 0]);
    // the user was evicted (nothing open); new samples bring the state back. 15 of them: the
    // session's gap (5 s) then ends in the last live window, so both close at the first idle sweep
    await h.produce('samples', series('ana', 15, 130, T0 + 600_000));
    const more = await until(
      () => h!.read('features'),
      (fs) => fs.length === 7,
    );
    expect(more.slice(4).map((f) => [f.window, f.windowStart - T0, f.samples, f.hrMean])).toEqual([
      ['live', 600_000, 10, 130],
      ['live', 610_000, 5, 130],
      ['session', 600_000, 15, 130],
    ]);
    await stage.close();
  }, 20_000);
});
