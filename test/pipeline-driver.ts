import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { createSimulation } from '../ingest/index.ts';
import { tokenSigner, type Log } from '../platform/index.ts';
import type { Features, Sample } from '../schemas/index.ts';
import { killServer, startServer, stopServer, TEST_SECRET, type Server } from './support.ts';

const T0 = Date.UTC(2026, 10, 1, 9, 0, 0);
const FLOOR = 'f1';
const STEP_MS = 5_000;
/** checkpoints every 0.5 s, so the wait before the kill is sure to see some */
const FAST_COMMITS = { PULSE_COMMIT_INTERVAL_MS: '500' };
const DURATION_S = 240;

export interface Run {
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

/**
 * Drives `pulsecoach start --no-sim` with a seeded floor of 6 athletes for 4 minutes of readings,
 * as a gym gateway would: checks them in, posts their samples in 5 s batches, and sends a batch
 * again when it got no 202. With `crashAtBatch`, the process is killed (SIGKILL) while that batch
 * is in flight, and started again. `env` picks the mode (kafka: PULSE_MODE, KAFKA_BROKERS, …).
 */
export async function drive(crashAtBatch: number | null, env: Record<string, string> = {}): Promise<Run> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pulse-drive-'));
  const serverEnv = { ...FAST_COMMITS, ...env };
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
  let server = await startServer(args, serverEnv);
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
      server = await startServer(args, serverEnv);
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

export function closingSample(userId: string, deviceId: string, ts: number): Sample {
  return { userId, deviceId, ts, bpm: 70, rr: [], steps: null, cadence: null, power: null, speed: null, receivedAt: 0 };
}

/** Waits until every consumer group has processed everything in its input topics. */
export async function waitForLagZero(server: Server): Promise<void> {
  for (;;) {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const lags = [...text.matchAll(/^pulsecoach_consumer_lag_records\{[^}]*\} (\d+)/gm)].map((m) => Number(m[1]));
    if (lags.length > 0 && lags.every((l) => l === 0)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Every record of a topic, read by a group of its own (`group`, when one log is read twice). */
export async function readTopic<V>(
  log: Log,
  topic: string,
  decode: (b: Buffer) => V,
  group = `verify-${topic}`,
): Promise<V[]> {
  const out: V[] = [];
  const sub = log.subscribe({
    group,
    topics: [topic],
    onBatch: (rs) => void rs.forEach((r) => out.push(decode(r.value))),
  });
  await sub.caughtUp();
  await sub.close();
  return out;
}

/** A feature window's identity: user, window spec (a session and its first live window share a start) and start. */
export const windowKey = (f: Pick<Features, 'userId' | 'window' | 'windowStart'>) =>
  `${f.userId}@${f.window}@${f.windowStart}`;

/** Feature windows by their key, without the processing-time trace. */
export const byWindow = (fs: Features[]) => {
  const m = new Map<string, Omit<Features, 'traceArrivalMs'>>();
  for (const { traceArrivalMs: _t, ...f } of fs) m.set(windowKey(f), f);
  return m;
};
