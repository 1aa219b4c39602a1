import {
  runStage,
  type DeadLetters,
  type LogRecord,
  type RunningStage,
  type StageDeps,
  type Store,
} from '../../platform/index.ts';
import { serde, topics, type SchemaName } from '../../schemas/index.ts';
import { sampleProblem } from '../sample-check.ts';
import { HistoryWriter } from './history-writer.ts';
import { historyTopics, rowOf, type HistoryTopic, type Row } from './rows.ts';

const STAGE = 'sink';

const byTopicName = new Map<string, { topic: HistoryTopic; decode: (b: Buffer) => unknown }>(
  historyTopics.map((id) => {
    const codec = serde(topics[id].schema as SchemaName);
    return [topics[id].name, { topic: id, decode: (b: Buffer) => codec.decode(b) }];
  }),
);

/**
 * The sink: every event topic into the ClickHouse history. A batch is acknowledged (and its
 * offsets committed) only after ClickHouse stored its rows; a failed insert fails the batch,
 * and the log redelivers it with backoff, so a stopped server slows the sink down and loses
 * nothing. Redelivered rows that were already stored are skipped (HistoryWriter).
 */
export interface SinkOptions {
  /** consumer group (default `sink`); a new group reads every topic from its start (a backfill) */
  group?: string;
}

export function startSink(deps: StageDeps, store: Store, options: SinkOptions = {}): RunningStage {
  const { sinkBatchRows, sinkBatchAgeMs, maxFutureSkewMs } = deps.config;
  const writer = new HistoryWriter(store, deps.metrics, deps.logger.child({ stage: STAGE }), {
    logId: deps.log.id,
    batchRows: sinkBatchRows,
    batchAgeMs: sinkBatchAgeMs,
  });

  async function onBatch(records: LogRecord[], _task: number, dead: DeadLetters): Promise<void> {
    const rows = new Map<HistoryTopic, Row[]>();
    for (const record of records) {
      const target = byTopicName.get(record.topic);
      if (!target) continue;
      let value: unknown;
      try {
        value = target.decode(record.value);
      } catch (err) {
        dead.add(record, 'undecodable', (err as Error).message);
        continue;
      }
      // (the history holds only samples ingest would have accepted)
      const invalid = target.topic === 'samples' ? sampleProblem(value as object, record, maxFutureSkewMs) : null;
      if (invalid !== null) {
        dead.add(record, 'invalid', invalid);
        continue;
      }
      const row = rowOf(target.topic, value as never, record, deps.log.id);
      const list = rows.get(target.topic);
      if (list) list.push(row);
      else rows.set(target.topic, [row]);
    }
    await writer.write(rows);
  }

  const running = runStage(deps, {
    name: STAGE,
    group: options.group,
    inputs: historyTopics,
    maxBatchRecords: sinkBatchRows,
    onBatch,
    // another sink may have written this partition since we last looked
    onAssign: () => writer.invalidate(),
    onRevoke: () => writer.flush(),
  });
  return running;
}
