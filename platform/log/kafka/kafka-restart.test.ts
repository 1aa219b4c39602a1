import { describe, expect, it } from 'vitest';
import { afterAll } from 'vitest';
import { kafkaService } from '../../../test/services.ts';
import type { LogRecord } from '../types.ts';
import { KafkaLog } from './index.ts';

/**
 * The broker stops mid-stream and starts again on its data: every record whose produce resolved
 * is there afterwards, once, in order per key, and a consumer group reads on across the outage.
 */
const service = await kafkaService();
afterAll(async () => service?.dispose(), 60_000);

describe('KafkaLog across a broker restart', () => {
  it('loses no acknowledged record and doubles none', async (ctx) => {
    if (!service?.stop || !service.start) return ctx.skip();
    const log = await KafkaLog.open({ brokers: service.brokers, namespace: `restart-${process.pid}.`, partitions: 2 });
    try {
      await log.ensureTopics([{ name: 't' }]);
      const seen: LogRecord[] = [];
      const sub = log.subscribe({ group: 'reader', topics: ['t'], onBatch: (rs) => void seen.push(...rs) });
      const acked: string[] = [];
      const keys = ['ana', 'ben', 'cai'];
      let outage: Promise<void> | null = null;
      for (let i = 0; i < 60; i++) {
        if (i === 20) {
          await service.stop();
          // back after a while; produces meanwhile wait in the client's retries or fail
          outage = new Promise((r) => setTimeout(r, 2000)).then(() => service.start!());
        }
        const batch = keys.map((k) => ({ key: k, value: Buffer.from(`${k}#${i}`) }));
        try {
          await log.produce('t', batch);
          acked.push(...batch.map((b) => b.value.toString()));
        } catch {
          // not acknowledged: a device would send it again; it may or may not be in the log
        }
      }
      await outage;
      await sub.caughtUp();
      await sub.close();
      const values = seen.map((r) => r.value.toString());
      expect(acked.length).toBeGreaterThanOrEqual(40 * keys.length);
      expect(acked.filter((v) => !values.includes(v))).toEqual([]);
      expect(new Set(values).size).toBe(values.length);
      for (const k of keys) {
        const order = values.filter((v) => v.startsWith(`${k}#`)).map((v) => Number(v.split('#')[1]));
        expect(order).toEqual([...order].sort((x, y) => x - y));
      }
    } finally {
      await log.close();
    }
  }, 180_000);
});
