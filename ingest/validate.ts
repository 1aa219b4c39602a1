import type { TokenClaims } from '../platform/index.ts';
import type { Sample } from '../schemas/index.ts';

/**
 * Validation of one ingest request body `{samples:[…]}` against CONTRACT.md, sample by sample.
 * Good samples become Sample records (receivedAt = arrival time, absent optional fields null,
 * rr [] when absent); bad ones are rejected with their index and a reason of the form
 * `<field>: <rule>, got <value>` (e.g. `bpm: must be an integer 20-250, got 400`), so one bad
 * reading never costs the rest of the batch. Old timestamps are accepted: lateness is decided
 * downstream by the stream processor (DLQ, reason `late`), never here.
 */

/** 2000-01-01T00:00:00Z: earlier timestamps are a device without a clock, not data. */
export const MIN_TS = 946_684_800_000;
const ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
const MAX_RR = 64;
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

export const sampleFields = ['userId', 'deviceId', 'ts', 'bpm', 'rr', 'steps', 'cadence', 'power', 'speed'] as const;
const known = new Set<string>(sampleFields);

/** Small fixed set, usable as a metric label. */
export type RejectionCode = 'invalid' | 'future' | 'forbidden';

export interface Rejection {
  index: number;
  reason: string;
  code: RejectionCode;
}

export const FORBIDDEN_USER = 'forbidden: user not allowed for this token';
export const FORBIDDEN_DEVICE = 'forbidden: device not allowed for this token';
export const FUTURE_TS = 'ts: is in the future beyond the allowed clock skew';

export interface ValidateContext {
  /** arrival time, ms: stamped as receivedAt and the reference for the future-skew rule */
  now: number;
  maxFutureSkewMs: number;
  /** the verified token of the request */
  claims: TokenClaims;
  /** the floor where the user has a current session, for gateway (floor-scoped device) tokens */
  floorOf(userId: string): string | undefined;
}

export interface Validation {
  accepted: Sample[];
  rejected: Rejection[];
  /** how many rejections were for scope (token not allowed for that user/device) */
  forbidden: number;
}

export type BodyValidation = ({ ok: true } & Validation) | { ok: false; reason: string };

/** Checks the envelope, then every sample. `maxSamples` bounds the batch size. */
export function validateBody(body: unknown, ctx: ValidateContext, maxSamples: number): BodyValidation {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, reason: 'body must be a JSON object {"samples":[…]}' };
  }
  const samples = (body as { samples?: unknown }).samples;
  if (!Array.isArray(samples)) return { ok: false, reason: 'samples must be an array' };
  if (samples.length === 0) return { ok: false, reason: 'samples must hold at least one sample' };
  if (samples.length > maxSamples) {
    return { ok: false, reason: `samples holds ${samples.length} samples, at most ${maxSamples} per request` };
  }
  return { ok: true, ...validateSamples(samples, ctx) };
}

export function validateSamples(samples: readonly unknown[], ctx: ValidateContext): Validation {
  const accepted: Sample[] = [];
  const rejected: Rejection[] = [];
  let forbidden = 0;
  for (let i = 0; i < samples.length; i++) {
    const r = validateSample(samples[i], ctx);
    if (typeof r === 'object' && r !== null && 'userId' in r) {
      accepted.push(r);
    } else {
      const rej = r as { reason: string; code: RejectionCode };
      if (rej.code === 'forbidden') forbidden++;
      rejected.push({ index: i, reason: rej.reason, code: rej.code });
    }
  }
  return { accepted, rejected, forbidden };
}

/** One sample: the Sample record, or why it was rejected. */
export function validateSample(raw: unknown, ctx: ValidateContext): Sample | { reason: string; code: RejectionCode } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { reason: `sample: must be an object, got ${show(raw)}`, code: 'invalid' };
  }
  const s = raw as Record<string, unknown>;
  const problems: string[] = [];
  for (const k in s) {
    if (!known.has(k)) problems.push(`${showKey(k)}: unknown field`);
  }
  const userId = s['userId'];
  const deviceId = s['deviceId'];
  if (typeof userId !== 'string' || !ID_PATTERN.test(userId)) problems.push(`userId: ${idRule(userId)}`);
  if (typeof deviceId !== 'string' || !ID_PATTERN.test(deviceId)) problems.push(`deviceId: ${idRule(deviceId)}`);

  let future = false;
  const ts = s['ts'];
  if (!Number.isSafeInteger(ts) || (ts as number) < MIN_TS) {
    problems.push(`ts: must be an integer of ms since the epoch, at or after 2000-01-01, got ${show(ts)}`);
  } else if ((ts as number) > ctx.now + ctx.maxFutureSkewMs) {
    future = true;
    problems.push(FUTURE_TS);
  }

  const bpm = intField(s, 'bpm', 20, 250, problems);
  const steps = intField(s, 'steps', ...CHANNEL_RANGES.steps, problems);
  const cadence = intField(s, 'cadence', ...CHANNEL_RANGES.cadence, problems);
  const power = intField(s, 'power', ...CHANNEL_RANGES.power, problems);
  let speed: number | null = null;
  const rawSpeed = s['speed'];
  if (rawSpeed !== undefined && rawSpeed !== null) {
    const [least, most] = CHANNEL_RANGES.speed;
    if (typeof rawSpeed !== 'number' || !Number.isFinite(rawSpeed) || rawSpeed < least || rawSpeed > most) {
      problems.push(`speed: must be a number ${least}-${most} (m/s), got ${show(rawSpeed)}`);
    } else speed = rawSpeed;
  }
  const rr = rrField(s['rr'], problems);

  if (
    problems.length === 0 &&
    bpm === null &&
    rr.length === 0 &&
    steps === null &&
    cadence === null &&
    power === null &&
    speed === null
  ) {
    problems.push('sample: needs at least one of bpm, rr, steps, cadence, power, speed');
  }
  if (problems.length > 0) {
    return { reason: problems.join('; '), code: future && problems.length === 1 ? 'future' : 'invalid' };
  }

  const scope = scopeProblem(userId as string, deviceId as string, ctx);
  if (scope !== null) return { reason: scope, code: 'forbidden' };

  return {
    userId: userId as string,
    deviceId: deviceId as string,
    ts: ts as number,
    bpm,
    rr,
    steps,
    cadence,
    power,
    speed,
    receivedAt: ctx.now,
  };
}

/**
 * Token scope (platform/auth.ts): admin may send for anyone; a token bound to a user only for
 * that user; a gym gateway (device token bound to a floor) only for users with a current session
 * on its floor; a token bound to a device only for that device.
 */
function scopeProblem(userId: string, deviceId: string, ctx: ValidateContext): string | null {
  const c = ctx.claims;
  if (c.role === 'admin') return null;
  if (c.role !== 'device' && c.role !== 'athlete') return FORBIDDEN_USER;
  if (c.user !== undefined) {
    if (c.user !== userId) return FORBIDDEN_USER;
  } else if (c.floor === undefined || ctx.floorOf(userId) !== c.floor) {
    return FORBIDDEN_USER;
  }
  if (c.device !== undefined && c.device !== deviceId) return FORBIDDEN_DEVICE;
  return null;
}

function intField(
  s: Record<string, unknown>,
  name: string,
  min: number,
  max: number,
  problems: string[],
): number | null {
  const v = s[name];
  if (v === undefined || v === null) return null;
  if (!Number.isInteger(v) || (v as number) < min || (v as number) > max) {
    const range = max === INT32_MAX ? `>= ${min}` : `${min}-${max}`;
    problems.push(`${name}: must be an integer ${range}, got ${show(v)}`);
    return null;
  }
  return v as number;
}

function rrField(v: unknown, problems: string[]): number[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    problems.push(`rr: must be an array of RR intervals in ms, got ${show(v)}`);
    return [];
  }
  if (v.length > MAX_RR) {
    problems.push(`rr: must hold at most ${MAX_RR} intervals, got ${v.length}`);
    return [];
  }
  for (let i = 0; i < v.length; i++) {
    const x: unknown = v[i];
    if (!Number.isInteger(x) || (x as number) < RR_RANGE_MS[0] || (x as number) > RR_RANGE_MS[1]) {
      problems.push(`rr[${i}]: must be an integer ${RR_RANGE_MS[0]}-${RR_RANGE_MS[1]} (ms), got ${show(x)}`);
      return [];
    }
  }
  return v as number[];
}

function idRule(v: unknown): string {
  if (typeof v !== 'string') return `must be a string, got ${show(v)}`;
  return `must be 1-128 characters of A-Z a-z 0-9 . _ : -, got ${show(v)}`;
}

/** A short, safe rendering of an offending value for a reason. */
function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    text = String(v);
  }
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function showKey(k: string): string {
  return k.length > 40 ? JSON.stringify(`${k.slice(0, 37)}...`) : JSON.stringify(k);
}
