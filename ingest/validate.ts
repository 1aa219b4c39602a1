import type { TokenClaims } from '../platform/index.ts';
import { sampleProblems, show, type Sample } from '../schemas/index.ts';

/**
 * Validation of one ingest request body `{samples:[…]}` against CONTRACT.md, sample by sample.
 * Good samples become Sample records (receivedAt = arrival time, absent optional fields null,
 * rr [] when absent); bad ones are rejected with their index and a reason of the form
 * `<field>: <rule>, got <value>` (e.g. `bpm: must be an integer 20-250, got 400`), so one bad
 * reading never costs the rest of the batch. The value rules are the Sample's own
 * (schemas/sample-rules.ts, which the stages reading the topic apply too); here come the JSON
 * envelope, unknown fields and the token's scope. Old timestamps are accepted: lateness is decided
 * downstream by the stream processor (DLQ, reason `late`), never here.
 */

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
  const { problems: valueProblems, future } = sampleProblems(s, ctx.now + ctx.maxFutureSkewMs);
  problems.push(...valueProblems);
  if (problems.length > 0) {
    return { reason: problems.join('; '), code: future && problems.length === 1 ? 'future' : 'invalid' };
  }

  // (the rules hold: each field is absent, null or of its type)
  const v = s as Partial<Sample>;
  const scope = scopeProblem(v.userId!, v.deviceId!, ctx);
  if (scope !== null) return { reason: scope, code: 'forbidden' };

  return {
    userId: v.userId!,
    deviceId: v.deviceId!,
    ts: v.ts!,
    bpm: v.bpm ?? null,
    rr: v.rr ?? [],
    steps: v.steps ?? null,
    cadence: v.cadence ?? null,
    power: v.power ?? null,
    speed: v.speed ?? null,
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

function showKey(k: string): string {
  return k.length > 40 ? JSON.stringify(`${k.slice(0, 37)}...`) : JSON.stringify(k);
}
