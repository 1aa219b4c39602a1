import type { Features, Profile } from '../schemas/index.ts';
import { topics, serde } from '../schemas/index.ts';
import {
  createTaskState,
  emitter,
  liveWindowOf,
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
 * windows closed once the task's stream time passes their last sample by the idle timeout; a
 * partition that receives nothing at all moves its stream time on by the wall clock after that
 * timeout (a punctuation), so its last windows close too. Users quiet for PULSE_EVICT_AFTER_MS
 * are kept only as their encoded snapshot.
 */
export interface ProcessorOptions {
  /** consumer group (default `processor`); a new group reads its topics from their start */
  group?: string;
}

export function startProcessor(deps: StageDeps, options: ProcessorOptions = {}): RunningStage {
  const { outOfOrderMs, idleTimeoutMs, evictAfterMs, windowStagger } = deps.config;
  const windows = new TumblingWindows({
    sizeMs: liveWindowOf(deps.config.windows).sizeMs,
    outOfOrderMs,
    staggered: windowStagger,
  });
  const state = createTaskState<UserWindows>(userWindowsSchema);
  const features = emitter(deps, STAGE, 'features');
  const samples = serde('Sample').projection(windowFields);
  const profiles = serde('Profile');
  const duplicates = deps.metrics.duplicates.labels(STAGE);
  const late = deps.metrics.late.labels(STAGE);
  /** per task: newest event time seen, when (wall clock) input last arrived, and the last idle sweep */
  const streamTime = new Map<number, number>();
  const lastInput = new Map<number, number>();
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
    const quiet: string[] = [];
    for (const [userId, s] of state.entries(task)) {
      if (s.windows.length > 0 && s.maxTs + idleTimeoutMs <= now) {
        windows.flush(s, userId, 0, (f) => out.push(f));
      }
      // users with a profile but no sample yet stay (they are about to start)
      if (s.windows.length === 0 && s.maxTs > -Infinity && s.maxTs + evictAfterMs <= now) quiet.push(userId);
    }
    // long-quiet users are kept only as their encoded snapshot until their next sample
    for (const userId of quiet) state.evict(task, userId);
  }

  async function onBatch(records: LogRecord[], task: number, dead: DeadLetters): Promise<void> {
    const out: Features[] = [];
    const emit = (f: Features) => out.push(f);
    let now = streamTime.get(task) ?? -Infinity;
    const wall = Date.now();
    // an empty batch is a punctuation: nothing arrived for the idle timeout, so event time
    // follows the wall clock and the partition's last windows still close
    if (records.length === 0 && now > -Infinity) now += wall - (lastInput.get(task) ?? wall);
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
    lastInput.set(task, wall);
    sweepIdle(task, now, out);
    await features.send(out);
  }

  return runStage(deps, {
    name: STAGE,
    group: options.group,
    inputs: ['profiles', 'samples'],
    // a member's profile (checked in just before their samples) applies to their first windows
    tables: 1,
    onBatch,
    punctuateMs: idleTimeoutMs,
    onAssign: (task, snapshot) => {
      state.restore(task, snapshot);
      let now = -Infinity;
      for (const [, s] of state.entries(task)) now = Math.max(now, s.maxTs);
      streamTime.set(task, now);
      lastInput.set(task, Date.now());
    },
    snapshot: (task) => state.snapshot(task),
  });
}
