import { basename } from 'node:path';
import { afterAll } from 'vitest';
import { kafkaService } from '../../../test/services.ts';
import { logContract } from '../contract.ts';
import { KafkaLog } from './index.ts';

/**
 * The Log contract on a real Kafka broker: each test's directory names a namespace of its own
 * (topics and groups), so reopening "the same dir" finds the same topics, offsets and checkpoints.
 */
const service = await kafkaService();
afterAll(async () => service?.dispose(), 60_000);

if (service) {
  logContract('kafka', (dir) =>
    KafkaLog.open({ brokers: service.brokers, namespace: `${basename(dir)}.`, partitions: 1, commitIntervalMs: 200 }),
  );
}
