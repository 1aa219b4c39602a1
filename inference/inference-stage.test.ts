import { afterEach, describe, expect, it } from 'vitest';
import {
  parseWindowSpecs,
  partitionFor,
  startStageHarness,
  type Config,
  type StageHarness,
} from '../platform/index.ts';
import { serde, topics, type Features } from '../schemas/index.ts';
import { startInference } from './inference-stage.ts';

const T0 = 1_700_000_000_000;
const DAY = 86_400_000;

/** A closed window of `window` (kind `kind`) over [start, end), at `pctMax` of HRmax 190. */
function closed(window: string, kind: string, start: number, end: number, pctMax: number): Features {
  const hr = Math.round(pctMax * 1.9);
  return {
    ...(serde('Features').defaults() as Features),
    userId: 'ana',
    window,
    kind,
    windowStart: start,
    windowEnd: end,
    samples: 10,
    hrMean: hr,
    hrMin: hr,
    hrMax: hr,
    hrLast: hr,
    maxHr: 190,
    restHr: 60,
    pctMax,
    zone: pctMax >= 90 ? 5 : 3,
    trimpBanister: 1,
  };
}
const live = (i: number, pctMax: number) => closed('live', 'tumbling', T0 + i * 10_000, T0 + (i + 1) * 10_000, pctMax);

let h: StageHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** `closed`'s window for another user */
const of = (userId: string, f: Features): Features => ({ ...f, userId });

async function score(features: Features[], config: Partial<Config> = {}, failFirstSendOf?: string) {
  h = await startStageHarness({ prefix: 'pulse-inference-', config });
  if (failFirstSendOf) {
    const produce = h.deps.log.produce.bind(h.deps.log);
    let failed = false;
    h.deps.log.produce = ((topic, records) => {
      if (topic !== failFirstSendOf || failed) return produce(topic, records);
      failed = true;
      return Promise.reject(new Error('the log is away'));
    }) as typeof produce;
  }
  const stage = startInference(h.deps);
  await h.produce('features', features);
  await stage.subscription.caughtUp();
  await stage.close();
  const redelivered = (await h.deps.metrics.rejected.get()).values.find((v) => v.labels.reason === 'redelivered');
  const users = (await h.deps.metrics.stateUsers.get()).values.find((v) => v.labels.stage === 'inference')?.value;
  return { readiness: await h.read('readiness'), triggers: await h.read('triggers'), redelivered, users };
}

describe('inference stage', () => {
  it('scores only the live windows: sessions and days between them move neither tiles nor triggers', async () => {
    const dayStart = Math.floor(T0 / DAY) * DAY;
    const { readiness, triggers, redelivered } = await score([
      live(0, 70),
      live(1, 105),
      // above max too, and ending after every live window: scored, it would raise danger (two
      // windows above max in a row) and make the live windows after it look like redeliveries
      closed('session', 'session', T0, T0 + 20_000, 105),
      closed('day', 'daily', dayStart, dayStart + DAY, 105),
      live(2, 70),
      live(3, 70),
    ]);
    expect(readiness.map((r) => [r.windowEnd - T0, r.bpm, r.pctMax])).toEqual([
      [10_000, 133, 70],
      [20_000, 200, 105],
      [30_000, 133, 70],
      [40_000, 133, 70],
    ]);
    // from 80: 0.35 points per TRIMP of session load (each live window adds 1; a factor from 0.5
    // points), 1.5 for the window above 90 %, and 5 back for the recovery in the live window after it
    expect(readiness.map((r) => r.score)).toEqual([80, 78, 84, 79]);
    expect(triggers).toEqual([]);
    expect(redelivered).toBeUndefined();
  });

  it('forgets a user a day after their last window, and keeps none for windows without heart rate', async () => {
    // three users of one task (the forgetting goes by the task's stream time)
    const [ana, eve, cy] = ['ana', 'eve', 'cy'];
    expect(new Set([ana, eve, cy].map((u) => partitionFor(u, 4))).size).toBe(1);
    const noHr = { ...live(0, 70), hrMean: Number.NaN };
    const { readiness, users } = await score([
      live(0, 70),
      of(cy, noHr),
      of(eve, live(1, 70)),
      of(eve, closed('live', 'tumbling', T0 + DAY + 20_000, T0 + DAY + 30_000, 70)),
    ]);
    expect(readiness.map((r) => r.userId)).toEqual([ana, eve, eve]);
    expect(users).toBe(1);
  });

  it("dead-letters a live window that ends past the allowed clock skew (reason invalid): the athlete's later windows are still scored", async () => {
    // two users of one task; the window from 2100 comes from a producer outside pulsecoach
    const [ana, eve] = ['ana', 'eve'];
    expect(partitionFor(ana, 4)).toBe(partitionFor(eve, 4));
    const YEAR_2100 = Date.UTC(2100, 0, 1);
    const { readiness } = await score([
      live(0, 70),
      of(eve, live(0, 70)),
      closed('live', 'tumbling', YEAR_2100 - 10_000, YEAR_2100, 70),
      live(1, 70),
      of(eve, live(1, 70)),
    ]);
    expect((await h!.read('dlq')).map((d) => [d.stage, d.reason, d.detail])).toEqual([
      ['inference', 'invalid', `windowEnd: must not be past the allowed clock skew, got ${YEAR_2100}`],
    ]);
    // ana's window after it is scored (the one from 2100 would have hidden it)
    expect(readiness.map((r) => [r.userId, r.windowEnd - T0])).toEqual([
      [ana, 10_000],
      [eve, 10_000],
      [ana, 20_000],
      [eve, 20_000],
    ]);
  });

  it("starts each session's load after PULSE_WINDOWS' session gap", async () => {
    // a second workout 15 min after the first: a new session under the default 10 min gap
    const windows = [live(0, 70), live(1, 70), live(92, 70)];
    const load = (r: { factors: { name: string; detail: string }[] }) =>
      r.factors.find((f) => f.name === 'session_load')?.detail;
    const byDefault = await score(windows);
    expect(byDefault.readiness.map(load)).toEqual([undefined, 'TRIMP 2.0 this session', undefined]);
    await h!.close();
    const longer = await score(windows, { windows: parseWindowSpecs('live=tumbling:10s,s=session:30m') });
    expect(longer.readiness.map(load)).toEqual([undefined, 'TRIMP 2.0 this session', 'TRIMP 3.0 this session']);
  });

  it("shows the window's mean heart rate beside its % of max and zone, not its last reading", async () => {
    const climbing = { ...live(0, 80), hrMean: 152, hrLast: 178 };
    const { readiness } = await score([climbing]);
    expect(readiness.map((r) => [r.bpm, r.pctMax, r.zone])).toEqual([[152, 80, 3]]);
  });

  it('takes the live window by its name in PULSE_WINDOWS', async () => {
    const { readiness } = await score(
      [
        closed('tile', 'tumbling', T0, T0 + 5_000, 70),
        closed('live', 'tumbling', T0 + 5_000, T0 + 15_000, 70),
        closed('tile', 'tumbling', T0 + 5_000, T0 + 10_000, 80),
      ],
      { windows: parseWindowSpecs('tile=tumbling:5s,live=tumbling:10s') },
    );
    expect(readiness.map((r) => [r.windowEnd - T0, r.pctMax])).toEqual([
      [5_000, 70],
      [10_000, 80],
    ]);
  });

  it('loses no score or trigger when producing them fails: the task goes back to its checkpoint', async () => {
    // two windows above HRmax in a row raise a trigger
    const windows = [live(0, 70), live(1, 105), live(2, 105), live(3, 70)];
    const expected = await score(windows);
    expect(expected.readiness).toHaveLength(4);
    expect(expected.triggers.length).toBeGreaterThan(0);
    // what the other topic got before the failure comes again (at least once)
    const once = <T>(xs: T[]) => [...new Map(xs.map((x) => [JSON.stringify(x), x])).values()];
    for (const topic of [topics.readiness.name, topics.triggers.name]) {
      await h!.close();
      const got = await score(windows, {}, topic);
      expect(once(got.readiness)).toEqual(expected.readiness);
      expect(once(got.triggers)).toEqual(expected.triggers);
      expect(got.redelivered).toBeUndefined();
    }
  });
});
