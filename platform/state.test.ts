import { describe, expect, it } from 'vitest';
import { createTaskState } from './state.ts';

interface Counter {
  n: number;
  tags: string[];
}
const schema = {
  type: 'record',
  name: 'Counter',
  fields: [
    { name: 'n', type: 'long' },
    { name: 'tags', type: { type: 'array', items: 'string' } },
  ],
};

describe('TaskState', () => {
  it('restores a snapshot written with an earlier value schema: a field added since takes its default', () => {
    const earlier = { ...schema, fields: schema.fields.filter((f) => f.name !== 'tags') };
    const a = createTaskState<{ n: number }>(earlier);
    a.set(0, 'ana', { n: 7 });
    const b = createTaskState<Counter>({
      ...schema,
      fields: [schema.fields[0]!, { ...schema.fields[1]!, default: [] }],
    });
    b.restore(0, a.snapshot(0), earlier);
    expect([...b.entries(0)]).toEqual([['ana', { n: 7, tags: [] }]]);
    // read with the current schema instead, the bytes are not a Counter
    expect(() => b.restore(1, a.snapshot(0))).toThrow();
  });

  it('snapshots a task and restores it', () => {
    const a = createTaskState<Counter>(schema);
    a.set(0, 'ana', { n: 1, tags: ['x'] });
    a.set(0, 'ben', { n: 2, tags: [] });
    a.set(1, 'cy', { n: 3, tags: [] });
    const b = createTaskState<Counter>(schema);
    b.restore(0, a.snapshot(0));
    expect([...b.entries(0)]).toEqual([
      ['ana', { n: 1, tags: ['x'] }],
      ['ben', { n: 2, tags: [] }],
    ]);
    expect(b.get(0, 'cy')).toBeUndefined();
    expect(a.snapshot(2)).toBeNull();
  });

  it("snapshots a task bigger than the encoder's first scratch, and a small one after it", () => {
    const a = createTaskState<Counter>(schema);
    // about 3 MB: the scratch grows while encoding
    for (let i = 0; i < 30_000; i++) a.set(0, `user-${i}`, { n: i, tags: ['x'.repeat(90)] });
    a.set(1, 'ana', { n: -1, tags: [] });
    const big = a.snapshot(0)!;
    expect(big.length).toBeGreaterThan(3 * 1024 * 1024);
    // taken after the big one, in the same scratch: the big one must still hold its own bytes
    const small = a.snapshot(1)!;
    const b = createTaskState<Counter>(schema);
    b.restore(0, big);
    b.restore(1, small);
    expect(b.size()).toBe(30_001);
    expect(b.get(0, 'user-29999')).toEqual({ n: 29_999, tags: ['x'.repeat(90)] });
    expect(b.get(1, 'ana')).toEqual({ n: -1, tags: [] });
  });

  it('puts a prefix of the caller before the state, evicted values or not', () => {
    const a = createTaskState<Counter>(schema);
    const prefix = Buffer.from('head');
    expect(a.snapshot(0, prefix)).toEqual(prefix);
    a.set(0, 'ana', { n: 1, tags: ['x'] });
    a.set(0, 'ben', { n: 2, tags: [] });
    const live = a.snapshot(0, prefix)!;
    a.evict(0, 'ben');
    const withEvicted = a.snapshot(0, prefix)!;
    for (const snap of [live, withEvicted]) {
      expect(snap.subarray(0, 4)).toEqual(prefix);
      const b = createTaskState<Counter>(schema);
      b.restore(0, snap.subarray(4));
      expect(b.get(0, 'ana')).toEqual({ n: 1, tags: ['x'] });
      expect(b.get(0, 'ben')).toEqual({ n: 2, tags: [] });
    }
  });

  it('keeps an evicted value as bytes: out of entries(), back on get(), in the snapshot', () => {
    const s = createTaskState<Counter>(schema);
    s.set(0, 'ana', { n: 1, tags: ['x'] });
    s.set(0, 'ben', { n: 2, tags: ['y', 'z'] });
    s.evict(0, 'ben');
    expect(s.evicted()).toBe(1);
    expect(s.size()).toBe(2);
    expect([...s.entries(0)].map(([k]) => k)).toEqual(['ana']);

    // the snapshot holds both; restoring brings every value back live
    const r = createTaskState<Counter>(schema);
    r.restore(0, s.snapshot(0));
    expect(r.get(0, 'ana')).toEqual({ n: 1, tags: ['x'] });
    expect(r.get(0, 'ben')).toEqual({ n: 2, tags: ['y', 'z'] });
    expect(r.evicted()).toBe(0);

    // reading an evicted value makes it live again
    expect(s.get(0, 'ben')).toEqual({ n: 2, tags: ['y', 'z'] });
    expect(s.evicted()).toBe(0);
    expect([...s.entries(0)].map(([k]) => k).sort()).toEqual(['ana', 'ben']);
  });

  it('writes a snapshot of evicted values only, and replaces an evicted value on set', () => {
    const s = createTaskState<Counter>(schema);
    s.set(3, 'ana', { n: 5, tags: [] });
    s.evict(3, 'ana');
    const r = createTaskState<Counter>(schema);
    r.restore(3, s.snapshot(3));
    expect(r.get(3, 'ana')).toEqual({ n: 5, tags: [] });
    s.set(3, 'ana', { n: 6, tags: [] });
    expect(s.evicted()).toBe(0);
    expect(s.get(3, 'ana')).toEqual({ n: 6, tags: [] });
    s.delete(3, 'ana');
    expect(s.snapshot(3)).toBeNull();
  });

  it("drops a task's live and evicted values, and no other task's", () => {
    const s = createTaskState<Counter>(schema);
    s.set(0, 'ana', { n: 1, tags: [] });
    s.set(0, 'ben', { n: 2, tags: [] });
    s.evict(0, 'ben');
    s.set(1, 'cai', { n: 3, tags: [] });
    s.drop(0);
    expect([s.size(), s.evicted()]).toEqual([1, 0]);
    expect([s.get(0, 'ana'), s.get(0, 'ben'), s.snapshot(0)]).toEqual([undefined, undefined, null]);
    expect(s.get(1, 'cai')).toEqual({ n: 3, tags: [] });
  });
});
