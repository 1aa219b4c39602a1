import type { Readiness, Trigger } from '../schemas/index.ts';
import { serde } from '../schemas/index.ts';
import {
  createTaskState,
  emitter,
  liveWindowOf,
  runStage,
  type RunningStage,
  type StageDeps,
} from '../platform/index.ts';
import { liveStateSchema, newLiveState, type LiveState } from './live-state.ts';
import { scoreWindow, scoredFields } from './readiness.ts';
import { detectTriggers } from './triggers.ts';

const STAGE = 'inference';

/**
 * Scores each closed live window (pulse.features.v1 → pulse.readiness.v1) and detects triggers
 * (→ pulse.triggers.v1). A window at or before the last one scored for the user is a redelivery
 * (at-least-once upstream) and is skipped, so replays never double a score or a trigger.
 *
 * Only the live window (the first of PULSE_WINDOWS) is scored: readiness, its streaks and the
 * trigger hysteresis count consecutive live windows, and the tiles show its bpm and zone. A
 * session or day scored in between would swap a 10 s heart rate for a day's mean on the floor
 * and back, and its later end would make the next live windows look like redeliveries.
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
        let s = state.get(task, f.userId);
        if (!s) {
          s = newLiveState();
          state.set(task, f.userId, s);
        }
        if (f.windowEnd <= s.lastWindowEnd) {
          redelivered.inc();
          continue;
        }
        if (Number.isNaN(f.hrMean)) continue;
        const previous = s.lastScore < 0 ? 100 : s.lastScore;
        const r = scoreWindow(s, f);
        scores.push({
          userId: f.userId,
          windowEnd: f.windowEnd,
          score: r.score,
          band: r.band,
          factors: r.factors,
          bpm: f.hrLast,
          pctMax: f.pctMax,
          zone: f.zone,
          model: 'rules-v1',
          traceArrivalMs: f.traceArrivalMs,
        });
        found.push(...detectTriggers(s, f, r.score, previous));
      }
      await Promise.all([readiness.send(scores), triggers.send(found)]);
      const now = Date.now();
      for (const r of scores) if (r.traceArrivalMs > 0) latency.observe((now - r.traceArrivalMs) / 1000);
    },
    onAssign: (task, snapshot) => state.restore(task, snapshot),
    snapshot: (task) => state.snapshot(task),
  });
}
