import type { Trigger, TriggerKind } from '../schemas/index.ts';
import type { ScoredWindow } from './readiness.ts';
import type { LiveState } from './live-state.ts';

/**
 * Trigger rules with hysteresis and cooldowns so a floor is not spammed:
 *  - zone_change: a new zone must hold for CONFIRM_WINDOWS consecutive windows, and at most one
 *    zone or overexertion trigger per user per COOLDOWN_MS;
 *  - overexertion: OVEREXERTION_WINDOWS consecutive windows at ≥ 90 % HRmax;
 *  - readiness_drop: the score enters the red band (not within a danger's cooldown: see danger);
 *  - danger: heart rate above the athlete's max for DANGER_WINDOWS consecutive windows. Danger has
 *    its own cooldown and is never held back by the others; while heart rate is above max, and for
 *    a cooldown after a danger, no other trigger is raised (they would follow "stop" with advice
 *    to go on).
 */
export const CONFIRM_WINDOWS = 2;
export const COOLDOWN_MS = 60_000;
export const OVEREXERTION_WINDOWS = 6;
export const DANGER_WINDOWS = 2;

export function detectTriggers(s: LiveState, f: ScoredWindow, score: number, previousScore: number): Trigger[] {
  const out: Trigger[] = [];
  const ts = f.windowEnd;
  const make = (kind: TriggerKind, fromZone: number, detail: string): Trigger => ({
    triggerId: `${f.userId}:${kind}:${ts}`,
    userId: f.userId,
    ts,
    kind,
    fromZone,
    toZone: f.zone,
    pctMax: f.pctMax,
    readiness: score,
    detail,
  });

  s.overMaxStreak = f.pctMax > 100 ? s.overMaxStreak + 1 : 0;
  if (s.overMaxStreak >= DANGER_WINDOWS && ts - s.lastDangerTs >= COOLDOWN_MS) {
    s.lastDangerTs = ts;
    out.push(make('danger', s.reportedZone, `heart rate above max for ${s.overMaxStreak} windows`));
    // the stop stays the athlete's latest advice: no zone or overexertion trigger for a cooldown,
    // and the zone is taken as reported (a "max effort" right after it would contradict it)
    s.lastTriggerTs = ts;
    s.reportedZone = f.zone;
    s.pendingCount = 0;
    s.pendingZone = -1;
    return out;
  }
  // above HRmax only danger speaks: any other advice (hold zone 5, ease off) would read as a go-on
  if (s.overMaxStreak > 0) return out;

  const coolingDown = ts - s.lastTriggerTs < COOLDOWN_MS;
  if (s.reportedZone < 0) {
    s.reportedZone = f.zone;
  } else if (f.zone !== s.reportedZone) {
    s.pendingCount = f.zone === s.pendingZone ? s.pendingCount + 1 : 1;
    s.pendingZone = f.zone;
    if (s.pendingCount >= CONFIRM_WINDOWS && !coolingDown) {
      out.push(make('zone_change', s.reportedZone, `zone ${s.reportedZone} → ${f.zone}`));
      s.reportedZone = f.zone;
      s.pendingCount = 0;
      s.lastTriggerTs = ts;
    }
  } else {
    s.pendingCount = 0;
    s.pendingZone = -1;
  }

  if (s.highStreak >= OVEREXERTION_WINDOWS && out.length === 0 && ts - s.lastTriggerTs >= COOLDOWN_MS) {
    out.push(make('overexertion', s.reportedZone, `${s.highStreak} windows at ≥ 90 % HRmax`));
    s.lastTriggerTs = ts;
  }
  // (the score can turn red while the athlete rests after a stop: "drop to zone 2" would go on)
  if (score <= 33 && previousScore > 33 && ts - s.lastDangerTs >= COOLDOWN_MS) {
    out.push(make('readiness_drop', s.reportedZone, `readiness ${previousScore} → ${score}`));
  }
  return out;
}
