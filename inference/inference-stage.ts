import type { Readiness, Trigger } from '../schemas/index.ts';
import { latestTsOf, serde } from '../schemas/index.ts';
import {
  createTaskState,
  emitter,
  liveWindowOf,
  runStage,
  sessionGapOf,
  type RunningStage,
  type StageDeps,
} from '../platform/index.ts';
import { liveStateSchema, newLiveState, type LiveState } from './live-state.ts';
import { scoreWindow, scoredFields } from './readiness.ts';
import { detectTriggers } from './triggers.ts';

const STAGE = 'inference';
const HOUR_MS = 3_600_000;
/**
 * A user with no window for this long (their task's stream time) is forgotten, and one whose
 * next window comes that much after their last starts afresh whether or not they were forgotten
 * yet: by then every streak, session and cooldown is over, and forgetting keeps inference's
 * memory and snapshots to the users seen lately.
 */
export const FORGET_AFTER_MS = 24 * HOUR_MS;

/**
 * Scores each closed live window (pulse.features.v1 → pulse.readiness.v1) and detects triggers
 * (→ pulse.triggers.v1). A window at or before the last one scored for the user is a redelivery
 * (at-least-once upstream) and is skipped, so replays never double a score or a trigger.
 *
 * Only the live window (the first of PULSE_WINDOWS) is scored: readiness, its streaks and the
 * trigger hysteresis count consecutive live windows, and the tiles show its bpm and zone. A
 * session or day scored in between would swap a 10 s heart rate for a day's mean on the floor
 * and back, and its later end would make the next live windows look like redeliveries.
 *
 * A session's load starts again after PULSE_WINDOWS' session gap. Users are forgotten a day after
 * their last window (FORGET_AFTER_MS), checked each hour of stream time.
 */
export function startInference(deps: StageDeps): RunningStage {
  const state = createTaskState<LiveState>(liveStateSchema);
  const readiness = emitter(deps, STAGE, 'readiness');
  const triggers = emitter(deps, STAGE, 'triggers');
  const live = liveWindowOf(deps.config.windows).name;
  // only the fields scoring reads, and the window's name: the others (HRV, load, ...) are skipped, not decoded
  const features = serde('Features').projection([...scoredFields, 'window']);
  const latency = deps.metrics.pipelineLatencySeconds.labels(STAGE);
  const redelivered = deps.metrics.rejected.labels(STAGE, 'redelivered');
  const usersLive = deps.metrics.stateUsers.labels(STAGE, 'live');
  const sessionGapMs = sessionGapOf(deps.config.windows);
  /** per task: the newest window end seen, and the hour of stream time last swept */
  const streamTime = new Map<number, number>();
  const sweptHour = new Map<number, number>();

  function forgetIdle(task: number, now: number): void {
    const hour = Math.floor(now / HOUR_MS);
    if (hour === sweptHour.get(task)) return;
    sweptHour.set(task, hour);
    for (const [userId, s] of state.entries(task)) {
      if (now - s.lastWindowEnd > FORGET_AFTER_MS) state.delete(task, userId);
    }
  }

  return runStage(deps, {
    name: STAGE,
    inputs: ['features'],
    async onBatch(records, task, dead) {
      const scores: Readiness[] = [];
      const found: Trigger[] = [];
      for (const record of records) {
        let f;
        try {
          f = features.decode(record.value);
        } catch (err) {
          dead.add(record, 'undecodable', (err as Error).message);
          continue;
        }
        if (f.window !== live) continue; // sessions, days, hopping windows: kept by the sink, not scored
        // the processor closes a window only once its end has passed: one ending later than its record
        // (a producer outside pulsecoach) would move this task's stream time on, forgetting its athletes,
        // and hide every real window of its athlete before its end
        if (f.windowEnd > latestTsOf(record.timestamp, deps.config.maxFutureSkewMs)) {
          dead.add(record, 'invalid', `windowEnd: must not be past the allowed clock skew, got ${f.windowEnd}`);
          continue;
        }
        let s = state.get(task, f.userId);
        if (s && f.windowEnd <= s.lastWindowEnd) {
          redelivered.inc();
          continue;
        }
        if (Number.isNaN(f.hrMean)) continue; // no heart rate (a steps-only device): nothing to score
        if (!s || f.windowStart - s.lastWindowEnd > FORGET_AFTER_MS) {
          s = newLiveState();
          state.set(task, f.userId, s);
        }
        const previous = s.lastScore < 0 ? 100 : s.lastScore;
        const r = scoreWindow(s, f, sessionGapMs);
        if (f.windowEnd > (streamTime.get(task) ?? -Infinity)) streamTime.set(task, f.windowEnd);
        scores.push({
          userId: f.userId,
          windowEnd: f.windowEnd,
          score: r.score,
          band: r.band,
          factors: r.factors,
          // the window's mean, as its pctMax and zone are: a tile's numbers agree with its colour
          bpm: Math.round(f.hrMean),
          pctMax: f.pctMax,
          zone: f.zone,
          model: 'rules-v1',
          traceArrivalMs: f.traceArrivalMs,
        });
        found.push(...detectTriggers(s, f, r.score, previous));
      }
      const now = streamTime.get(task);
      if (now !== undefined) forgetIdle(task, now);
      usersLive.set(state.size());
      await Promise.all([readiness.send(scores), triggers.send(found)]);
      const wall = Date.now();
      for (const r of scores) if (r.traceArrivalMs > 0) latency.observe((wall - r.traceArrivalMs) / 1000);
    },
    onAssign: (task, snapshot) => state.restore(task, snapshot),
    // (another member scores these users now)
    onRelease: (task) => {
      state.drop(task);
      streamTime.delete(task);
      sweptHour.delete(task);
      usersLive.set(state.size());
    },
    snapshot: (task) => state.snapshot(task),
  });
}
