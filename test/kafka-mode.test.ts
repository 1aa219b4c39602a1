import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEmbeddedLog, KafkaLog, type Log } from '../platform/index.ts';
import { serde, topics, topicSchemas } from '../schemas/index.ts';
import { byWindow, drive, readTopic, type Run } from './pipeline-driver.ts';
import { kafkaForSuite } from './kafka-fixture.ts';

/**
 * PULSE_MODE=kafka runs the same stage code over a real Kafka broker: the same seeded floor,
 * driven the same way through the HTTP intake, gives the same feature windows as embedded mode,
 * and every acknowledged sample is in the broker's samples topic.
 */
const { service, registry, removeAfter } = await kafkaForSuite({ registry: true });

async function read(log: Log) {
  try {
    return {
      features: await readTopic(log, topics.features.name, (b) => serde('Features').decode(b)),
      samples: await readTopic(log, topics.samples.name, (b) => serde('Sample').decode(b)),
    };
  } finally {
    await log.close();
  }
}

describe('kafka mode', () => {
  it('computes the features embedded mode computes, and keeps every acknowledged sample', async (ctx) => {
    if (!service || !registry) return ctx.skip();
    const prefix = `kafka-mode-${process.pid}.`;
    const brokers = service.brokers.join(',');
    const embedded: Run = await drive(null);
    const kafka: Run = await drive(null, {
      PULSE_MODE: 'kafka',
      KAFKA_BROKERS: brokers,
      PULSE_KAFKA_PREFIX: prefix,
      SCHEMA_REGISTRY_URL: registry.url,
    });
    removeAfter(embedded.dataDir);
    removeAfter(kafka.dataDir);

    const ref = await read(
      await createEmbeddedLog({
        dir: join(embedded.dataDir, 'log'),
        partitions: 4,
        fsyncIntervalMs: 5,
        retentionMs: 1e12,
        retentionBytes: 1e12,
      }),
    );
    const got = await read(
      await KafkaLog.open({
        brokers: service.brokers,
        namespace: prefix,
        partitions: 4,
        schemaRegistry: { url: registry.url, schemas: topicSchemas() },
      }),
    );

    const logged = new Set(got.samples.map((s) => `${s.userId}|${s.deviceId}|${s.ts}|${s.bpm}`));
    expect(kafka.acked.filter((s) => !logged.has(`${s.userId}|${s.deviceId}|${s.ts}|${s.bpm}`))).toEqual([]);

    const refWindows = byWindow(ref.features);
    const gotWindows = byWindow(got.features);
    expect(refWindows.size).toBeGreaterThan(6 * 20);
    expect([...gotWindows.keys()].sort()).toEqual([...refWindows.keys()].sort());
    for (const [key, f] of refWindows) expect(gotWindows.get(key), key).toEqual(f);
  }, 300_000);
});
