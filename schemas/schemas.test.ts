import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateTypes, loadSchema, schemaFiles, serde, SerdeError, topics, type Sample } from './index.ts';

describe('schemas', () => {
  it('types.generated.ts is up to date with the .avsc files (run `npm run gen:types`)', () => {
    const current = readFileSync(new URL('./types.generated.ts', import.meta.url), 'utf8');
    expect(current).toBe(generateTypes());
  });

  it('gives every topic a schema that parses', () => {
    for (const t of Object.values(topics)) expect(loadSchema(t.schema)).toHaveProperty('type', 'record');
    expect(Object.keys(schemaFiles)).toHaveLength(9);
  });

  it('round-trips a sample and refuses bytes that are not one', () => {
    const s = serde('Sample');
    const sample: Sample = {
      userId: 'u1',
      deviceId: 'd1',
      ts: 1_700_000_000_123,
      bpm: 142,
      rr: [420, 430],
      steps: null,
      cadence: 170,
      power: null,
      speed: 3.5,
      receivedAt: 1_700_000_000_200,
    };
    expect(s.decode(s.encode(sample))).toEqual(sample);
    expect(() => s.decode(Buffer.from([0xff, 0xff, 0xff]))).toThrow(SerdeError);
    expect(s.invalidPaths({ ...sample, bpm: 'fast' })).toEqual(['bpm']);
  });

  it('decodes a projection of a record, skipping the other fields', () => {
    const s = serde('Sample');
    const bytes = s.encode({
      userId: 'u1',
      deviceId: 'd1',
      ts: 42,
      bpm: 150,
      rr: [400, 410, 420],
      steps: 3,
      cadence: 170,
      power: 250,
      speed: 4.25,
      receivedAt: 43,
    });
    expect({ ...s.projection(['userId', 'ts', 'bpm', 'receivedAt']).decode(bytes) }).toEqual({
      userId: 'u1',
      ts: 42,
      bpm: 150,
      receivedAt: 43,
    });
    expect(() => s.projection(['userId']).decode(Buffer.from([0x05]))).toThrow(SerdeError);
  });

  it('reads old records after a field with a default is added (schema evolution rule)', async () => {
    const avro = (await import('avsc')).default;
    const v1 = avro.Type.forSchema({
      type: 'record',
      name: 'Sample',
      namespace: 'pulsecoach.v1',
      fields: [
        { name: 'userId', type: 'string' },
        { name: 'deviceId', type: 'string' },
        { name: 'ts', type: 'long' },
      ],
    });
    const current = avro.Type.forSchema(loadSchema('Sample') as never);
    const resolver = current.createResolver(v1);
    const old = v1.toBuffer({ userId: 'u1', deviceId: 'd1', ts: 5 });
    expect(current.fromBuffer(old, resolver)).toMatchObject({ userId: 'u1', bpm: null, rr: [], receivedAt: 0 });
  });
});
