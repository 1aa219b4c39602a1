import type { Features, Profile } from '../schemas/index.ts';
import { topics, serde } from '../schemas/index.ts';
import {
  createTaskState,
  emitter,
  runStage,
  type DeadLetters,
  type LogRecord,
  type RunningStage,
  type StageDeps,
} from '../platform/index.ts';
import { tanakaMaxHr } from './heart-rate.ts';
import { TumblingWindows, windowFields, type WindowInput } from './tumbling.ts';
import { newUserWindows, userWindowsSchema, type UserWindows } from './window-state.ts';

const STAGE = 'processor';

/**
 * The stream processor: per-user event-time windows over pulse.samples.v1, personalised by
 * pulse.profiles.v1, emitting pulse.features.v1. Late samples go to the DLQ with reason `late`;
 * duplicates (same device + ts) are dropped and counted. Users who stop sending have their open
 * windows closed once the task's stream time passes their last sample by the idle timeout.
 */
export function startProcessor(deps: StageDeps): RunningStage {
  const { windowMs, outOfOrderMs, idleTimeoutMs, windowStagger } = deps.config;
  const windows = new TumblingWindows({ sizeMs: windowMs, outOfOrderMs, staggered: windowStagger });
  const state = createTaskState<UserWindows>(userWindowsSchema);
  const features = emitter(deps, STAGE, 'features');
  const samples = serde('Sample').projection(windowFields);
  const profiles = serde('Profile');
  const duplicates = deps.metrics.duplicates.labels(STAGE);
  const late = deps.metrics.late.labels(STAGE);
  const streamTime = new Map<number, number>();
  const lastSweep = new Map<number, number>();

  function applyProfile(task: number, p: Profile): void {
    const s = state.get(task, p.userId) ?? newUserWindows();
    s.maxHr = p.maxHr ?? (p.age !== null ? tanakaMaxHr(p.age) : 0);
    s.restHr = p.restHr ?? 0;
    state.set(task, p.userId, s);
  }

  function sweepIdle(task: number, now: number, out: Features[]): void {
    const last = lastSweep.get(task) ?? -Infinity;
    if (now - last < idleTimeoutMs / 2) return;
    lastSweep.set(task, now);
    for (const [userId, s] of state.entries(task)) {
      if (s.windows.length > 0 && s.maxTs + idleTimeoutMs <= now) {
        windows.flush(s, userId, 0, (f) => out.push(f));
      }
    }
  }

  async function onBatch(records: LogRecord[], task: number, dead: DeadLetters): Promise<void> {
    const out: Features[] = [];
    const emit = (f: Features) => out.push(f);
    let now = streamTime.get(task) ?? -Infinity;
    for (const record of records) {
      if (record.topic === topics.profiles.name) {
        try {
          applyProfile(task, profiles.decode(record.value));
        } catch (err) {
          dead.add(record, 'undecodable', (err as Error).message);
        }
        continue;
      }
      let sample: WindowInput;
      try {
        sample = samples.decode(record.value);
      } catch (err) {
        dead.add(record, 'undecodable', (err as Error).message);
        continue;
      }
      let s = state.get(task, sample.userId);
      if (!s) {
        s = newUserWindows();
        state.set(task, sample.userId, s);
      }
      const result = windows.add(s, sample, emit);
      if (result === 'late') {
        late.inc();
        dead.add(record, 'late', `window closed (watermark ${s.watermark})`);
      } else if (result === 'duplicate') duplicates.inc();
      if (sample.ts > now) now = sample.ts;
    }
    streamTime.set(task, now);
    sweepIdle(task, now, out);
    await features.send(out);
  }

  return runStage(deps, {
    name: STAGE,
    inputs: ['profiles', 'samples'],
    onBatch,
    onAssign: (task, snapshot) => {
      state.restore(task, snapshot);
      let now = -Infinity;
      for (const [, s] of state.entries(task)) now = Math.max(now, s.maxTs);
      streamTime.set(task, now);
    },
    snapshot: (task) => state.snapshot(task),
  });
}
