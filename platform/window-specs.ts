/**
 * The windows the stream processor keeps per user (PULSE_WINDOWS), as `name=kind[:args]` items
 * separated by commas:
 *   tumbling:SIZE            contiguous windows, e.g. `live=tumbling:10s` (the live tile)
 *   hopping:SIZE/ADVANCE     overlapping windows, e.g. `hrv=hopping:60s/10s` (HRV, zones)
 *   session:GAP              a workout: readings with gaps under GAP, e.g. `session=session:10m`
 *   daily                    UTC days: training load, resting HR (baselines)
 * The first item must be a tumbling window: it is the live window that readiness and the tiles
 * use, and sessions and days are built from its windows.
 */
export type TumblingSpec = { name: string; kind: 'tumbling'; sizeMs: number };
export type WindowSpec =
  | TumblingSpec
  | { name: string; kind: 'hopping'; sizeMs: number; advanceMs: number }
  | { name: string; kind: 'session'; gapMs: number }
  | { name: string; kind: 'daily' };

/**
 * The live window, sessions and days. A 60 s hopping window for HRV (`hrv=hopping:60s/10s`) is
 * available but not on by default: it holds a minute of raw readings per user (about 4 KB with
 * RR intervals and cadence), while RMSSD from 10 s recordings already correlates with the
 * standard 5 min value (Munoz et al. 2015, PLoS One 10:e0138921, "Validity of (ultra-)short
 * recordings for heart rate variability measurements"), and sessions and days pool the live
 * windows' RMSSD over all their successive differences.
 */
export const DEFAULT_WINDOWS = 'live=tumbling:10s,session=session:10m,day=daily';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const MAX_WINDOW_MS = 3_600_000;
const MAX_GAP_MS = 24 * 3_600_000;

function duration(text: string, item: string): number {
  const m = /^(\d+)(ms|s|m|h)$/.exec(text);
  if (!m) throw new Error(`${item}: "${text}" is not a duration like 500ms, 10s, 5m or 1h`);
  return Number(m[1]) * UNITS[m[2]!]!;
}

function inRange(ms: number, min: number, max: number, what: string, item: string): number {
  if (ms < min || ms > max) throw new Error(`${item}: ${what} must be between ${min} ms and ${max} ms, got ${ms} ms`);
  return ms;
}

function parseItem(item: string): WindowSpec {
  const m = /^([a-z][a-z0-9_-]{0,31})=([a-z]+)(?::(.*))?$/.exec(item);
  if (!m) throw new Error(`"${item}" is not name=kind[:args] (name: lowercase letters, digits, _ or -)`);
  const [, name, kind, args] = m as unknown as [string, string, string, string | undefined];
  const needArgs = (): string => {
    if (args === undefined) throw new Error(`${item}: ${kind} needs arguments (see README, PULSE_WINDOWS)`);
    return args;
  };
  switch (kind) {
    case 'tumbling':
      return { name, kind, sizeMs: inRange(duration(needArgs(), item), 1000, MAX_WINDOW_MS, 'size', item) };
    case 'hopping': {
      const [size, advance, extra] = needArgs().split('/');
      if (advance === undefined || extra !== undefined) throw new Error(`${item}: hopping takes SIZE/ADVANCE`);
      const sizeMs = inRange(duration(size!, item), 1000, MAX_WINDOW_MS, 'size', item);
      const advanceMs = inRange(duration(advance, item), 1000, sizeMs, 'advance', item);
      return { name, kind, sizeMs, advanceMs };
    }
    case 'session':
      return { name, kind, gapMs: inRange(duration(needArgs(), item), 1000, MAX_GAP_MS, 'gap', item) };
    case 'daily':
      if (args !== undefined) throw new Error(`${item}: daily takes no arguments`);
      return { name, kind };
    default:
      throw new Error(`${item}: unknown window kind ${kind} (tumbling, hopping, session, daily)`);
  }
}

export function parseWindowSpecs(text: string): WindowSpec[] {
  const specs = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(parseItem);
  if (specs[0]?.kind !== 'tumbling') throw new Error('the first window must be tumbling (the live window)');
  const names = new Set<string>();
  for (const s of specs) {
    if (names.has(s.name)) throw new Error(`window name ${s.name} is used twice`);
    names.add(s.name);
  }
  for (const kind of ['session', 'daily'] as const) {
    if (specs.filter((s) => s.kind === kind).length > 1) throw new Error(`at most one ${kind} window`);
  }
  return specs;
}

/**
 * The gap that ends a workout session: the session spec's, else the default windows' (10 min),
 * so that what counts as one session is the same in every stage.
 */
export function sessionGapOf(specs: readonly WindowSpec[]): number {
  const session =
    specs.find((s) => s.kind === 'session') ?? parseWindowSpecs(DEFAULT_WINDOWS).find((s) => s.kind === 'session');
  return session!.gapMs;
}

/** The live window: the first spec, which parseWindowSpecs requires to be tumbling. */
export function liveWindowOf(specs: readonly WindowSpec[]): TumblingSpec {
  const live = specs[0];
  if (live?.kind !== 'tumbling') throw new Error('the first window must be tumbling (the live window)');
  return live;
}

/**
 * The windows a processor keeps: PULSE_WINDOWS when set, else DEFAULT_WINDOWS with the live
 * window sized by PULSE_WINDOW_MS (the older setting, which this keeps working). When both are
 * set they must agree on the live window's size, so neither is silently ignored.
 */
export function resolveWindows(specs: WindowSpec[] | undefined, liveSizeMs: number | undefined): WindowSpec[] {
  if (specs === undefined) {
    const defaults = parseWindowSpecs(DEFAULT_WINDOWS);
    const live = liveWindowOf(defaults);
    return [{ ...live, sizeMs: liveSizeMs ?? live.sizeMs }, ...defaults.slice(1)];
  }
  const live = liveWindowOf(specs);
  if (liveSizeMs !== undefined && liveSizeMs !== live.sizeMs) {
    throw new Error(
      `PULSE_WINDOW_MS (${liveSizeMs}) and the live window of PULSE_WINDOWS (${live.name}, ${live.sizeMs} ms) differ: set only PULSE_WINDOWS`,
    );
  }
  return specs;
}
