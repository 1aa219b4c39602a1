import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { startInference } from '../inference/index.ts';
import {
  createLog,
  createLogger,
  createMetrics,
  KafkaLog,
  loadConfig,
  type Log,
  type StageDeps,
} from '../platform/index.ts';
import { serde, topics, topicSpecs } from '../schemas/index.ts';
import { startProcessor } from '../stream-processors/index.ts';
import { kafkaService, registryService } from '../test/services.ts';
import { percentile, round } from './stats.ts';

export interface KafkaFigures {
  /** samples the processor consumed per second over the measured period, through the broker */
  samplesPerSec: number;
  offeredSamplesPerSec: number;
  /** from the produce of the sample that closed a window to its readiness read from the output topic */
  latencyMs: { p50: number; p99: number };
  latencySamples: number;
  warmupSeconds: number;
  /** the same over the warm-up, reported apart */
  warmupLatencyMs: { p50: number; p99: number };
  /** a bare kafkajs consumer reading the same samples topic (no decoding): the ceiling */
  rawConsumePerSec: number;
  /** samplesPerSec / rawConsumePerSec */
  shareOfRaw: number;
  /**
   * the stages' ceiling: a processor of a new group draining the same samples topic from its start
   * (decode, windows, features produced; exactly once when PULSE_EXACTLY_ONCE says so)
   */
  processorDrainPerSec: number;
  /** processorDrainPerSec / rawConsumePerSec */
  drainShareOfRaw: number;
  exactlyOnce: string[];
  users: number;
  partitions: number;
  seconds: number;
  broker: string;
}

const TICK_MS = 50;

/**
 * Kafka mode end to end on a real broker (KAFKA_BROKERS, else Kafka 4.4 started from the Maven
 * jars): simulated athletes' samples are produced at a paced rate from a worker thread, the processor
 * and inference stages run here over Kafka, and a consumer of pulse.readiness.v1 times each score
 * against the produce of the sample that closed its window. Then a bare kafkajs consumer reads the
 * samples topic from the start, for the ceiling.
 */
export async function benchKafka(opts: {
  users: number;
  rate: number;
  seconds: number;
  /** seconds produced before the measured period (as in the embedded section) */
  warmupSeconds: number;
}): Promise<KafkaFigures | { skipped: string }> {
  const service = await kafkaService().catch((err: unknown) => {
    throw new Error(`bench kafka: ${(err as Error).message}`);
  });
  if (!service)
    return { skipped: 'no Kafka: set KAFKA_BROKERS, or install Java 17 and Maven for deploy/local/kafka.sh' };
  // the producer thread and the stages share schema ids: a registry both reach, not mock://
  const registry = await registryService();
  if (!registry) {
    await service.dispose();
    return { skipped: 'no schema registry: set SCHEMA_REGISTRY_URL, or install Java 17 and Maven' };
  }
  const dir = mkdtempSync(join(tmpdir(), 'pulse-bench-kafka-'));
  const prefix = `bench-${Date.now()}.`;
  const logger = createLogger('warn');
  const config = loadConfig(
    {
      ...process.env,
      PULSE_MODE: 'kafka',
      KAFKA_BROKERS: service.brokers.join(','),
      PULSE_KAFKA_PREFIX: prefix,
      SCHEMA_REGISTRY_URL: registry.url,
      PULSE_AUTH_SECRET: process.env.PULSE_AUTH_SECRET ?? 'bench-secret-0123456789abcdef',
    },
    { 'data-dir': dir, 'log-level': 'warn' },
  );
  let log: Log | null = null;
  try {
    log = await createLog(config, logger);
    await log.ensureTopics(topicSpecs);
    const deps: StageDeps = { log, logger, metrics: createMetrics(), config };
    const processor = startProcessor(deps);
    const inference = startInference(deps);
    const latencies: number[] = [];
    const warmupLatencies: number[] = [];
    let measuring = false;
    const trace = serde('Readiness').projection(['traceArrivalMs'] as const);
    const readiness = log.subscribe({
      group: 'bench-readiness',
      topics: [topics.readiness.name],
      fromBeginning: false,
      onBatch(records) {
        const now = Date.now();
        const into = measuring ? latencies : warmupLatencies;
        for (const r of records) {
          const t = trace.decode(r.value).traceArrivalMs;
          if (t > 0) into.push(now - t);
        }
      },
    });
    await readiness.caughtUp();

    const consumed = async () =>
      (await deps.metrics.recordsIn.get()).values.find(
        (v) => v.labels.stage === 'processor' && v.labels.topic === topics.samples.name,
      )?.value ?? 0;
    const producer = new Worker(new URL('./worker-bootstrap.js', import.meta.url), {
      workerData: {
        module: new URL('./kafka-producer.ts', import.meta.url).href,
        brokers: service.brokers,
        prefix,
        partitions: config.partitions,
        registryUrl: registry.url,
        users: opts.users,
        rate: opts.rate,
        seconds: opts.warmupSeconds + opts.seconds,
        tickMs: TICK_MS,
      },
    });
    let offered = 0;
    let measuredFrom = 0;
    let consumedAtStart = 0;
    const warmupEnds = Date.now() + opts.warmupSeconds * 1000;
    producer.on('message', (m: { type: string; n?: number; at?: number }) => {
      if (m.type !== 'offered') return;
      if (!measuring && m.at! >= warmupEnds) {
        measuring = true;
        measuredFrom = Date.now();
        void consumed().then((n) => (consumedAtStart = n));
        offered = 0;
      }
      offered += m.n!;
    });
    await new Promise<void>((resolve, reject) => {
      producer.on('message', (m: { type: string }) => m.type === 'done' && resolve());
      producer.once('error', reject);
    });
    await producer.terminate();
    const measuredS = (Date.now() - measuredFrom) / 1000;
    const processed = (await consumed()) - consumedAtStart;
    measuring = false;
    await readiness.close();
    await inference.close();
    await processor.close();

    if (!(log instanceof KafkaLog)) throw new Error('bench kafka: PULSE_MODE=kafka did not give a KafkaLog');
    const rawConsume = await measureRawConsume(log, prefix + topics.samples.name);
    const drain = await measureProcessorDrain(deps, log);
    const samplesPerSec = Math.round(processed / measuredS);
    return {
      samplesPerSec,
      offeredSamplesPerSec: Math.round(offered / measuredS),
      latencyMs: { p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)) },
      latencySamples: latencies.length,
      warmupSeconds: opts.warmupSeconds,
      warmupLatencyMs: { p50: round(percentile(warmupLatencies, 50)), p99: round(percentile(warmupLatencies, 99)) },
      rawConsumePerSec: rawConsume,
      shareOfRaw: round(samplesPerSec / rawConsume, 2),
      processorDrainPerSec: drain,
      drainShareOfRaw: round(drain / rawConsume, 2),
      exactlyOnce: config.exactlyOnce,
      users: opts.users,
      partitions: config.partitions,
      seconds: opts.seconds,
      broker: process.env.KAFKA_BROKERS ? 'KAFKA_BROKERS' : 'Kafka 4.4 (deploy/local/kafka.sh)',
    };
  } finally {
    await log?.close();
    await service.dispose();
    await registry.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A processor in a group of its own reads the samples topic from its start: records/s to the end. */
async function measureProcessorDrain(deps: StageDeps, log: KafkaLog): Promise<number> {
  const total = (await log.endOffsets(topics.samples.name)).reduce((n, e) => n + e, 0);
  const began = Date.now();
  const stage = startProcessor(deps, { group: `bench-drain-${began}` });
  await stage.subscription.caughtUp();
  const seconds = (Date.now() - began) / 1000;
  await stage.close();
  return Math.round(total / seconds);
}

/** A kafkajs consumer that only counts what it reads: records/s from the start to the end. */
async function measureRawConsume(log: KafkaLog, topic: string): Promise<number> {
  const ends = await log.admin.fetchTopicOffsets(topic);
  const total = ends.reduce((n, e) => n + Number(e.high) - Number(e.low), 0);
  const consumer = log.kafka.consumer({ groupId: `${topic}.raw-${Date.now()}`, maxWaitTimeInMs: 50 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let read = 0;
  const began = Date.now();
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        partitionsConsumedConcurrently: ends.length,
        eachBatch: async ({ batch }) => {
          read += batch.messages.length;
          if (read >= total) resolve();
        },
      })
      .catch(reject);
  });
  const seconds = (Date.now() - began) / 1000;
  await consumer.disconnect();
  return Math.round(total / seconds);
}
