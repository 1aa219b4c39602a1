import { sessionGapOf } from '../platform/index.ts';
import type { Band, Factor, Features } from '../schemas/index.ts';
import type { LiveState } from './live-state.ts';

/** What scoring and triggers read of a live window (inference decodes only these fields). */
export const scoredFields = [
  'userId',
  'windowStart',
  'windowEnd',
  'hrMean',
  'pctMax',
  'trimpBanister',
  'zone',
  'traceArrivalMs',
] as const;
export type ScoredWindow = Pick<Features, (typeof scoredFields)[number]>;

/** the default windows' session gap (10 min) */
const DEFAULT_SESSION_GAP_MS = sessionGapOf([]);

/**
 * Rule-based readiness prior (0–100), used from the first sample until a trained model is
 * promoted. It starts from 80 and each factor moves it by a stated number of points, so every
 * score can be explained by its factors:
 *  - session load: Banister TRIMP accumulated this session (each live window's `trimpBanister`,
 *    from the feature library) costs 0.35 points per TRIMP, at most 35;
 *  - sustained high intensity: each consecutive window at ≥ 90 % HRmax costs 1.5 points, at most 20;
 *  - recovery: after a zone-4/5 window, a drop of ≥ 8 bpm in the next window adds 5 points.
 * Bands: ≥ 67 green, 34–66 yellow, ≤ 33 red (DESIGN.md).
 */
export const BASE_SCORE = 80;
/**
 * A longer gap between windows (a dropout, or the next workout) breaks what counts as consecutive:
 * the streaks, the previous window and a zone waiting to be confirmed start again. (Not a window
 * or two: a strap losing contact must not delay a danger.)
 */
export const STREAK_GAP_MS = 60_000;

export function bandOf(score: number): Band {
  if (score >= 67) return 'green';
  if (score >= 34) return 'yellow';
  return 'red';
}

export interface Score {
  score: number;
  band: Band;
  factors: Factor[];
}

/**
 * Updates the user's live state with one closed window and scores it. A gap between windows
 * longer than `sessionGapMs` starts a new session (the load resets): the session spec's gap of
 * PULSE_WINDOWS, so that "this session" is the session the history shows.
 */
export function scoreWindow(s: LiveState, f: ScoredWindow, sessionGapMs = DEFAULT_SESSION_GAP_MS): Score {
  const gap = f.windowStart - s.lastWindowEnd;
  if (gap > STREAK_GAP_MS) {
    s.highStreak = 0;
    s.overMaxStreak = 0;
    s.prevZone = -1;
    s.prevHrMean = Number.NaN;
    s.pendingZone = -1;
    s.pendingCount = 0;
  }
  if (gap > sessionGapMs) {
    s.sessionLoad = 0;
    // a new workout: its first zone is where it starts, not a change from the last one's
    s.reportedZone = -1;
  }
  s.sessionLoad += f.trimpBanister;
  s.highStreak = f.pctMax >= 90 ? s.highStreak + 1 : 0;

  const factors: Factor[] = [];
  const load = -Math.min(35, 0.35 * s.sessionLoad);
  if (load <= -0.5) {
    factors.push({
      name: 'session_load',
      impact: round1(load),
      detail: `TRIMP ${s.sessionLoad.toFixed(1)} this session`,
    });
  }
  if (s.highStreak > 0) {
    const impact = -Math.min(20, 1.5 * s.highStreak);
    factors.push({ name: 'high_intensity', impact, detail: `${s.highStreak} windows at ≥ 90 % HRmax` });
  }
  if (s.prevZone >= 4 && f.hrMean <= s.prevHrMean - 8) {
    factors.push({
      name: 'recovery',
      impact: 5,
      detail: `heart rate fell ${Math.round(s.prevHrMean - f.hrMean)} bpm after a hard effort`,
    });
  }
  s.lastWindowEnd = f.windowEnd;
  s.prevZone = f.zone;
  s.prevHrMean = f.hrMean;
  let total = BASE_SCORE;
  for (const x of factors) total += x.impact;
  const score = Math.max(0, Math.min(100, Math.round(total)));
  s.lastScore = score;
  factors.sort((a, b) => Math.abs(b.impact) - Math.abs(a.impact));
  return { score, band: bandOf(score), factors: factors.slice(0, 3) };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
