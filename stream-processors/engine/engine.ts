import type { WindowSpec } from '../../platform/index.ts';
import type { Features } from '../../schemas/index.ts';
import {
  DEFAULT_MAX_GAP_S,
  estimateMaxHr,
  MAX_RESTING_HR,
  POOLED_SIZE,
  RESTING_MAX_SD,
  RESTING_WINDOW_S,
  restingHrFromSeries,
  summariseInto,
  toFeatures,
  unpackValues,
  updateLoad,
  type DailyValues,
  type ArtifactMode,
  type FeatureValues,
  type Personal,
} from '../features/index.ts';
import { firstAtOrAfter, heldTs, hold, isHeld, release, windowOf, type EngineSample } from './sample-buffer.ts';
import { deviceHash, reviveUserStream, UserStream, type UserStreamRecord } from './user-stream.ts';

export interface EngineOptions {
  /** allowed out-of-orderness: the watermark trails the newest reading by this much */
  outOfOrderMs: number;
  /** windows fire this long after the watermark passes their end; readings that far behind it still count */
  graceMs: number;
  /** each user's windows at a phase of their own (a hash of the user id) instead of the epoch's */
  staggered: boolean;
  zoneBasis: Personal['zoneBasis'];
  rrCorrection: ArtifactMode;
}

export type AddResult = 'added' | 'late' | 'duplicate';
/** (It must not call back into the engine: the window being closed is summarised in a buffer the engine reuses.) */
export type Emit = (f: Features) => void;

/** A tumbling or hopping spec: windows [end − size, end) every `advanceMs`. */
interface Frame {
  name: string;
  kind: 'tumbling' | 'hopping';
  sizeMs: number;
  advanceMs: number;
}

const DAY_MS = 86_400_000;
/**
 * The minute of live windows gathered for the resting HR (UserStream.minuteAt): its first
 * window's start, its last window's end, the heart-rate readings, their sum and sum of squares,
 * and the seconds they hold.
 */
const M_START = 0;
const M_END = 1;
const M_N = 2;
const M_SUM = 3;
const M_SUM_SQ = 4;
const M_HELD = 5;
/** Tanaka, Monahan & Seals (2001) at age 35, when a profile gives neither HRmax nor age. */
export const DEFAULT_MAX_HR = Math.round(estimateMaxHr(35));
/** A typical adult resting HR, when neither the profile nor a day's estimate gives one. */
export const DEFAULT_REST_HR = 60;

const userHash = (userId: string) => deviceHash(userId) >>> 0;

/** The user's window phase in [0, size): a hash of the user id. */
export function windowPhase(userId: string, sizeMs: number): number {
  return modulo(userHash(userId), sizeMs);
}

/**
 * x mod a in [0, a), exact for integers |x| < 2^53 (a quotient that rounds cannot cross an
 * integer there). `%` on numbers beyond int32, such as ms timestamps, is a call to fmod, which
 * cost more than the rest of a reading's bookkeeping.
 */
const modulo = (x: number, a: number) => x - Math.floor(x / a) * a;

/** Smallest window end > ts on a grid of step `advanceMs` shifted by the user's phase (hash 0: the epoch's). */
function endAfter(f: Frame, hash: number, ts: number): number {
  const a = f.advanceMs;
  return ts - modulo(ts - modulo(hash, a), a) + a;
}

/**
 * Event-time windows per user, several specs at once (PULSE_WINDOWS): tumbling and hopping
 * windows computed from the held readings, sessions and UTC days built from the live (first,
 * tumbling) windows.
 *
 * Each user has their own watermark, the newest reading's ts − out-of-orderness, so a user's
 * output depends only on their own readings, not on how users interleave in a partition (a
 * replay, or another partitioning, gives the same features). A reading is late when it is
 * more than the grace behind the watermark (Flink's rule): then every spec sees the same
 * readings, and a window fires when the watermark passes its end + grace, as no reading that
 * is still accepted can fall in it. Readings are held in ts order, so each window's features
 * are computed on its sorted readings: they do not depend on arrival order within the bound.
 */
export class WindowEngine {
  private readonly frames: Frame[];
  private readonly base: Frame;
  private readonly sessionSpec: { name: string; gapMs: number } | null = null;
  private readonly daySpec: { name: string } | null = null;
  /** the window being closed, packed (packed-values.ts): summarised here, then pooled into the session and day */
  private readonly values = new Array<number>(POOLED_SIZE).fill(Number.NaN);

  constructor(
    specs: WindowSpec[],
    private readonly opts: EngineOptions,
  ) {
    this.frames = [];
    for (const s of specs) {
      if (s.kind === 'tumbling')
        this.frames.push({ name: s.name, kind: s.kind, sizeMs: s.sizeMs, advanceMs: s.sizeMs });
      else if (s.kind === 'hopping') this.frames.push({ ...s });
      else if (s.kind === 'session') this.sessionSpec = { name: s.name, gapMs: s.gapMs };
      else this.daySpec = { name: s.name };
    }
    if (this.frames[0]?.kind !== 'tumbling') throw new Error('the first window spec must be tumbling');
    this.base = this.frames[0];
  }

  /** A user's empty stream, before their first reading. */
  newStream(userId: string): UserStream {
    return new UserStream(this.frames.length, this.opts.staggered ? userHash(userId) : 0);
  }

  /**
   * A user's stream from its snapshot (TaskState's revive). PULSE_WINDOWS may have changed since
   * it was saved: a tumbling or hopping spec whose next window end is missing or off this
   * engine's grid resumes with the first window that ends after the horizon and holds a held
   * reading (a new spec's first window holds only the readings still held).
   */
  revive(record: UserStreamRecord): UserStream {
    const st = reviveUserStream(record, this.frames.length);
    for (let i = 0; i < this.frames.length; i++) {
      const f = this.frames[i]!;
      const end = st.nextEndOf(i);
      const onGrid = i < record.nextEnd.length && (end === Infinity || endAfter(f, st.hash, end - 1) === end);
      if (onGrid) continue;
      st.setNextEnd(
        i,
        st.heldCount === 0
          ? Infinity
          : Math.max(endAfter(f, st.hash, heldTs(st, 0)), endAfter(f, st.hash, this.horizon(st))),
      );
    }
    return st;
  }

  /** Readings before this are late. */
  horizon(st: UserStream): number {
    return Math.max(st.maxTs - this.opts.outOfOrderMs - this.opts.graceMs, st.closedUntil);
  }

  add(st: UserStream, s: EngineSample, emit: Emit): AddResult {
    if (s.ts < this.horizon(st)) return 'late';
    const dev = deviceHash(s.deviceId);
    if (isHeld(st, s.ts, dev)) return 'duplicate';
    hold(st, s, dev);
    for (let i = 0; i < this.frames.length; i++) {
      const f = this.frames[i]!;
      // a reading at or after the next window's start falls in it or a later one: nothing to move
      if (s.ts >= st.nextEndOf(i) - f.advanceMs) continue;
      const end = endAfter(f, st.hash, s.ts);
      if (end < st.nextEndOf(i)) st.setNextEnd(i, end);
    }
    if (s.ts > st.maxTs) {
      st.maxTs = s.ts;
      this.advance(st, s.userId, s.receivedAt, emit);
    }
    return 'added';
  }

  /**
   * The user went quiet at stream time `now`: close every window holding their readings, and
   * the session and day once `now` − timeout has passed them. Later readings before that are late.
   */
  idle(st: UserStream, userId: string, now: number, timeoutMs: number, emit: Emit): void {
    let until = now - timeoutMs;
    if (st.maxTs > -Infinity) {
      for (const f of this.frames) until = Math.max(until, endAfter(f, st.hash, st.maxTs) + f.sizeMs - f.advanceMs);
    }
    if (until <= st.closedUntil) return;
    st.closedUntil = until;
    this.advance(st, userId, 0, emit);
  }

  /** Whether nothing is open: no held reading, session or day. */
  quiet(st: UserStream): boolean {
    return st.heldCount === 0 && !st.sessionOpen && !st.dayOpen;
  }

  /**
   * Whether nothing but the day is open: until `dayClosesAt`, idling only moves the horizon on,
   * and only a reading (or a profile) changes anything else.
   */
  settled(st: UserStream): boolean {
    return st.heldCount === 0 && !st.sessionOpen;
  }

  /** The horizon at which the open day closes (-Infinity: no day is open). */
  dayClosesAt(st: UserStream): number {
    if (!st.dayOpen) return -Infinity;
    return Math.max(st.dayStart + DAY_MS, endAfter(this.base, st.hash, st.dayStart + DAY_MS - 1));
  }

  /**
   * HRmax: the profile's, else the default (also for one at or below the default resting HR: no
   * heart rate at which anyone trains). Resting HR: the profile's, else the last day's estimate,
   * else the default, the first that is below HRmax: % HRR and Banister TRIMP divide by the reserve,
   * and a profile from the log may not have been checked.
   */
  personal(st: UserStream): Personal {
    const maxHr = st.maxHr > DEFAULT_REST_HR ? st.maxHr : DEFAULT_MAX_HR;
    const estimate = Math.round(st.restEstimate);
    return {
      maxHr,
      restHr:
        st.restHr > 0 && st.restHr < maxHr
          ? st.restHr
          : estimate > 0 && estimate <= MAX_RESTING_HR && estimate < maxHr
            ? estimate
            : DEFAULT_REST_HR,
      sex: st.sex === 2 ? 'f' : 'm',
      zoneBasis: this.opts.zoneBasis,
    };
  }

  private advance(st: UserStream, userId: string, trace: number, emit: Emit): void {
    const h = this.horizon(st);
    // most readings close nothing: the next window ends ahead of the horizon, and the held
    // readings, session and day stay as they are
    let due = false;
    for (let i = 0; i < this.frames.length; i++) if (st.nextEndOf(i) <= h) due = true;
    if (due) {
      const p = this.personal(st);
      let keepFrom = Infinity;
      for (let i = 0; i < this.frames.length; i++) {
        const f = this.frames[i]!;
        while (st.nextEndOf(i) <= h) this.closeFrameWindow(st, userId, i, p, trace, emit);
        keepFrom = Math.min(keepFrom, st.nextEndOf(i) - f.sizeMs);
      }
      release(st, keepFrom === Infinity ? h : keepFrom);
    }
    if (st.sessionOpen || st.dayOpen) this.closeRollups(st, userId, h, trace, emit);
  }

  private closeFrameWindow(st: UserStream, userId: string, i: number, p: Personal, trace: number, emit: Emit): void {
    const f = this.frames[i]!;
    const end = st.nextEndOf(i);
    const start = end - f.sizeMs;
    const { readings, rr } = windowOf(st, start, end);
    if (readings.length > 0) {
      const live = i === 0;
      if (live) this.countHeldInto(st, start, readings[0]!.ts, p);
      summariseInto(this.values, 0, readings, rr, p, {
        endTs: end,
        rrCorrection: this.opts.rrCorrection,
        // live windows tile time: the steps, and the time held by the reading, between the previous
        // window's last reading and this one's first count here
        stepsBefore: live && !Number.isNaN(st.stepsBefore) ? st.stepsBefore : undefined,
        startTs: start,
        hrBefore: live && st.hrBeforeTs > -Infinity ? { ts: st.hrBeforeTs, bpm: st.hrBeforeBpm } : undefined,
      });
      const values = unpackValues(this.values, 0);
      emit(this.record(userId, f.name, f.kind, start, end, values, trace));
      if (live) {
        // the next live window counts its steps from this one's last counter reading (live windows
        // close in order, one at a time; the held readings may reach further back for other specs)
        for (let k = readings.length - 1; k >= 0; k--) {
          const steps = readings[k]!.steps;
          if (steps !== null) {
            st.stepsBefore = steps;
            break;
          }
        }
        for (let k = readings.length - 1; k >= 0; k--) {
          const bpm = readings[k]!.bpm;
          if (bpm !== null) {
            st.hrBeforeTs = readings[k]!.ts;
            st.hrBeforeBpm = bpm;
            break;
          }
        }
        st.liveEnd = end;
        this.rollUp(st, userId, start, end, readings[0]!.ts, readings[readings.length - 1]!.ts, trace, emit);
        if (this.daySpec && f.sizeMs < RESTING_WINDOW_S * 1000) this.gatherRestMinute(st, start, end, values);
      }
      if (this.daySpec && f.sizeMs >= 60_000) {
        // the open day's readings only (live windows close first: a window reaching back before
        // midnight may close after the new day began)
        const rest = restingHrFromSeries(
          readings.filter((s) => s.bpm !== null && s.ts >= st.dayStart) as { ts: number; bpm: number }[],
        );
        if (rest && rest.bpm < st.dayRest) st.dayRest = rest.bpm;
      }
    }
    // the next window of this frame that holds a reading
    const next = end + f.advanceMs;
    const k = firstAtOrAfter(st, next - f.sizeMs);
    st.setNextEnd(i, k < st.heldCount ? Math.max(next, endAfter(f, st.hash, heldTs(st, k))) : Infinity);
  }

  /**
   * Live windows shorter than a minute make up minutes for the day's resting HR, by
   * restingHrFromSeries' rule (a fully covered minute whose readings' population SD is under
   * 3 bpm; windows of a minute or more are searched with that function itself): consecutive
   * windows pool their heart-rate readings' count, sum and sum of squares and the seconds the
   * readings hold. A window that does not follow on, has no heart rate or starts another UTC day
   * starts the minute again; a minute is judged once it is complete, then the next one starts.
   */
  private gatherRestMinute(st: UserStream, start: number, end: number, v: FeatureValues): void {
    const sameDay = Math.floor(st.minuteAt(M_START) / DAY_MS) === Math.floor(start / DAY_MS);
    if (v.hrCount === 0) {
      st.setMinuteAt(M_START, Number.NaN);
      st.setMinuteAt(M_END, Number.NaN);
      return;
    }
    if (st.minuteAt(M_END) !== start || !sameDay) {
      st.setMinuteAt(M_START, start);
      st.setMinuteAt(M_N, 0);
      st.setMinuteAt(M_SUM, 0);
      st.setMinuteAt(M_SUM_SQ, 0);
      st.setMinuteAt(M_HELD, 0);
    }
    const sd = v.hrSd ?? 0;
    st.setMinuteAt(M_END, end);
    st.setMinuteAt(M_N, st.minuteAt(M_N) + v.hrCount);
    st.setMinuteAt(M_SUM, st.minuteAt(M_SUM) + v.hrMean * v.hrCount);
    st.setMinuteAt(M_SUM_SQ, st.minuteAt(M_SUM_SQ) + (sd * sd + v.hrMean * v.hrMean) * v.hrCount);
    st.setMinuteAt(M_HELD, st.minuteAt(M_HELD) + v.durationSec);
    const spanS = (end - st.minuteAt(M_START)) / 1000;
    if (spanS < RESTING_WINDOW_S) return;
    const n = st.minuteAt(M_N);
    const mean = st.minuteAt(M_SUM) / n;
    const minuteSd = Math.sqrt(Math.max(0, st.minuteAt(M_SUM_SQ) / n - mean * mean));
    // (seconds held add up from ms differences: not exactly, hence the margin)
    const covered = st.minuteAt(M_HELD) >= spanS - 1e-6;
    if (covered && minuteSd < RESTING_MAX_SD && mean < st.dayRest) st.dayRest = mean;
    st.setMinuteAt(M_START, Number.NaN);
    st.setMinuteAt(M_END, Number.NaN);
  }

  /**
   * The live window just summarised (in `values`) joins the user's session and day (closing the
   * previous ones it does not belong to).
   */
  private rollUp(
    st: UserStream,
    userId: string,
    start: number,
    end: number,
    firstTs: number,
    lastTs: number,
    trace: number,
    emit: Emit,
  ): void {
    const p = this.personal(st);
    const gap = this.sessionSpec?.gapMs;
    if (gap !== undefined) {
      if (st.sessionOpen && firstTs - st.sessionLast > gap) this.emitSession(st, userId, trace, emit);
      if (!st.sessionOpen) st.sessionStart = start;
      st.poolSession(this.values, 0, p);
      st.sessionEnd = end;
      st.sessionLast = lastTs;
    }
    if (this.daySpec) {
      const day = Math.floor(start / DAY_MS) * DAY_MS;
      if (st.dayOpen && st.dayStart !== day) this.emitDay(st, userId, trace, emit);
      if (!st.dayOpen) st.dayStart = day;
      st.poolDay(this.values, 0, p);
    }
  }

  /** Sessions and days close once no live window that could still join them is open. */
  private closeRollups(st: UserStream, userId: string, h: number, trace: number, emit: Emit): void {
    const gap = this.sessionSpec?.gapMs;
    // (a window end after x is > x: the cheap test first)
    if (
      gap !== undefined &&
      st.sessionOpen &&
      h > st.sessionLast + gap &&
      h >= endAfter(this.base, st.hash, st.sessionLast + gap)
    ) {
      this.emitSession(st, userId, trace, emit);
    }
    if (st.dayOpen && h >= st.dayStart + DAY_MS && h >= this.dayClosesAt(st)) {
      this.emitDay(st, userId, trace, emit);
    }
  }

  /**
   * The last heart-rate reading holds into the next live window up to the max gap, as it would
   * in one long series (SummaryOptions.hrBefore). A live window without any reading is not
   * emitted: what the reading holds of those passed over, from `liveEnd` to the start of the
   * live window with readings being closed (first at `firstTs`), is pooled here into the session
   * and day that window joins (time, zone seconds, TRIMP; no heart-rate statistic moves, as no
   * reading does). Not into a session or day the window does not join: whether one is still open
   * then depends on how far the readings ran ahead, and the output must not. So it does not count
   * when the readings stop for good, pause past the session gap, or resume on another UTC day (a
   * window belongs to the day it starts in).
   */
  private countHeldInto(st: UserStream, start: number, firstTs: number, p: Personal): void {
    const from = st.liveEnd;
    if (!(start > from)) return;
    st.liveEnd = start;
    // (−∞: a stream restored from a checkpoint before liveEnd, with nothing to go by)
    if (from === -Infinity || st.hrBeforeTs + DEFAULT_MAX_GAP_S * 1000 <= from) return;
    const gap = this.sessionSpec?.gapMs;
    const session = gap !== undefined && st.sessionOpen && firstTs - st.sessionLast <= gap;
    const day = this.daySpec !== null && st.dayOpen && Math.floor(start / DAY_MS) * DAY_MS === st.dayStart;
    if (!session && !day) return;
    summariseInto(this.values, 0, [], [], p, {
      startTs: from,
      endTs: start,
      hrBefore: { ts: st.hrBeforeTs, bpm: st.hrBeforeBpm },
      rrCorrection: this.opts.rrCorrection,
    });
    if (session) st.poolSession(this.values, 0, p);
    if (day) st.poolDay(this.values, 0, p);
  }

  private emitSession(st: UserStream, userId: string, trace: number, emit: Emit): void {
    emit(this.record(userId, this.sessionSpec!.name, 'session', st.sessionStart, st.sessionEnd, st.session!, trace));
    st.closeSession();
  }

  /** A day closes: its load moves the ATL/CTL EWMAs (rest days in between count as 0). */
  private emitDay(st: UserStream, userId: string, trace: number, emit: Emit): void {
    const values = st.day!;
    const dayNo = Math.round(st.dayStart / DAY_MS);
    let load = { atl: st.atl, ctl: st.ctl };
    if (st.loadDay >= 0) for (let d = st.loadDay + 1; d < dayNo; d++) load = updateLoad(load, 0);
    const today = updateLoad(load, values.trimpBanister);
    st.atl = today.atl;
    st.ctl = today.ctl;
    st.loadDay = dayNo;
    const rest = Number.isFinite(st.dayRest) && st.dayRest <= MAX_RESTING_HR ? st.dayRest : null;
    if (rest !== null) st.restEstimate = rest;
    emit(
      this.record(userId, this.daySpec!.name, 'daily', st.dayStart, st.dayStart + DAY_MS, values, trace, {
        restHrEstimate: rest,
        atl: today.atl,
        ctl: today.ctl,
        acwr: today.acwr,
        form: today.form,
      }),
    );
    st.closeDay();
    st.dayRest = Infinity;
  }

  private record(
    userId: string,
    window: string,
    kind: string,
    windowStart: number,
    windowEnd: number,
    values: FeatureValues,
    traceArrivalMs: number,
    daily?: DailyValues,
  ): Features {
    return toFeatures({ userId, window, kind, windowStart, windowEnd, traceArrivalMs }, values, daily);
  }
}
