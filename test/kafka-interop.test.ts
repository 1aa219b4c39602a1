import avro from 'avsc';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { KafkaLog, startStageHarness } from '../platform/index.ts';
import { loadSchema, serde, topics, topicSchemas, topicSpecs, type Sample } from '../schemas/index.ts';
import { startProcessor } from '../stream-processors/index.ts';
import { testSample } from '../stream-processors/test-samples.ts';
import { kafkaForSuite } from './kafka-fixture.ts';
import { readTopic } from './pipeline-driver.ts';
import { CLI, TEST_SECRET } from './support.ts';

/**
 * Kafka from outside the pipeline's own roles. Interoperability with a client nobody here wrote,
 * Debian's kcat (librdkafka): its records in Confluent wire format feed the pipeline, and it reads
 * pulsecoach's output, whose schema the registry hands out by the id in each record. And the two
 * commands that talk to the cluster directly: `simulate --kafka` and `migrate`.
 */
const { service, registry } = await kafkaForSuite({ registry: true });
const run = promisify(execFile);
const hasKcat = await run('kcat', ['-V']).then(
  () => true,
  () => false,
);

async function schemaById(id: number): Promise<avro.Type> {
  const res = await fetch(`${registry!.url}/schemas/ids/${id}`);
  expect(res.status).toBe(200);
  return avro.Type.forSchema(JSON.parse(((await res.json()) as { schema: string }).schema) as avro.Schema);
}

/** kcat -P with file arguments: each file is sent whole as one record (no delimiter splitting). */
async function kcatProduce(topic: string, key: string, values: Buffer[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pulse-kcat-'));
  try {
    const files = values.map((v, i) => {
      const file = join(dir, `record-${i}`);
      writeFileSync(file, v);
      return file;
    });
    await run('kcat', ['-P', '-b', service!.brokers.join(','), '-t', topic, '-k', key, ...files]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** kcat -C: every record of a topic as key and the exact value bytes. */
async function kcatConsume(topic: string): Promise<{ key: string; value: Buffer }[]> {
  const { stdout } = await run(
    'kcat',
    ['-C', '-b', service!.brokers.join(','), '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%k\t%S\t%s'],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  );
  const out: { key: string; value: Buffer }[] = [];
  let at = 0;
  while (at < stdout.length) {
    const tab1 = stdout.indexOf(9, at);
    const tab2 = stdout.indexOf(9, tab1 + 1);
    const key = stdout.subarray(at, tab1).toString();
    const length = Number(stdout.subarray(tab1 + 1, tab2).toString());
    out.push({ key, value: stdout.subarray(tab2 + 1, tab2 + 1 + length) });
    at = tab2 + 1 + length;
  }
  return out;
}

describe('kafka interoperability (kcat)', () => {
  it('processes samples kcat produced in Avro wire format, and kcat reads the features back', async (ctx) => {
    if (!service || !registry) return ctx.skip();
    if (!hasKcat) {
      if (process.env.CI === 'true') throw new Error('CI=true and kcat is missing (apt-get install kcat)');
      console.warn('\n!!! kcat is not installed (apt-get install kcat): the interop test is SKIPPED\n');
      return ctx.skip();
    }
    const namespace = `interop-${process.pid}.`;
    const log = await KafkaLog.open({
      brokers: service.brokers,
      namespace,
      partitions: 1,
      commitIntervalMs: 200,
      exactlyOnceCommitIntervalMs: 200,
      schemaRegistry: { url: registry.url, schemas: topicSchemas() },
    });
    const h = await startStageHarness({ log, prefix: 'pulse-interop-', config: { windowStagger: false } });
    try {
      // the id kcat's producer would get from a Confluent serializer: the subject's registered one
      const subject = encodeURIComponent(`${namespace}${topics.samples.name}-value`);
      const latest = (await (await fetch(`${registry.url}/subjects/${subject}/versions/latest`)).json()) as {
        id: number;
      };
      const sampleType = avro.Type.forSchema(loadSchema('Sample') as avro.Schema);
      const frame = (s: Sample) => {
        const header = Buffer.alloc(5);
        header.writeInt32BE(latest.id, 1);
        return Buffer.concat([header, sampleType.toBuffer(s)]);
      };
      // (a minute on a window boundary of the epoch's grid)
      const T0 = Date.UTC(2026, 0, 5, 9);
      const sample = (ts: number, bpm: number): Sample =>
        testSample(T0 + ts, bpm, { userId: 'kcat-user', deviceId: 'strap', receivedAt: T0 + ts });
      const fromTheFuture = sample(Date.now() + 86_400_000 - T0, 150);
      await kcatProduce(`${namespace}${topics.samples.name}`, 'kcat-user', [
        frame(sample(1_000, 140)),
        frame(sample(4_000, 150)),
        // stamped a day ahead of the record's timestamp (kcat's clock): refused, not read
        frame(fromTheFuture),
        frame(sample(60_000, 90)),
      ]);

      const stage = startProcessor(h.deps);
      await stage.subscription.caughtUp();
      await stage.close();

      const records = await kcatConsume(`${namespace}${topics.features.name}`);
      expect(records.length).toBeGreaterThan(0);
      const first = records[0]!;
      expect(first.key).toBe('kcat-user');
      expect(first.value[0]).toBe(0);
      const writer = await schemaById(first.value.readInt32BE(1));
      const features = writer.fromBuffer(first.value.subarray(5)) as Record<string, unknown>;
      expect(features).toMatchObject({ userId: 'kcat-user', windowStart: T0, samples: 2, hrMin: 140, hrMax: 150 });
      const dead = await h.read('dlq');
      expect(dead.map((d) => [d.reason, d.detail])).toEqual([
        ['invalid', 'ts: is in the future beyond the allowed clock skew'],
      ]);
      // the bytes kcat sent, wire-format header and all
      expect(Buffer.from(dead[0]!.payload)).toEqual(frame(fromTheFuture));
    } finally {
      await h.close();
    }
  }, 120_000);
});

describe('pulsecoach simulate --kafka', () => {
  it('checks the athletes in and produces their samples to the cluster, in wire format', async (ctx) => {
    if (!service || !registry) return ctx.skip();
    const namespace = `simulate-${process.pid}.`;
    const env = {
      ...process.env,
      KAFKA_BROKERS: service.brokers.join(','),
      SCHEMA_REGISTRY_URL: registry.url,
      PULSE_KAFKA_PREFIX: namespace,
      PULSE_LOG_LEVEL: 'warn',
    };
    const args = ['simulate', '--kafka', '--users', '3', '--duration', '20', '--rate', '2', '--fast', '--no-faults'];
    const { stderr } = await run(process.execPath, [CLI, ...args], { env });
    const sent = /sent (\d+) samples to Kafka, (\d+) accepted\n$/.exec(stderr);
    expect(sent, stderr).not.toBeNull();
    expect(Number(sent![2])).toBe(Number(sent![1]));

    const log = await KafkaLog.open({
      brokers: service.brokers,
      namespace,
      partitions: 4,
      schemaRegistry: { url: registry.url, schemas: topicSchemas() },
    });
    try {
      const samples = await readTopic(log, topics.samples.name, (b) => serde('Sample').decode(b));
      const profiles = await readTopic(log, topics.profiles.name, (b) => serde('Profile').decode(b));
      const sessions = await readTopic(log, topics.sessions.name, (b) => serde('Session').decode(b));
      expect(samples).toHaveLength(Number(sent![1]));
      // 3 athletes at 2 Hz for 20 s, every sample stamped on arrival
      expect(samples.length).toBe(3 * 2 * 20);
      expect(samples.every((x) => x.receivedAt >= x.ts)).toBe(true);
      const users = new Set(samples.map((x) => x.userId));
      expect(new Set(profiles.map((p) => p.userId))).toEqual(users);
      expect(sessions.map((x) => x.floorId)).toEqual(['demo', 'demo', 'demo']);
    } finally {
      await log.close();
    }
  }, 120_000);
});

describe('pulsecoach migrate in kafka mode', () => {
  it('creates every topic and registers every value schema before any role starts', async (ctx) => {
    if (!service || !registry) return ctx.skip();
    const namespace = `migrate-${process.pid}.`;
    const dataDir = mkdtempSync(join(tmpdir(), 'pulse-migrate-'));
    try {
      const env = {
        ...process.env,
        PULSE_MODE: 'kafka',
        KAFKA_BROKERS: service.brokers.join(','),
        SCHEMA_REGISTRY_URL: registry.url,
        PULSE_KAFKA_PREFIX: namespace,
        PULSE_AUTH_SECRET: TEST_SECRET,
        PULSE_DATA_DIR: dataDir,
      };
      const { stdout } = await run(process.execPath, [CLI, 'migrate'], { env });
      expect(stdout).toMatch(/^kafka: 9 topics ready, their value schemas registered/m);
      const subjects = (await (await fetch(`${registry.url}/subjects`)).json()) as string[];
      expect(subjects.filter((s) => s.startsWith(namespace)).sort()).toEqual(
        topicSpecs.map((t) => `${namespace}${t.name}-value`).sort(),
      );
      const config = await fetch(
        `${registry.url}/config/${encodeURIComponent(`${namespace}${topics.samples.name}-value`)}`,
      );
      expect(await config.json()).toMatchObject({ compatibilityLevel: 'BACKWARD' });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
