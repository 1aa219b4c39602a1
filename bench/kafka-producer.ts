// Worker thread of the kafka bench: the gateways. Simulated athletes' samples are produced to the
// samples topic at a paced rate from a KafkaLog of this thread's own, off the stages' event loop,
// as devices (or a gateway) writing to the cluster would.
import { parentPort, workerData } from 'node:worker_threads';
import { createSimulation } from '../ingest/index.ts';
import { KafkaLog } from '../platform/index.ts';
import { serde, topics, topicSchemas, type Sample } from '../schemas/index.ts';

const { brokers, prefix, partitions, registryUrl, users, rate, seconds, tickMs } = workerData as {
  brokers: string[];
  prefix: string;
  partitions: number;
  registryUrl: string;
  users: number;
  rate: number;
  seconds: number;
  tickMs: number;
};
const port = parentPort!;
const log = await KafkaLog.open({
  brokers,
  namespace: prefix,
  partitions,
  schemaRegistry: { url: registryUrl, schemas: topicSchemas() },
});
await log.ensureTopics([{ name: topics.samples.name }]);
const codec = serde('Sample');
const startTs = Date.now();
const sim = createSimulation({
  seed: 5,
  users,
  floorId: 'bench',
  startTs,
  rateHz: rate / users,
  durationSec: seconds + 60,
  faults: false,
});
port.postMessage({ type: 'started' });
const end = startTs + seconds * 1000;
// a few batches in flight at once, as several gateways would have
const inFlight = new Set<Promise<void>>();
for (let tick = startTs; Date.now() < end; tick += tickMs) {
  const batch: Sample[] = sim.next(Math.min(Date.now(), tick));
  const now = Date.now();
  const sent = log.produce(
    topics.samples.name,
    batch.map((s) => ({ key: s.userId, value: codec.encode({ ...s, receivedAt: now }) })),
  );
  inFlight.add(sent);
  void sent.finally(() => inFlight.delete(sent));
  port.postMessage({ type: 'offered', n: batch.length, at: now });
  if (inFlight.size >= 4) await Promise.race(inFlight);
  const wait = tick + tickMs - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}
await Promise.all(inFlight);
await log.close();
port.postMessage({ type: 'done' });
