import { topics, type TopicId } from '../schemas/index.ts';
import type { LogRecord, Subscription } from './log/types.ts';
import { deadLetters, type DeadLetters, type StageDeps } from './stage.ts';

/**
 * Runs a stage as a consumer group over its input topics: times each batch, counts records in,
 * and flushes the stage's dead letters before the batch (and so its offsets) may be committed.
 */
export interface StageSpec {
  name: string;
  group?: string;
  inputs: TopicId[];
  onBatch(records: LogRecord[], task: number, dead: DeadLetters): Promise<void> | void;
  onAssign?(task: number, state: Buffer | null): void;
  onRevoke?(task: number): Promise<void> | void;
  snapshot?(task: number): Buffer | null;
}

export interface RunningStage {
  readonly subscription: Subscription;
  close(): Promise<void>;
}

export function runStage(deps: StageDeps, spec: StageSpec): RunningStage {
  const dead = deadLetters(deps, spec.name);
  const timer = deps.metrics.batchSeconds.labels(spec.name);
  const counters = new Map(
    spec.inputs.map((id) => [topics[id].name as string, deps.metrics.recordsIn.labels(spec.name, topics[id].name)]),
  );
  const subscription = deps.log.subscribe({
    group: spec.group ?? spec.name,
    topics: spec.inputs.map((id) => topics[id].name),
    async onBatch(records, task) {
      const end = timer.startTimer();
      for (const r of records) counters.get(r.topic)?.inc();
      await spec.onBatch(records, task, dead);
      await dead.flush();
      end();
    },
    onAssign: spec.onAssign,
    onRevoke: spec.onRevoke,
    snapshot: spec.snapshot,
  });
  return {
    subscription,
    close: () => subscription.close(),
  };
}
