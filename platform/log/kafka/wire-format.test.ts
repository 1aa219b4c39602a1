import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { kafkaForSuite } from '../../../test/kafka-fixture.ts';
import { readTopic } from '../../../test/pipeline-driver.ts';
import { loadSchema, serde, topics, topicSchemas, type Sample } from '../../../schemas/index.ts';
import { startProcessor } from '../../../stream-processors/index.ts';
import { testSample } from '../../../stream-processors/test-samples.ts';
import { startStageHarness } from '../../stage-harness.ts';
import { KafkaLog } from './kafka-log.ts';

/**
 * Avro in Confluent wire format against a real registry (Apicurio's ccompat API, or
 * SCHEMA_REGISTRY_URL) and a real broker: what goes on the wire, what a reader of an older schema
 * version gets, what the registry refuses, and where records that cannot be read go.
 */
const { service, registry } = await kafkaForSuite({ registry: true });
let namespaces = 0;

async function open(options: { registry: boolean; namespace: string }): Promise<KafkaLog> {
  return KafkaLog.open({
    brokers: service!.brokers,
    namespace: options.namespace,
    partitions: 1,
    commitIntervalMs: 200,
    schemaRegistry: options.registry ? { url: registry!.url, schemas: topicSchemas() } : undefined,
  });
}

const fresh = () => `wire-${process.pid}-${++namespaces}.`;
const samplesTopic = topics.samples.name;
/** (on a window boundary of the epoch's grid) */
const T0 = Date.UTC(2026, 0, 5, 9);
/** a sample `ms` after T0 */
const sample = (ms: number, bpm: number): Sample => testSample(T0 + ms, bpm);

async function registryJson(path: string, init?: RequestInit): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${registry!.url}${path}`, {
    ...init,
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json', ...init?.headers },
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

/** Every record of a topic as a plain reader sees it: the bytes on the wire. */
async function rawValues(namespace: string, topic: string): Promise<Buffer[]> {
  const raw = await open({ registry: false, namespace });
  try {
    await raw.ensureTopics([{ name: topic }]);
    return await readTopic(raw, topic, (b) => b, `raw-${++namespaces}`);
  } finally {
    await raw.close();
  }
}

describe('Kafka values in Confluent wire format', () => {
  it('frames values with the registered id of the subject <topic>-value and reads them back', async (ctx) => {
    if (!service || !registry) return ctx.skip();
    const namespace = fresh();
    const log = await open({ registry: true, namespace });
    try {
      await log.ensureTopics([{ name: samplesTopic }]);
      const values = [sample(1_000, 120), sample(2_000, 121)];
      await log.produce(
        samplesTopic,
        values.map((v) => ({ key: v.userId, value: serde('Sample').encode(v) })),
      );

      const wire = await rawValues(namespace, samplesTopic);
      expect(wire).toHaveLength(2);
      const ids = new Set(wire.map((b) => b.readInt32BE(1)));
      expect(wire.map((b) => b[0])).toEqual([0, 0]);
      expect(ids.size).toBe(1);
      // the registry, asked by id, answers this build's schema, and the subject is BACKWARD
      const [id] = [...ids];
      const byId = await registryJson(`/schemas/ids/${id}`);
      expect(JSON.parse((byId.body as { schema: string }).schema)).toEqual(loadSchema('Sample'));
      const subject = encodeURIComponent(`${namespace}${samplesTopic}-value`);
      expect((await registryJson(`/config/${subject}`)).body).toMatchObject({ compatibilityLevel: 'BACKWARD' });
      expect(wire.map((b) => serde('Sample').decode(b.subarray(5)))).toEqual(values);

      const got = await readTopic(log, samplesTopic, (b) => serde('Sample').decode(b));
      expect(got).toEqual(values);
    } finally {
      await log.close();
    }
  }, 120_000);

  it("resolves a record written with the subject's older schema to this build's, defaults filled in", async (ctx) => {
    if (!service || !registry) return ctx.skip();
    const namespace = fresh();
    const current = loadSchema('Sample') as { fields: { name: string; default?: unknown }[] };
    const dropped = current.fields.find((f) => f.name !== 'rr' && 'default' in f)!;
    const older = { ...current, fields: current.fields.filter((f) => f !== dropped) };
    const subject = encodeURIComponent(`${namespace}${samplesTopic}-value`);
    const registered = await registryJson(`/subjects/${subject}/versions`, {
      method: 'POST',
      body: JSON.stringify({ schema: JSON.stringify(older) }),
    });
    const olderId = (registered.body as { id: number }).id;
    const olderType = avro.Type.forSchema(older as avro.Schema);
    const { [dropped.name]: _, ...olderValue } = sample(3_000, 130) as unknown as Record<string, unknown>;
    const frame = Buffer.alloc(5);
    frame.writeInt32BE(olderId, 1);

    const raw = await open({ registry: false, namespace });
    const log = await open({ registry: true, namespace });
    try {
      await raw.ensureTopics([{ name: samplesTopic }]);
      await raw.produce(samplesTopic, [{ key: 'u1', value: Buffer.concat([frame, olderType.toBuffer(olderValue)]) }]);
      await log.ensureTopics([{ name: samplesTopic }]); // registers this build's schema as version 2
      const got = await readTopic(log, samplesTopic, (b) => serde('Sample').decode(b));
      expect(got).toEqual([{ ...olderValue, [dropped.name]: dropped.default }]);
      expect(((await registryJson(`/subjects/${subject}/versions`)).body as number[]).length).toBe(2);
    } finally {
      await Promise.all([raw.close(), log.close()]);
    }
  }, 120_000);

  it('refuses to start on a subject whose registered schema this build cannot read (BACKWARD)', async (ctx) => {
    if (!service || !registry) return ctx.skip();
    const namespace = fresh();
    const subject = encodeURIComponent(`${namespace}${samplesTopic}-value`);
    // an older Sample without deviceId: this build's deviceId has no default, so it cannot read those records
    const current = loadSchema('Sample') as { fields: { name: string }[] };
    const older = { ...current, fields: current.fields.filter((f) => f.name !== 'deviceId') };
    await registryJson(`/subjects/${subject}/versions`, {
      method: 'POST',
      body: JSON.stringify({ schema: JSON.stringify(older) }),
    });
    await registryJson(`/config/${subject}`, { method: 'PUT', body: JSON.stringify({ compatibility: 'BACKWARD' }) });
    const log = await open({ registry: true, namespace });
    try {
      await expect(log.ensureTopics([{ name: samplesTopic }])).rejects.toThrow(
        new RegExp(`${namespace.replace('.', '\\.')}pulse\\.samples\\.v1-value: it is not BACKWARD compatible`),
      );
    } finally {
      await log.close();
    }
  }, 120_000);

  it('sends records without a frame, with an unknown schema id or a broken body to pulse.dlq.v1, as they were on the wire', async (ctx) => {
    if (!service || !registry) return ctx.skip();
    const namespace = fresh();
    const log = await open({ registry: true, namespace });
    const raw = await open({ registry: false, namespace });
    // epoch-aligned 10 s windows: 1,000 and 2,000 share one
    const h = await startStageHarness({
      log,
      prefix: 'pulse-wire-',
      config: { windowStagger: false },
    });
    try {
      await raw.ensureTopics([{ name: samplesTopic }]);
      const codec = serde('Sample');
      const unknownId = Buffer.concat([Buffer.from([0, 0x7f, 0xff, 0xff, 0x00]), codec.encode(sample(1_500, 99))]);
      const unframed = codec.encode(sample(1_600, 98));
      // framed with this build's id, but the body ends halfway: the stage cannot decode it
      const registered = Buffer.concat([Buffer.from([0]), Buffer.alloc(4), codec.encode(sample(1_700, 97))]);
      registered.writeInt32BE(log.schemaIdOf(samplesTopic)!, 1);
      const corrupt = registered.subarray(0, registered.length - 6);
      await h.produce('samples', [sample(1_000, 120)]);
      await raw.produce(samplesTopic, [
        { key: 'u1', value: unknownId },
        { key: 'u1', value: unframed },
        { key: 'u1', value: corrupt },
      ]);
      await h.produce('samples', [sample(2_000, 121), sample(60_000, 122)]);

      const stage = startProcessor(h.deps);
      await stage.subscription.caughtUp();
      await stage.close();

      const dead = await h.read('dlq');
      expect(dead.map((d) => [d.reason, d.sourceTopic, d.sourceOffset, d.stage])).toEqual([
        ['unknown-schema', samplesTopic, 1, 'processor'],
        ['not-wire-format', samplesTopic, 2, 'processor'],
        ['undecodable', samplesTopic, 3, 'processor'],
      ]);
      expect(dead[0]!.payload).toEqual(unknownId);
      expect(dead[0]!.detail).toBe(`schema id ${0x7fffff00} on subject ${namespace}${samplesTopic}-value`);
      expect(dead[1]!.payload).toEqual(unframed);
      expect(dead[2]!.payload).toEqual(corrupt);
      // the readable samples around them were windowed: the first window holds 1,000 and 2,000
      const features = await h.read('features');
      expect(features[0]).toMatchObject({ userId: 'u1', windowStart: T0, samples: 2, hrMin: 120, hrMax: 121 });
    } finally {
      await h.close();
      await raw.close();
    }
  }, 120_000);

  it("dead-letters a record close to Kafka's size limit, whose dead letter holds its key twice, and goes on", async (ctx) => {
    if (!service || !registry) return ctx.skip();
    const namespace = fresh();
    const log = await open({ registry: true, namespace });
    const raw = await open({ registry: false, namespace });
    const h = await startStageHarness({ log, prefix: 'pulse-wire-', config: { windowStagger: false } });
    try {
      await raw.ensureTopics([{ name: samplesTopic }]);
      // 950 kB, under the broker's 1 MB a record; its dead letter is the key, then the payload and
      // the key again
      const key = 'k'.repeat(600_000);
      const value = Buffer.alloc(350_000, 7);
      await raw.produce(samplesTopic, [{ key, value }]);
      await h.produce('samples', [sample(1_000, 120), sample(60_000, 121)]);

      const stage = startProcessor(h.deps);
      await stage.subscription.caughtUp();
      await stage.close();

      const dead = await h.read('dlq');
      expect(dead.map((d) => [d.reason, d.key === key, d.payload.length])).toEqual([
        ['not-wire-format', true, 350_000],
      ]);
      expect(Buffer.from(dead[0]!.payload)).toEqual(value);
      expect(await h.read('features')).toMatchObject([{ windowStart: T0, samples: 1, hrMax: 120 }]);
    } finally {
      await h.close();
      await raw.close();
    }
  }, 120_000);
});
