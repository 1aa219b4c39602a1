import { topics, type TopicId } from '../schemas/index.ts';
import type { LogRecord, Subscription } from './log/types.ts';
import { deadLetters, type DeadLetters, type StageDeps } from './stage.ts';

/**
 * Runs a stage as a consumer group over its input topics: times each batch, counts records in,
 * and flushes the stage's dead letters before the batch (and so its offsets) may be committed.
 */
/**
 * Small enough that a burst (every user's window closing at once) flows through the stages in
 * slices instead of one long synchronous block per stage, large enough to amortise the fsync.
 */
const MAX_BATCH_RECORDS = 1000;

export interface StageSpec {
  name: string;
  group?: string;
  inputs: TopicId[];
  /** the first `tables` inputs are tables the others must not overtake (see SubscribeOptions) */
  tables?: number;
  /** inputs a new group reads from their end (see SubscribeOptions) */
  fromEnd?: TopicId[];
  onBatch(records: LogRecord[], task: number, dead: DeadLetters): Promise<void> | void;
  onAssign?(task: number, state: Buffer | null): void;
  onRevoke?(task: number): Promise<void> | void;
  onRelease?(task: number): void;
  snapshot?(task: number): Buffer | null;
  /** onBatch gets an empty batch after a task has been idle this long (wall clock, ms) */
  punctuateMs?: number;
  /** records per batch at most (default 1000: bursts flow through the stages in slices) */
  maxBatchRecords?: number;
  /** every output carries an id (see SubscribeOptions.replayable); dead letters carry their source's */
  replayable?: boolean;
}

export interface RunningStage {
  readonly subscription: Subscription;
  close(): Promise<void>;
}

export function runStage(deps: StageDeps, spec: StageSpec): RunningStage {
  const timer = deps.metrics.batchSeconds.labels(spec.name);
  const counters = new Map(
    spec.inputs.map((id) => [topics[id].name as string, deps.metrics.recordsIn.labels(spec.name, topics[id].name)]),
  );
  const subscription = deps.log.subscribe({
    group: spec.group ?? spec.name,
    topics: spec.inputs.map((id) => topics[id].name),
    maxBatchRecords: spec.maxBatchRecords ?? MAX_BATCH_RECORDS,
    exactlyOnce: deps.config.exactlyOnce.includes(spec.name),
    replayable: spec.replayable,
    tables: spec.tables,
    fromEnd: spec.fromEnd?.map((id) => topics[id].name),
    punctuateMs: spec.punctuateMs,
    async onBatch(records, task) {
      const end = timer.startTimer();
      // records of a batch come mostly from one topic: count runs, not records (prom-client's
      // inc is too costly per record at 50k samples/s)
      let run = 0;
      for (let i = 0; i < records.length; i++) {
        run++;
        const topic = records[i]!.topic;
        if (i + 1 === records.length || records[i + 1]!.topic !== topic) {
          counters.get(topic)?.inc(run);
          run = 0;
        }
      }
      // a batch's own: tasks' batches interleave (each must send its dead letters in its own
      // transaction), and a batch that fails is delivered again, dead letters and all
      const dead = deadLetters(deps, spec.name);
      await spec.onBatch(records, task, dead);
      await dead.flush();
      end();
    },
    async onReject(rejected) {
      const dead = deadLetters(deps, spec.name);
      for (const r of rejected) dead.add(r.record, r.reason, r.detail);
      await dead.flush();
    },
    onAssign: spec.onAssign,
    onRevoke: spec.onRevoke,
    onRelease: spec.onRelease,
    snapshot: spec.snapshot,
  });
  return {
    subscription,
    close: () => subscription.close(),
  };
}
