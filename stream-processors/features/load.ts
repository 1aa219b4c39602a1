/**
 * How each day's load enters the acute (ATL) and chronic (CTL) averages; both are
 * today = yesterday + (load − yesterday) · k, for a time constant of N days:
 *  - 'coggan' (default): k = 1 − e^(−1/N), exponential decay with time constant N as in
 *    Banister's impulse-response model, the form of Coggan's Performance Manager ATL/CTL/TSB
 *    (Allen & Coggan, Training and Racing with a Power Meter); some tools use its first-order
 *    approximation k = 1/N (0.0238 vs 0.0235 for N = 42). The default because ATL, CTL and form
 *    are that model's quantities.
 *  - 'williams': k = λ = 2/(N + 1), the EWMA that Williams, West, Cross & Stokes (2017, Br J
 *    Sports Med 51:209–210, "Better way to determine the acute:chronic workload ratio?")
 *    proposed for the ACWR instead of rolling averages; use it to compare with ACWR literature.
 */
export type LoadSmoothing = 'coggan' | 'williams';

export interface LoadOptions {
  smoothing?: LoadSmoothing;
  /** default 7 */
  acuteDays?: number;
  /** default 42 */
  chronicDays?: number;
}

export interface Load {
  /** acute training load (fatigue) */
  atl: number;
  /** chronic training load (fitness) */
  ctl: number;
}

export interface LoadState extends Load {
  /** acute:chronic workload ratio atl / ctl; null while ctl is 0 */
  acwr: number | null;
  /** ctl − atl of the same day (TrainingPeaks shows TSB as yesterday's ctl − atl) */
  form: number;
}

/** The weight k of today's load for a time constant of `days`. */
export function smoothingFactor(days: number, smoothing: LoadSmoothing = 'coggan'): number {
  return smoothing === 'coggan' ? 1 - Math.exp(-1 / days) : 2 / (days + 1);
}

/** One day's update of ATL and CTL with that day's load (0 on a rest day). */
export function updateLoad(prev: Load, dayLoad: number, opts: LoadOptions = {}): LoadState {
  const { smoothing = 'coggan', acuteDays = 7, chronicDays = 42 } = opts;
  const atl = prev.atl + (dayLoad - prev.atl) * smoothingFactor(acuteDays, smoothing);
  const ctl = prev.ctl + (dayLoad - prev.ctl) * smoothingFactor(chronicDays, smoothing);
  return { atl, ctl, acwr: ctl === 0 ? null : atl / ctl, form: ctl - atl };
}

/** A day's training load; `day` is an integer day number (e.g. days since the epoch). */
export interface DayLoad {
  day: number;
  load: number;
}

/**
 * ATL/CTL for every day from the first to the last listed day: loads of the same day add up,
 * and a day with no entry is a rest day with load 0 (it still decays both averages). Starts
 * from `initial` (default 0/0).
 */
export function loadHistory(
  days: readonly DayLoad[],
  opts: LoadOptions & { initial?: Load } = {},
): (LoadState & { day: number })[] {
  if (days.length === 0) return [];
  const byDay = new Map<number, number>();
  for (const d of days) byDay.set(d.day, (byDay.get(d.day) ?? 0) + d.load);
  const first = Math.min(...byDay.keys());
  const last = Math.max(...byDay.keys());
  const out: (LoadState & { day: number })[] = [];
  let prev: Load = opts.initial ?? { atl: 0, ctl: 0 };
  for (let day = first; day <= last; day++) {
    const s = updateLoad(prev, byDay.get(day) ?? 0, opts);
    out.push({ day, ...s });
    prev = s;
  }
  return out;
}
