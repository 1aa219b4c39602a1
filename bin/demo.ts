import { createIngestor, createSimulation, runSimulation } from '../ingest/index.ts';
import { emitter } from '../platform/index.ts';
import type { Runtime } from './runtime.ts';

export interface DemoOptions {
  floorId: string;
  users: number;
  seed: number;
}

/**
 * The demo gym floor of `npm start`: simulated athletes check in (profile + session) and stream
 * 1 Hz telemetry in real time through the same ingest path devices use.
 */
export async function startDemoFloor(rt: Runtime, opts: DemoOptions): Promise<{ athletes: { userId: string }[] }> {
  const sim = createSimulation({
    seed: opts.seed,
    users: opts.users,
    floorId: opts.floorId,
    startTs: Date.now(),
    rateHz: 1,
    durationSec: 24 * 3600,
    faults: true,
  });
  await emitter(rt.deps, 'simulator', 'profiles').send(sim.profiles());
  await emitter(rt.deps, 'simulator', 'sessions').send(sim.sessions());
  const ingestor = createIngestor(rt.deps);
  const abort = new AbortController();
  const running = runSimulation(sim, {
    realTime: true,
    signal: abort.signal,
    deliver: (samples) => {
      const now = Date.now();
      for (const s of samples) s.receivedAt = now;
      return ingestor.ingest(samples);
    },
  }).catch((err: unknown) => rt.deps.logger.error({ err }, 'demo simulation failed'));
  rt.lifecycle.onStop('demo-simulation', async () => {
    abort.abort();
    await running;
  });
  return { athletes: sim.athletes };
}

/** The lines `npm start` prints: where to look, with the tokens to get in. */
export async function demoBanner(rt: Runtime, floorId: string, athleteId: string | undefined): Promise<string> {
  const ttl = '12h';
  const floor = await rt.signer.sign({ role: 'floor', floor: floorId }, ttl);
  const coach = await rt.signer.sign({ role: 'coach', floor: floorId }, ttl);
  const device = await rt.signer.sign({ role: 'device', floor: floorId }, ttl);
  const lines = [
    '',
    `pulsecoach is running at ${rt.url} (Ctrl-C stops it cleanly)`,
    '',
    `  gym floor:  ${rt.url}/floor/${floorId}#token=${floor}`,
    `  coach:      ${rt.url}/coach/${floorId}#token=${coach}`,
  ];
  if (athleteId) {
    const athlete = await rt.signer.sign({ role: 'athlete', user: athleteId }, ttl);
    lines.push(`  athlete:    ${rt.url}/athlete/${athleteId}#token=${athlete}`);
  }
  lines.push(
    '',
    `  device token for POST ${rt.url}/v1/ingest (gateway of floor ${floorId}, valid ${ttl}):`,
    `  ${device}`,
    '',
  );
  return lines.join('\n');
}
