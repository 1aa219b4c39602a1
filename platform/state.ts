import avro from 'avsc';

/**
 * Per-task keyed state owned by the runtime, as Kafka Streams' state stores are: a stage keeps
 * one value per user in the task (= partition) the user's records arrive on, and the Log commits
 * a snapshot of it atomically with the task's offsets. Values are encoded with an Avro schema
 * (compact and fast; also what makes the snapshot stable across versions with defaults).
 *
 * A value can be evicted: it is then kept only in its encoded form (what the snapshot holds
 * anyway, a fraction of the live objects' heap) and decoded again when next read, so users who
 * went quiet cost memory only as bytes.
 */
export interface TaskState<V> {
  get(task: number, key: string): V | undefined;
  set(task: number, key: string, value: V): void;
  delete(task: number, key: string): void;
  /** Keeps the value encoded only, until the next get(). */
  evict(task: number, key: string): void;
  /** Live (not evicted) entries. */
  entries(task: number): IterableIterator<[string, V]>;
  size(): number;
  /** Evicted entries, across tasks. */
  evicted(): number;
  /** `prefix`: bytes of the caller's to put before the state's (written in place, not copied again) */
  snapshot(task: number, prefix?: Buffer): Buffer | null;
  /** `writtenWith`: the value schema the snapshot was written with, when it is an earlier one */
  restore(task: number, state: Buffer | null, writtenWith?: Record<string, unknown>): void;
  /** Forgets the task's values (another member owns it now: SubscribeOptions.onRelease). */
  drop(task: number): void;
}

/** the end of an Avro array: a block of zero items */
const ZERO = Buffer.from([0]);

/**
 * avsc's toBuffer writes into a 1 KB scratch and, when the value does not fit, encodes it a second
 * time into a buffer of the size the first pass found: a snapshot is megabytes, so it is encoded
 * once, into a scratch that grows (about half the time, measured on 10,000 users' windows).
 */
let scratch = Buffer.alloc(0);

function encodeLarge(type: avro.Type, value: unknown, prefix?: Buffer): Buffer {
  const from = prefix?.length ?? 0;
  for (;;) {
    if (scratch.length < from) scratch = Buffer.allocUnsafeSlow(2 * from);
    prefix?.copy(scratch, 0);
    const end = type.encode(value, scratch, from);
    if (end >= 0) {
      const out = Buffer.allocUnsafeSlow(end);
      scratch.copy(out, 0, 0, end);
      return out;
    }
    scratch = Buffer.allocUnsafeSlow(Math.max(2 * scratch.length, scratch.length - end, 1 << 16));
  }
}

/**
 * `revive` makes a value of the decoder's record, for values that are not plain records in memory
 * (encoding reads their fields, or getters, by the schema's names).
 */
export function createTaskState<V>(
  valueSchema: Record<string, unknown>,
  revive: (decoded: never) => V = (decoded) => decoded,
): TaskState<V> {
  const valueType = avro.Type.forSchema(valueSchema as avro.Schema);
  const snapshotOf = (schema: Record<string, unknown>) =>
    avro.Type.forSchema({
      type: 'array',
      items: {
        type: 'record',
        name: 'Entry',
        fields: [
          { name: 'key', type: 'string' },
          { name: 'value', type: schema as avro.Schema },
        ],
      },
    } as avro.Schema);
  const snapshotType = snapshotOf(valueSchema);
  /** Avro schema resolution from each earlier value schema met (fields added since take their defaults) */
  const resolvers = new Map<Record<string, unknown>, ReturnType<avro.Type['createResolver']>>();
  const resolverFrom = (schema: Record<string, unknown>) => {
    let r = resolvers.get(schema);
    if (!r) {
      r = snapshotType.createResolver(snapshotOf(schema));
      resolvers.set(schema, r);
    }
    return r;
  };
  const stringType = avro.Type.forSchema('string');
  const longType = avro.Type.forSchema('long');
  const live = new Map<number, Map<string, V>>();
  const cold = new Map<number, Map<string, Buffer>>();
  const of = <T>(maps: Map<number, Map<string, T>>, task: number): Map<string, T> => {
    let m = maps.get(task);
    if (!m) {
      m = new Map();
      maps.set(task, m);
    }
    return m;
  };
  const count = (maps: Map<number, Map<string, unknown>>) => {
    let n = 0;
    for (const m of maps.values()) n += m.size;
    return n;
  };
  return {
    get(task, key) {
      const value = live.get(task)?.get(key);
      if (value !== undefined) return value;
      const bytes = cold.get(task)?.get(key);
      if (bytes === undefined) return undefined;
      const warm = revive(valueType.fromBuffer(bytes) as never);
      cold.get(task)!.delete(key);
      of(live, task).set(key, warm);
      return warm;
    },
    set(task, key, value) {
      cold.get(task)?.delete(key);
      of(live, task).set(key, value);
    },
    delete(task, key) {
      live.get(task)?.delete(key);
      cold.get(task)?.delete(key);
    },
    evict(task, key) {
      const value = live.get(task)?.get(key);
      if (value === undefined) return;
      live.get(task)!.delete(key);
      of(cold, task).set(key, valueType.toBuffer(value));
    },
    entries: (task) => of(live, task).entries(),
    size: () => count(live) + count(cold),
    evicted: () => count(cold),
    snapshot(task, prefix) {
      const entries: { key: string; value: V }[] = [];
      for (const [key, value] of live.get(task) ?? []) entries.push({ key, value });
      const coldEntries = cold.get(task);
      if (!coldEntries || coldEntries.size === 0) {
        if (entries.length === 0) return prefix ? Buffer.from(prefix) : null;
        return encodeLarge(snapshotType, entries, prefix);
      }
      // An Avro array may come in several blocks: the live entries' block (its closing zero
      // dropped), then a block of the evicted ones, each item the key's encoding followed by the
      // value's bytes as they were kept, then the closing zero.
      const parts: Buffer[] = [
        encodeLarge(snapshotType, entries, prefix).subarray(0, -1),
        longType.toBuffer(coldEntries.size),
      ];
      for (const [key, value] of coldEntries) parts.push(stringType.toBuffer(key), value);
      parts.push(ZERO);
      return Buffer.concat(parts);
    },
    restore(task, state, writtenWith) {
      const m = new Map<string, V>();
      if (state) {
        const entries = writtenWith
          ? snapshotType.fromBuffer(state, resolverFrom(writtenWith))
          : snapshotType.fromBuffer(state);
        for (const e of entries as { key: string; value: never }[]) m.set(e.key, revive(e.value));
      }
      live.set(task, m);
      cold.set(task, new Map());
    },
    drop(task) {
      live.delete(task);
      cold.delete(task);
    },
  };
}
