import avro from 'avsc';

/**
 * Per-task keyed state owned by the runtime, as Kafka Streams' state stores are: a stage keeps
 * one value per user in the task (= partition) the user's records arrive on, and the Log commits
 * a snapshot of it atomically with the task's offsets. Values are encoded with an Avro schema
 * (compact and fast; also what makes the snapshot stable across versions with defaults).
 */
export interface TaskState<V> {
  get(task: number, key: string): V | undefined;
  set(task: number, key: string, value: V): void;
  delete(task: number, key: string): void;
  entries(task: number): IterableIterator<[string, V]>;
  size(): number;
  snapshot(task: number): Buffer | null;
  restore(task: number, state: Buffer | null): void;
}

export function createTaskState<V>(valueSchema: Record<string, unknown>): TaskState<V> {
  const snapshotType = avro.Type.forSchema({
    type: 'array',
    items: {
      type: 'record',
      name: 'Entry',
      fields: [
        { name: 'key', type: 'string' },
        { name: 'value', type: valueSchema as avro.Schema },
      ],
    },
  } as avro.Schema);
  const tasks = new Map<number, Map<string, V>>();
  const of = (task: number): Map<string, V> => {
    let m = tasks.get(task);
    if (!m) {
      m = new Map();
      tasks.set(task, m);
    }
    return m;
  };
  return {
    get: (task, key) => tasks.get(task)?.get(key),
    set: (task, key, value) => void of(task).set(key, value),
    delete: (task, key) => void tasks.get(task)?.delete(key),
    entries: (task) => of(task).entries(),
    size: () => {
      let n = 0;
      for (const m of tasks.values()) n += m.size;
      return n;
    },
    snapshot(task) {
      const m = tasks.get(task);
      if (!m || m.size === 0) return null;
      const entries: { key: string; value: V }[] = [];
      for (const [key, value] of m) entries.push({ key, value });
      return snapshotType.toBuffer(entries);
    },
    restore(task, state) {
      const m = new Map<string, V>();
      if (state) {
        for (const e of snapshotType.fromBuffer(state) as { key: string; value: V }[]) m.set(e.key, e.value);
      }
      tasks.set(task, m);
    },
  };
}
