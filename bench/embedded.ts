import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { createIngestor } from '../ingest/index.ts';
import { createLogger, emitter, loadConfig, type StageDeps } from '../platform/index.ts';
import type { Profile, Sample, Session } from '../schemas/index.ts';
import { startRuntime } from '../bin/runtime.ts';
import { collectGarbage, percentile, round } from './stats.ts';

export interface EmbeddedBenchOptions {
  users: number;
  floors: number;
  /** offered load, samples/s */
  rate: number;
  seconds: number;
  /**
   * seconds run before the measured period, as JMH warms up: the JIT compiles the hot paths and
   * every athlete's first live window closes and is scored (their first sessions and days open);
   * their latencies are reported apart (`warmupLatencyMs`)
   */
  warmupSeconds: number;
  /** write a V8 heap snapshot here at the heap measurement, to see what the bytes per user are */
  heapSnapshot?: string;
}

export interface EmbeddedFigures {
  samplesPerSec: number;
  offeredSamplesPerSec: number;
  latencyMs: { p50: number; p99: number };
  latencySamples: number;
  warmupSeconds: number;
  warmupLatencyMs: { p50: number; p99: number };
  rssBytes: number;
  heapBytesPerUser: number;
  users: number;
}

/**
 * The whole embedded pipeline in this process, driven by the simulator at a paced rate through
 * the ingest path (validation aside): every sample is durably logged, windowed, scored and pushed
 * to socket.io clients, one per floor. Latency is from the arrival of the sample that closed a
 * window to that window's tile reaching the client.
 */
export async function benchEmbedded(opts: EmbeddedBenchOptions): Promise<EmbeddedFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'pulse-bench-'));
  const config = loadConfig(process.env, { 'data-dir': dir, port: '0', 'log-level': 'warn' });
  const rt = await startRuntime(config, ['ingest', 'processor', 'inference', 'coach', 'api'], createLogger('warn'));
  let peakRss = 0;
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  try {
    const perFloor = Math.ceil(opts.users / opts.floors);
    const startTs = Date.now() - 3_600_000;
    await collectGarbage();
    const heapBefore = process.memoryUsage().heapUsed;

    const devices = new Worker(new URL('./worker-bootstrap.js', import.meta.url), {
      workerData: {
        module: new URL('./devices.ts', import.meta.url).href,
        floors: opts.floors,
        perFloor,
        startTs,
        rate: opts.rate,
        seconds: opts.warmupSeconds + opts.seconds,
      },
    });
    await checkIn(rt.deps, (await waitFor(devices, 'athletes')) as { profiles: Profile[]; sessions: Session[] });

    const tokens: string[] = [];
    for (let f = 0; f < opts.floors; f++) tokens.push(await rt.signer.sign({ role: 'floor', floor: `bench${f}` }));
    const screens = new Worker(new URL('./worker-bootstrap.js', import.meta.url), {
      workerData: { module: new URL('./floor-clients.ts', import.meta.url).href, url: rt.url, tokens },
    });
    await waitFor(screens, 'connected');

    const ingestor = createIngestor(rt.deps);
    let sent = 0;
    let measuring = opts.warmupSeconds === 0;
    const inFlight = new Set<Promise<void>>();
    devices.on('message', (m: { type: string; samples?: Sample[] }) => {
      if (m.type !== 'samples') return;
      const batch = m.samples!;
      const now = Date.now();
      for (const s of batch) s.receivedAt = now;
      const p = ingestor.ingest(batch).then(() => void inFlight.delete(p));
      inFlight.add(p);
      if (measuring) sent += batch.length;
    });
    devices.postMessage({ type: 'go' });
    await new Promise((r) => setTimeout(r, opts.warmupSeconds * 1000));
    screens.postMessage({ type: 'mark' });
    const warmup = ((await waitFor(screens, 'marked')) as { latencies: number[] }).latencies;
    measuring = true;
    const began = performance.now();
    await waitFor(devices, 'done');
    await Promise.all(inFlight);
    for (const stage of rt.stages.values()) await stage.subscription.caughtUp();
    const elapsed = (performance.now() - began) / 1000;
    await devices.terminate();
    // the last tiles may still be on the wire
    await new Promise((r) => setTimeout(r, 500));
    screens.postMessage({ type: 'report' });
    const { latencies } = (await waitFor(screens, 'report')) as { latencies: number[] };
    await screens.terminate();

    await collectGarbage();
    const heapAfter = process.memoryUsage().heapUsed;
    if (opts.heapSnapshot) (await import('node:v8')).writeHeapSnapshot(opts.heapSnapshot);
    return {
      samplesPerSec: Math.round(sent / elapsed),
      offeredSamplesPerSec: opts.rate,
      latencyMs: { p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)) },
      latencySamples: latencies.length,
      warmupSeconds: opts.warmupSeconds,
      warmupLatencyMs: { p50: round(percentile(warmup, 50)), p99: round(percentile(warmup, 99)) },
      rssBytes: peakRss,
      heapBytesPerUser: Math.round((heapAfter - heapBefore) / (perFloor * opts.floors)),
      users: perFloor * opts.floors,
    };
  } finally {
    clearInterval(rssTimer);
    await rt.lifecycle.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function waitFor(worker: Worker, type: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type: string }) => {
      if (m.type !== type) return;
      worker.off('message', onMessage);
      resolve(m);
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
  });
}

/** Profiles and sessions into their topics; not kept here, so they do not count as pipeline heap. */
async function checkIn(deps: StageDeps, athletes: { profiles: Profile[]; sessions: Session[] }): Promise<void> {
  await emitter(deps, 'bench', 'profiles').send(athletes.profiles);
  await emitter(deps, 'bench', 'sessions').send(athletes.sessions);
}
