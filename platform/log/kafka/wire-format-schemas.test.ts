import { describe, expect, it } from 'vitest';
import { serde, topics, topicSchemas } from '../../../schemas/index.ts';
import { testSample } from '../../../stream-processors/test-samples.ts';
import type { LogRecord } from '../types.ts';
import { ConfluentWireFormat } from './wire-format.ts';

/**
 * Schemas a registry holds that this build cannot read, on the client's in-process mock://
 * registry (no services): the records written with them are rejected (for the DLQ), not retried.
 */
const topic = topics.samples.name;
const record = (value: Buffer, offset: number): LogRecord => ({
  topic,
  partition: 0,
  offset,
  key: 'u1',
  value,
  timestamp: 0,
});
const framed = (id: number, body: Buffer) => {
  const head = Buffer.alloc(5);
  head.writeInt32BE(id, 1);
  return Buffer.concat([head, body]);
};

describe('Confluent wire format, with a schema it cannot read', () => {
  it('rejects a record framed with the id of a JSON Schema as incompatible-schema, beside the readable ones', async () => {
    const wf = ConfluentWireFormat.open(`mock://schemas-${process.pid}`, topicSchemas());
    try {
      await wf.register(topic, topic);
      const client = (wf as unknown as { client: { register: (...a: unknown[]) => Promise<number> } }).client;
      const subject = `${topic}-value`;
      const json = await client.register(subject, { schemaType: 'JSON', schema: '{"type":"object"}' }, false);
      const body = serde('Sample').encode(testSample(1_000, 120));
      const good = record(wf.frame(topic, body), 0);
      const { records, rejected } = await wf.unframe(topic, [good, record(framed(json, body), 1)]);
      expect(records.map((r) => r.offset)).toEqual([0]);
      expect(rejected.map((r) => [r.record.offset, r.reason, r.detail])).toEqual([
        [1, 'incompatible-schema', `schema id ${json} on subject ${subject}`],
      ]);
    } finally {
      wf.close();
    }
  });
});
