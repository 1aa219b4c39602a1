/**
 * What a Sample's values may be (CONTRACT.md "POST /v1/ingest"): ingest refuses a sample that
 * breaks a rule, and the stages that read pulse.samples.v1 dead-letter one (reason `invalid`), as a
 * producer outside pulsecoach may write the topic. One set of rules, so that what ingest accepts is
 * what the pipeline reads: a sample from year 2100 would otherwise move its user's watermark past
 * every real one that follows, and they would all be late.
 */

/** 2000-01-01T00:00:00Z: earlier timestamps are a device without a clock, not data. */
export const MIN_TS = 946_684_800_000;
export const ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
export const BPM_RANGE = [20, 250] as const;
export const MAX_RR = 64;
/** an RR interval (ms) a sample may carry: 300–20 bpm, past what artefact rejection keeps */
export const RR_RANGE_MS = [200, 3000] as const;
const INT32_MAX = 2_147_483_647;

/** The movement channels' ranges (steps: the cumulative counter; speed in m/s), inclusive. */
export const CHANNEL_RANGES = {
  steps: [0, INT32_MAX],
  cadence: [0, 300],
  power: [0, 3000],
  speed: [0, 50],
} as const;

export const FUTURE_TS = 'ts: is in the future beyond the allowed clock skew';

/**
 * The newest `ts` a record produced at `recordTimestamp` may carry: its producer's clock plus the
 * allowed skew. A record with no credible timestamp (before 2000: a producer that set none) sets
 * no bound. Judged against the record, not the wall clock, so that a replay judges the same.
 */
export function latestTsOf(recordTimestamp: number, maxFutureSkewMs: number): number {
  return recordTimestamp >= MIN_TS ? recordTimestamp + maxFutureSkewMs : Infinity;
}

export interface SampleProblems {
  /** each `<field>: <rule>, got <value>` (e.g. `bpm: must be an integer 20-250, got 400`); empty when none */
  problems: string[];
  /** whether ts is past `latestTs` (one of the problems, then) */
  future: boolean;
}

/**
 * The rules a sample's fields break (fields it does not have are not looked at here). `latestTs`:
 * the newest ts allowed, the time it arrived plus the allowed clock skew.
 */
export function sampleProblems(sample: object, latestTs: number): SampleProblems {
  const s = sample as Readonly<Record<string, unknown>>;
  const problems: string[] = [];
  const { userId, deviceId, ts } = s;
  if (!isId(userId)) problems.push(`userId: ${idRule(userId)}`);
  if (!isId(deviceId)) problems.push(`deviceId: ${idRule(deviceId)}`);
  let future = false;
  if (!Number.isSafeInteger(ts) || (ts as number) < MIN_TS) {
    problems.push(`ts: must be an integer of ms since the epoch, at or after 2000-01-01, got ${show(ts)}`);
  } else if ((ts as number) > latestTs) {
    future = true;
    problems.push(FUTURE_TS);
  }
  const measured =
    intProblem(s, 'bpm', BPM_RANGE, problems) +
    intProblem(s, 'steps', CHANNEL_RANGES.steps, problems) +
    intProblem(s, 'cadence', CHANNEL_RANGES.cadence, problems) +
    intProblem(s, 'power', CHANNEL_RANGES.power, problems) +
    speedProblem(s['speed'], problems) +
    rrProblem(s['rr'], problems);
  if (problems.length === 0 && measured === 0) {
    problems.push('sample: needs at least one of bpm, rr, steps, cadence, power, speed');
  }
  return { problems, future };
}

/* each: 1 when the field holds a good measurement, 0 when it is absent or breaks its rule */

function intProblem(
  s: Readonly<Record<string, unknown>>,
  name: string,
  [min, max]: readonly [number, number],
  problems: string[],
) {
  const v = s[name];
  if (v === undefined || v === null) return 0;
  if (!Number.isInteger(v) || (v as number) < min || (v as number) > max) {
    const range = max === INT32_MAX ? `>= ${min}` : `${min}-${max}`;
    problems.push(`${name}: must be an integer ${range}, got ${show(v)}`);
    return 0;
  }
  return 1;
}

function speedProblem(v: unknown, problems: string[]) {
  if (v === undefined || v === null) return 0;
  const [least, most] = CHANNEL_RANGES.speed;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < least || v > most) {
    problems.push(`speed: must be a number ${least}-${most} (m/s), got ${show(v)}`);
    return 0;
  }
  return 1;
}

function rrProblem(v: unknown, problems: string[]) {
  if (v === undefined || v === null) return 0;
  if (!Array.isArray(v)) {
    problems.push(`rr: must be an array of RR intervals in ms, got ${show(v)}`);
    return 0;
  }
  if (v.length > MAX_RR) {
    problems.push(`rr: must hold at most ${MAX_RR} intervals, got ${v.length}`);
    return 0;
  }
  for (let i = 0; i < v.length; i++) {
    const x: unknown = v[i];
    if (!Number.isInteger(x) || (x as number) < RR_RANGE_MS[0] || (x as number) > RR_RANGE_MS[1]) {
      problems.push(`rr[${i}]: must be an integer ${RR_RANGE_MS[0]}-${RR_RANGE_MS[1]} (ms), got ${show(x)}`);
      return 0;
    }
  }
  return v.length > 0 ? 1 : 0;
}

export const isId = (v: unknown): boolean => typeof v === 'string' && ID_PATTERN.test(v);

/** What an id (user, device, session, floor) breaks: its rule and the value. */
export function idRule(v: unknown): string {
  if (typeof v !== 'string') return `must be a string, got ${show(v)}`;
  return `must be 1-128 characters of A-Z a-z 0-9 . _ : -, got ${show(v)}`;
}

/** A short, safe rendering of an offending value for a reason. */
export function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  // (NaN and ±Infinity, which JSON has not, come from Avro's doubles)
  if (typeof v === 'number') return String(v);
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    text = String(v);
  }
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
