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
import { checkpointHeader, restoreProcessorCheckpoint } from './processor-checkpoint.ts';
import { sampleProblem } from './sample-check.ts';
import { WindowEngine } from './engine/engine.ts';
import type { EngineSample } from './engine/sample-buffer.ts';
import { userStreamSchema, type UserStream, type UserStreamRecord } from './engine/user-stream.ts';

const STAGE = 'processor';

/**
 * The fields of a sample the window engine reads (EngineSample). Today that is every field of
 * Sample; a field added to it later is skipped, not decoded, until the engine reads it.
 */
const engineFields = [
  'userId',
  'deviceId',
  'ts',
  'bpm',
  'rr',
  'cadence',
  'power',
  'speed',
  'steps',
  'receivedAt',
] as const satisfies readonly (keyof EngineSample)[];

/** UserStream's sex code: 0 unknown, 1 male, 2 female. */
const SEX_CODE = { m: 1, f: 2 } as const;

/**
 * The stream processor: per-user event-time windows of every PULSE_WINDOWS spec (the window
 * engine: live tumbling and hopping windows, sessions, UTC days) over pulse.samples.v1,
 * personalised by pulse.profiles.v1, emitting pulse.features.v1. Samples that break the Sample's
 * rules go to the DLQ with reason `invalid` (sample-check.ts), late ones with reason `late`;
 * duplicates (same device + ts) are dropped and counted. Users who stop sending have their open
 * windows closed once the task's stream time passes their last sample by the idle timeout (and
 * their session and day once it passes those); a partition that receives nothing at all moves
 * its stream time on by the wall clock after that timeout (a punctuation), so its last windows
 * close too. Users with nothing but their day open and no sample for PULSE_EVICT_AFTER_MS are kept
 * only as their encoded snapshot (an open day comes back into memory to close).
 */
export interface ProcessorOptions {
  /** consumer group (default `processor`); a new group reads its topics from their start */
  group?: string;
}

export function startProcessor(deps: StageDeps, options: ProcessorOptions = {}): RunningStage {
  const {
    windows,
    outOfOrderMs,
    graceMs,
    windowStagger,
    zoneBasis,
    rrCorrection,
    idleTimeoutMs,
    evictAfterMs,
    maxFutureSkewMs,
  } = deps.config;
  const engine = new WindowEngine(windows, {
    outOfOrderMs,
    graceMs,
    staggered: windowStagger,
    zoneBasis,
    rrCorrection,
  });
  const state = createTaskState(userStreamSchema, (r: UserStreamRecord) => engine.revive(r));
  // a user's window is one output however often a restored task computes it again
  const features = emitter(deps, STAGE, 'features', (f) => `${f.window}@${f.windowEnd}`);
  const samples = serde('Sample').projection(engineFields);
  const profiles = serde('Profile');
  const duplicates = deps.metrics.duplicates.labels(STAGE);
  const late = deps.metrics.late.labels(STAGE);
  /** per task: newest event time seen (in the snapshot), and when (wall clock) input last arrived */
  const streamTime = new Map<number, number>();
  const lastInput = new Map<number, number>();
  /**
   * Idle users are swept when stream time crosses a multiple of this, at that multiple, before the
   * sample that crosses it: the same sweeps, and so the same windows, however records are batched
   * (a task restored from a snapshot reads them again in other batches)
   */
  const sweepEveryMs = Math.max(1, Math.floor(idleTimeoutMs / 2));
  const sweepsCrossed = (from: number, to: number) =>
    Math.floor(to / sweepEveryMs) > Math.floor(from / sweepEveryMs) && from > -Infinity;
  /** per task: stream time of the last sweep (after a restore: the last multiple its stream time crossed) */
  const sweptAt = new Map<number, number>();
  /** per task: evicted users whose day is open, and the stream time of the sweep that closes it */
  const evictedDays = new Map<number, Map<string, number>>();
  const usersLive = deps.metrics.stateUsers.labels(STAGE, 'live');
  const usersEvicted = deps.metrics.stateUsers.labels(STAGE, 'evicted');

  function streamOf(task: number, userId: string): UserStream {
    let st = state.get(task, userId);
    if (!st) {
      st = engine.newStream(userId);
      state.set(task, userId, st);
    }
    return st;
  }

  function applyProfile(task: number, p: Profile): void {
    const st = streamOf(task, p.userId);
    // 0: unknown, for the engine's documented defaults
    st.maxHr = p.maxHr ?? (p.age !== null ? tanakaMaxHr(p.age) : 0);
    st.restHr = p.restHr ?? 0;
    st.sex = p.sex === null ? 0 : SEX_CODE[p.sex];
    // every profile on the compacted topic comes again at start-up: one without samples yet is
    // kept as bytes until they come (a check-in's are about to)
    if (st.maxTs === -Infinity) {
      state.evict(task, p.userId);
      countUsers();
    }
  }

  /** Idles the user if the sweep at `sweptAt` finds them idle. */
  function idleAsOf(st: UserStream, userId: string, sweptAt: number, emit: (f: Features) => void): void {
    if (!engine.quiet(st) && st.maxTs + idleTimeoutMs <= sweptAt) engine.idle(st, userId, sweptAt, idleTimeoutMs, emit);
  }

  /** Evictable once nothing but the day is open (a user with a profile but no sample is evicted when it comes). */
  const evictable = (st: UserStream, now: number) =>
    engine.settled(st) && st.maxTs > -Infinity && st.maxTs + evictAfterMs <= now;

  /**
   * Keeps the user only as their encoded snapshot until their next sample, or until the sweep
   * that closes their open day (when the horizon passes its end, as for everyone else).
   */
  function evict(task: number, userId: string, st: UserStream): void {
    const closes = engine.dayClosesAt(st);
    if (closes > -Infinity) {
      if (!evictedDays.has(task)) evictedDays.set(task, new Map());
      evictedDays.get(task)!.set(userId, closes + idleTimeoutMs);
    }
    state.evict(task, userId);
  }

  function sweepIdle(task: number, now: number, emit: (f: Features) => void): void {
    sweptAt.set(task, now);
    // evicted users whose day is due come back to close it, one at a time (at midnight that is
    // everyone who trained that day)
    const dayDue = evictedDays.get(task);
    for (const [userId, due] of dayDue ?? []) {
      if (due > now) continue;
      dayDue!.delete(userId);
      const st = state.get(task, userId);
      if (!st) continue;
      idleAsOf(st, userId, now, emit);
      if (evictable(st, now)) evict(task, userId, st);
    }
    const idle: [string, UserStream][] = [];
    for (const [userId, st] of state.entries(task)) {
      idleAsOf(st, userId, now, emit);
      if (evictable(st, now)) idle.push([userId, st]);
    }
    for (const [userId, st] of idle) evict(task, userId, st);
    countUsers();
  }

  function countUsers(): void {
    usersLive.set(state.size() - state.evicted());
    usersEvicted.set(state.evicted());
  }

  async function onBatch(records: LogRecord[], task: number, dead: DeadLetters): Promise<void> {
    const out: Features[] = [];
    const emit = (f: Features) => out.push(f);
    let now = streamTime.get(task) ?? -Infinity;
    const wall = Date.now();
    // an empty batch is a punctuation: nothing arrived for the idle timeout, so event time
    // follows the wall clock and the partition's last windows still close (the log snapshots the
    // task after it: a replay would not repeat the wall clock)
    if (records.length === 0 && now > -Infinity) {
      const then = now;
      now += wall - (lastInput.get(task) ?? wall);
      if (sweepsCrossed(then, now)) sweepIdle(task, now, emit);
    }
    for (const record of records) {
      if (record.topic === topics.profiles.name) {
        try {
          applyProfile(task, profiles.decode(record.value));
        } catch (err) {
          dead.add(record, 'undecodable', (err as Error).message);
        }
        continue;
      }
      let sample: EngineSample;
      try {
        sample = samples.decode(record.value);
      } catch (err) {
        dead.add(record, 'undecodable', (err as Error).message);
        continue;
      }
      const invalid = sampleProblem(sample, record, maxFutureSkewMs);
      if (invalid !== null) {
        dead.add(record, 'invalid', invalid);
        continue;
      }
      if (sweepsCrossed(now, sample.ts)) sweepIdle(task, Math.floor(sample.ts / sweepEveryMs) * sweepEveryMs, emit);
      const st = streamOf(task, sample.userId);
      // A settled user (nothing but the day open) was idled by the last sweep if it found them in
      // memory; if they were evicted before it, or restored from a snapshot taken before it, it
      // did not: it does now, so that they go on as if they had stayed (a no-op otherwise). (Not
      // for other users: one whose readings came in after that sweep, older than the stream time,
      // was not idle when it ran.)
      const swept = sweptAt.get(task);
      if (swept !== undefined && engine.settled(st)) idleAsOf(st, sample.userId, swept, emit);
      const result = engine.add(st, sample, emit);
      if (result === 'late') {
        late.inc();
        dead.add(record, 'late', `ts ${sample.ts} is before the user's horizon ${engine.horizon(st)}`);
      } else if (result === 'duplicate') duplicates.inc();
      if (sample.ts > now) now = sample.ts;
    }
    streamTime.set(task, now);
    lastInput.set(task, wall);
    await features.send(out);
  }

  return runStage(deps, {
    name: STAGE,
    group: options.group,
    inputs: ['profiles', 'samples'],
    // a member's profile (checked in just before their samples) applies to their first windows
    tables: 1,
    // its state (each user's held readings, session and day) is too big for every transaction
    replayable: true,
    onBatch,
    punctuateMs: idleTimeoutMs,
    onAssign: (task, snapshot) => {
      const restored = restoreProcessorCheckpoint(state, task, snapshot);
      const checkpoint = restored && 'unreadable' in restored ? null : restored;
      if (restored && 'unreadable' in restored)
        deps.logger.error(
          { stage: STAGE, task, bytes: snapshot!.length },
          `this task's checkpoint cannot be restored (${restored.unreadable}): its open windows start empty`,
        );
      // (every user of the snapshot is in memory again: the next sweep evicts the idle ones)
      evictedDays.delete(task);
      const restoredTime = checkpoint?.streamTime ?? -Infinity;
      streamTime.set(task, restoredTime);
      // the last sweep was at the last multiple crossed, unless it was a wall-clock punctuation's
      // (later; what follows a punctuation does not replay the same anyway)
      if (restoredTime > -Infinity) sweptAt.set(task, Math.floor(restoredTime / sweepEveryMs) * sweepEveryMs);
      else sweptAt.delete(task);
      countUsers();
      lastInput.set(task, Date.now());
    },
    // another member holds these users' windows now: scaling out frees this member's memory
    onRelease: (task) => {
      state.drop(task);
      streamTime.delete(task);
      lastInput.delete(task);
      sweptAt.delete(task);
      evictedDays.delete(task);
      countUsers();
    },
    snapshot: (task) => state.snapshot(task, checkpointHeader(streamTime.get(task) ?? -Infinity)),
  });
}
