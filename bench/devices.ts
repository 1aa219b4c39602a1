// Worker thread of the embedded bench: the wearables. The simulator generates each floor's
// samples at the offered rate, off the server's event loop (devices are not on the server), and
// posts them in 50 ms ticks; profiles and sessions first.
import { parentPort, workerData } from 'node:worker_threads';
import { createSimulation } from '../ingest/index.ts';
import type { Sample } from '../schemas/index.ts';

const { floors, perFloor, startTs, rate, seconds } = workerData as {
  floors: number;
  perFloor: number;
  startTs: number;
  rate: number;
  seconds: number;
};
const sims = Array.from({ length: floors }, (_, f) =>
  createSimulation({
    seed: f + 1,
    users: perFloor,
    floorId: `bench${f}`,
    startTs,
    rateHz: 1,
    durationSec: 86_400,
    faults: true,
  }),
);
const port = parentPort!;
port.postMessage({
  type: 'athletes',
  profiles: sims.flatMap((s) => s.profiles()),
  sessions: sims.flatMap((s) => s.sessions()),
});

port.once('message', async () => {
  const tickMs = 50;
  const perTick = Math.round((rate * tickMs) / 1000);
  let simTs = startTs;
  let buffered: Sample[] = [];
  const began = performance.now();
  let next = began;
  while (performance.now() < began + seconds * 1000) {
    while (buffered.length < perTick) {
      simTs += 1000;
      for (const s of sims) buffered.push(...s.next(simTs));
    }
    port.postMessage({ type: 'samples', samples: buffered.slice(0, perTick) });
    buffered = buffered.slice(perTick);
    next += tickMs;
    const wait = next - performance.now();
    await new Promise((r) => (wait > 0 ? setTimeout(r, wait) : setImmediate(r)));
  }
  port.postMessage({ type: 'done' });
});
