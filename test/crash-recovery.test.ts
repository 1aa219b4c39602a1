import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSimulation } from '../ingest/index.ts';
import { ChdbStore, createEmbeddedLog, tokenSigner, type Log } from '../platform/index.ts';
import { serde, topics, type Features, type Sample } from '../schemas/index.ts';
import { killServer, startServer, stopServer, TEST_SECRET, type Server } from './support.ts';

/**
 * The embedded pipeline killed with SIGKILL mid-stream and restarted loses no acknowledged
 * sample and resumes its windows: its features equal those of an uninterrupted run of the same
 * seeded simulation, and its history holds every logged record exactly once. The driver behaves
 * like a device: a batch that got no 202 is sent again.
 */
const T0 = Date.UTC(2026, 10, 1, 9, 0, 0);
const FLOOR = 'f1';
const STEP_MS = 5_000;
/** checkpoints every 0.5 s, so the wait before the kill is sure to see some */
const FAST_COMMITS = { PULSE_COMMIT_INTERVAL_MS: '500' };
const DURATION_S = 240;

interface Run {
  acked: Sample[];
  dataDir: string;
}

async function post(url: string, token: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function drive(crashAtBatch: number | null): Promise<Run> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pulse-crash-'));
  const args = ['start', '--no-sim', '--port', '0', '--data-dir', dataDir];
  const token = await tokenSigner(TEST_SECRET).sign({ role: 'device', floor: FLOOR });
  const sim = createSimulation({
    seed: 7,
    users: 6,
    floorId: FLOOR,
    startTs: T0,
    rateHz: 1,
    durationSec: DURATION_S,
    faults: true,
  });
  const checkIn = async (s: Server) => {
    const profiles = new Map(sim.profiles().map((p) => [p.userId, p]));
    for (const session of sim.sessions()) {
      const p = profiles.get(session.userId)!;
      const res = await post(s.url, token, '/v1/sessions', {
        userId: session.userId,
        alias: session.alias,
        sessionId: session.sessionId,
        startedAt: session.startedAt,
        profile: { age: p.age, sex: p.sex, restHr: p.restHr, maxHr: p.maxHr, locale: p.locale },
      });
      expect(res.status).toBe(201);
    }
  };
  let server = await startServer(args, FAST_COMMITS);
  await checkIn(server);
  const acked: Sample[] = [];
  const batches: Sample[][] = [];
  for (let t = T0 + STEP_MS; t <= T0 + (DURATION_S + 30) * 1000; t += STEP_MS) batches.push(sim.next(t));
  // one closing sample per user, well after the end, closes every window
  batches.push(sim.athletes.map((a, i) => closingSample(a.userId, a.deviceId, T0 + (DURATION_S + 120) * 1000 + i)));
  const body = (batch: Sample[]) => ({ samples: batch.map(({ receivedAt: _r, ...rest }) => rest) });

  for (let i = 0; i < batches.length; i++) {
    const batch = batches[i]!;
    if (batch.length === 0) continue;
    if (i === crashAtBatch) {
      // let the stages process and checkpoint what they have (commit interval 0.5 s), so the restart
      // must resume from a checkpoint with restored state rather than replay from the start
      await waitForLagZero(server);
      await new Promise((r) => setTimeout(r, 1500));
      // the request is in flight when the process dies: no 202, so the device sends it again
      const inFlight = post(server.url, token, '/v1/ingest', body(batch)).catch(() => null);
      await killServer(server);
      expect((await inFlight)?.status ?? 0).not.toBe(202);
      server = await startServer(args, FAST_COMMITS);
      await checkIn(server);
    }
    const res = await post(server.url, token, '/v1/ingest', body(batch));
    expect(res.status).toBe(202);
    const answer = (await res.json()) as { accepted: number; rejected: unknown[] };
    expect(answer.rejected).toEqual([]);
    acked.push(...batch);
  }
  await waitForLagZero(server);
  expect(await stopServer(server)).toBe(0);
  return { acked, dataDir };
}

function closingSample(userId: string, deviceId: string, ts: number): Sample {
  return { userId, deviceId, ts, bpm: 70, rr: [], steps: null, cadence: null, power: null, speed: null, receivedAt: 0 };
}

/** Waits until every consumer group has processed everything in its input topics. */
async function waitForLagZero(server: Server): Promise<void> {
  for (;;) {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const lags = [...text.matchAll(/^pulsecoach_consumer_lag_records\{[^}]*\} (\d+)/gm)].map((m) => Number(m[1]));
    if (lags.length > 0 && lags.every((l) => l === 0)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function readTopic<V>(log: Log, topic: string, decode: (b: Buffer) => V): Promise<V[]> {
  const out: V[] = [];
  const sub = log.subscribe({
    group: `verify-${topic}`,
    topics: [topic],
    onBatch: (rs) => void rs.forEach((r) => out.push(decode(r.value))),
  });
  await sub.caughtUp();
  await sub.close();
  return out;
}

async function readRun(dataDir: string) {
  const log = await createEmbeddedLog({
    dir: join(dataDir, 'log'),
    partitions: 4,
    fsyncIntervalMs: 5,
    retentionMs: 1e12,
    retentionBytes: 1e12,
  });
  try {
    const features = await readTopic(log, topics.features.name, (b) => serde('Features').decode(b));
    const samples = await readTopic(log, topics.samples.name, (b) => serde('Sample').decode(b));
    return { features, samples };
  } finally {
    await log.close();
  }
}

/** Row counts of the run's chDB history (one chDB per process: opened, read, closed). */
async function readHistory(dataDir: string) {
  const store = ChdbStore.open(join(dataDir, 'history'));
  try {
    const count = async (sql: string) => Number((await store.query<{ n: number }>(sql))[0]!.n);
    return {
      samples: await count('SELECT count() AS n FROM samples'),
      features: await count('SELECT count() AS n FROM features'),
      minuteHrCount: await count('SELECT countMerge(hrCount) AS n FROM samples_minute'),
    };
  } finally {
    await store.close();
  }
}

const byWindow = (fs: Features[]) => {
  const m = new Map<string, Omit<Features, 'traceArrivalMs'>>();
  for (const { traceArrivalMs: _t, ...f } of fs) m.set(`${f.userId}@${f.windowStart}`, f);
  return m;
};

describe('embedded pipeline under kill -9', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('loses no acknowledged sample and resumes windows exactly', async () => {
    const reference = await drive(null);
    const crashed = await drive(20);
    dirs.push(reference.dataDir, crashed.dataDir);

    const ref = await readRun(reference.dataDir);
    const got = await readRun(crashed.dataDir);

    // every acknowledged sample is in the crashed run's log
    const logged = new Set(got.samples.map((s) => `${s.userId}|${s.deviceId}|${s.ts}|${s.bpm}`));
    const missing = crashed.acked.filter((s) => !logged.has(`${s.userId}|${s.deviceId}|${s.ts}|${s.bpm}`));
    expect(missing).toEqual([]);

    // the same windows with the same values; a redelivered window may appear twice, never differ
    const refWindows = byWindow(ref.features);
    const gotWindows = byWindow(got.features);
    expect(refWindows.size).toBeGreaterThan(6 * 20);
    expect([...gotWindows.keys()].sort()).toEqual([...refWindows.keys()].sort());
    for (const [key, f] of refWindows) expect(gotWindows.get(key), key).toEqual(f);
    const conflicting = got.features.filter((f) => {
      const { traceArrivalMs: _t, ...rest } = f;
      return JSON.stringify(rest) !== JSON.stringify(gotWindows.get(`${f.userId}@${f.windowStart}`));
    });
    expect(conflicting).toEqual([]);

    // the history (the sink, chDB) holds each logged record once, though the process died mid-batch
    const history = await readHistory(crashed.dataDir);
    expect(history.samples).toBe(got.samples.length);
    expect(history.features).toBe(got.features.length);
    expect(history.minuteHrCount).toBe(got.samples.filter((x) => x.bpm !== null).length);
  }, 300_000);
});
