import { serde, topics, type EventTypes, type TopicId } from '../schemas/index.ts';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import type { Log, LogRecord } from './log/types.ts';
import type { Metrics } from './metrics.ts';

/** What every stage is started with. Stages know the Log interface, never its implementation. */
export interface StageDeps {
  log: Log;
  logger: Logger;
  metrics: Metrics;
  config: Config;
}

type ValueOf<T extends TopicId> = EventTypes[(typeof topics)[T]['schema']];

/** Every event is keyed by its userId; a dead letter keeps its original key. */
function keyOf(value: unknown): string {
  const v = value as { userId?: string; key?: string };
  return v.userId ?? v.key ?? '';
}

/** Encodes and produces events of one topic, keyed by userId; resolves once durable. */
export interface Emitter<T extends TopicId> {
  send(values: ValueOf<T>[]): Promise<void>;
}

/**
 * `idOf`: what each event is, the same when a task computes it again (ProduceRecord.id), for a
 * stage that replays (SubscribeOptions.replayable).
 */
export function emitter<T extends TopicId>(
  deps: StageDeps,
  stage: string,
  topic: T,
  idOf?: (value: ValueOf<T>) => string,
): Emitter<T> {
  const t = topics[topic];
  const codec = serde(t.schema);
  const counter = deps.metrics.recordsOut.labels(stage, t.name);
  return {
    async send(values) {
      if (values.length === 0) return;
      const records = values.map((v) => ({ key: keyOf(v), value: codec.encode(v as never), id: idOf?.(v) }));
      await deps.log.produce(t.name, records);
      counter.inc(records.length);
    },
  };
}

/**
 * Sends a record that a stage cannot use to pulse.dlq.v1 with the original bytes, the reason and
 * its source coordinates, and counts it: nothing is dropped silently.
 */
export interface DeadLetters {
  add(record: LogRecord, reason: string, detail?: string): void;
  /** Produces what was added since the last flush. */
  flush(): Promise<void>;
}

export function deadLetters(deps: StageDeps, stage: string): DeadLetters {
  // a source record is dead-lettered once, however often its task computes it again
  const dlq = emitter(deps, stage, 'dlq', (d) => `${d.sourceTopic}/${d.sourcePartition}@${d.sourceOffset}`);
  let pending: EventTypes['DeadLetter'][] = [];
  return {
    add(record, reason, detail = '') {
      deps.metrics.rejected.labels(stage, reason).inc();
      pending.push({
        reason,
        detail,
        sourceTopic: record.topic,
        sourcePartition: record.partition,
        sourceOffset: record.offset,
        stage,
        ts: Date.now(),
        key: record.key,
        // what was on the wire (Kafka: with its schema frame), so it can be replayed as it came
        payload: record.stored ?? record.value,
      });
    },
    async flush() {
      if (pending.length === 0) return;
      const batch = pending;
      pending = [];
      await dlq.send(batch);
    },
  };
}

/** Decodes a batch of one topic; undecodable records go to the dead letters. */
export function decodeRecords<T extends TopicId>(
  records: LogRecord[],
  topic: T,
  dead: DeadLetters,
): { record: LogRecord; value: ValueOf<T> }[] {
  const codec = serde(topics[topic].schema);
  const out: { record: LogRecord; value: ValueOf<T> }[] = [];
  for (const record of records) {
    try {
      out.push({ record, value: codec.decode(record.value) as ValueOf<T> });
    } catch (err) {
      dead.add(record, 'undecodable', (err as Error).message);
    }
  }
  return out;
}
