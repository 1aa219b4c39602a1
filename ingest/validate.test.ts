import { describe, expect, it } from 'vitest';
import type { TokenClaims } from '../platform/index.ts';
import { FUTURE_TS } from '../schemas/index.ts';
import { FORBIDDEN_DEVICE, FORBIDDEN_USER, validateBody, validateSamples, type ValidateContext } from './validate.ts';

const NOW = Date.UTC(2026, 10, 1, 9, 0, 0);
const ctx = (claims: TokenClaims, members: Record<string, string> = {}): ValidateContext => ({
  now: NOW,
  maxFutureSkewMs: 60_000,
  claims,
  floorOf: (u) => members[u],
});
const admin = ctx({ role: 'admin' });
const ok = { userId: 'u1', deviceId: 'strap-1', ts: NOW - 1000, bpm: 120 };

const reasonOf = (sample: unknown, c: ValidateContext = admin) => {
  const v = validateSamples([sample], c);
  return v.rejected[0]?.reason ?? null;
};

describe('validateSamples', () => {
  it('turns a good sample into a Sample record: receivedAt stamped, absent fields null, rr []', () => {
    const v = validateSamples([ok], admin);
    expect(v.rejected).toEqual([]);
    expect(v.accepted).toEqual([
      {
        userId: 'u1',
        deviceId: 'strap-1',
        ts: NOW - 1000,
        bpm: 120,
        rr: [],
        steps: null,
        cadence: null,
        power: null,
        speed: null,
        receivedAt: NOW,
      },
    ]);
  });

  it('keeps every field in range', () => {
    const s = { ...ok, rr: [800, 810], steps: 0, cadence: 300, power: 3000, speed: 12.5 };
    expect(validateSamples([s], admin).accepted[0]).toMatchObject({
      rr: [800, 810],
      steps: 0,
      cadence: 300,
      power: 3000,
      speed: 12.5,
    });
    expect(validateSamples([{ ...ok, bpm: null, rr: [1000] }], admin).accepted[0]?.bpm).toBeNull();
  });

  it('names the field, the rule and the value in each reason', () => {
    expect(reasonOf({ ...ok, bpm: 400 })).toBe('bpm: must be an integer 20-250, got 400');
    expect(reasonOf({ ...ok, bpm: 0 })).toBe('bpm: must be an integer 20-250, got 0');
    expect(reasonOf({ ...ok, bpm: 72.5 })).toBe('bpm: must be an integer 20-250, got 72.5');
    expect(reasonOf({ ...ok, bpm: '72' })).toBe('bpm: must be an integer 20-250, got "72"');
    expect(reasonOf({ ...ok, userId: '' })).toBe('userId: must be 1-128 characters of A-Z a-z 0-9 . _ : -, got ""');
    expect(reasonOf({ ...ok, userId: 'a b' })).toBe(
      'userId: must be 1-128 characters of A-Z a-z 0-9 . _ : -, got "a b"',
    );
    expect(reasonOf({ ...ok, userId: 'x'.repeat(129) })).toMatch(/^userId: must be 1-128 characters/);
    expect(reasonOf({ ...ok, deviceId: 7 })).toBe('deviceId: must be a string, got 7');
    expect(reasonOf({ ...ok, ts: '2026-11-01' })).toBe(
      'ts: must be an integer of ms since the epoch, at or after 2000-01-01, got "2026-11-01"',
    );
    expect(reasonOf({ ...ok, ts: 946_684_799_999 })).toMatch(/^ts: must be an integer/);
    expect(reasonOf({ ...ok, rr: [100] })).toBe('rr[0]: must be an integer 200-3000 (ms), got 100');
    expect(reasonOf({ ...ok, rr: 800 })).toBe('rr: must be an array of RR intervals in ms, got 800');
    expect(reasonOf({ ...ok, rr: new Array(65).fill(800) })).toBe('rr: must hold at most 64 intervals, got 65');
    expect(reasonOf({ ...ok, steps: -1 })).toBe('steps: must be an integer >= 0, got -1');
    expect(reasonOf({ ...ok, cadence: 301 })).toBe('cadence: must be an integer 0-300, got 301');
    expect(reasonOf({ ...ok, power: 3001 })).toBe('power: must be an integer 0-3000, got 3001');
    expect(reasonOf({ ...ok, speed: 51 })).toBe('speed: must be a number 0-50 (m/s), got 51');
    expect(reasonOf({ ...ok, hr: 1 })).toBe('"hr": unknown field');
    expect(reasonOf('hello')).toBe('sample: must be an object, got "hello"');
    expect(reasonOf(null)).toBe('sample: must be an object, got null');
    expect(reasonOf({ userId: 'u1', deviceId: 'd', ts: NOW })).toBe(
      'sample: needs at least one of bpm, rr, steps, cadence, power, speed',
    );
    expect(reasonOf({ ...ok, bpm: 400, speed: -1 })).toBe(
      'bpm: must be an integer 20-250, got 400; speed: must be a number 0-50 (m/s), got -1',
    );
  });

  it('rejects timestamps beyond the clock skew but accepts old (late) ones', () => {
    expect(reasonOf({ ...ok, ts: NOW + 60_001 })).toBe(FUTURE_TS);
    expect(validateSamples([{ ...ok, ts: NOW + 60_000 }], admin).accepted).toHaveLength(1);
    expect(validateSamples([{ ...ok, ts: NOW - 30 * 86_400_000 }], admin).accepted).toHaveLength(1);
    expect(validateSamples([{ ...ok, ts: NOW + 86_400_000 }], admin).rejected[0]?.code).toBe('future');
  });

  it('applies the token scope per sample', () => {
    const device = ctx({ role: 'device', user: 'u1' });
    expect(validateSamples([ok], device).accepted).toHaveLength(1);
    expect(reasonOf({ ...ok, userId: 'u2' }, device)).toBe(FORBIDDEN_USER);
    expect(reasonOf({ ...ok, userId: 'u2' }, ctx({ role: 'athlete', user: 'u1' }))).toBe(FORBIDDEN_USER);
    expect(reasonOf(ok, ctx({ role: 'device', user: 'u1', device: 'other' }))).toBe(FORBIDDEN_DEVICE);

    const gateway = ctx({ role: 'device', floor: 'f1' }, { u1: 'f1', u2: 'f2' });
    const v = validateSamples([ok, { ...ok, userId: 'u2' }, { ...ok, userId: 'u3' }], gateway);
    expect(v.accepted.map((s) => s.userId)).toEqual(['u1']);
    expect(v.rejected).toEqual([
      { index: 1, reason: FORBIDDEN_USER, code: 'forbidden' },
      { index: 2, reason: FORBIDDEN_USER, code: 'forbidden' },
    ]);
    expect(v.forbidden).toBe(2);
    expect(reasonOf(ok, ctx({ role: 'coach', floor: 'f1' }, { u1: 'f1' }))).toBe(FORBIDDEN_USER);
  });

  it('keeps the index of each rejection and accepts duplicates (dedup is downstream)', () => {
    const v = validateSamples([ok, { ...ok, bpm: 7 }, ok], admin);
    expect(v.accepted).toHaveLength(2);
    expect(v.rejected.map((r) => r.index)).toEqual([1]);
  });
});

describe('validateBody', () => {
  it('refuses what is not a batch', () => {
    expect(validateBody([], admin, 10)).toEqual({ ok: false, reason: 'body must be a JSON object {"samples":[…]}' });
    expect(validateBody({ sample: [] }, admin, 10)).toEqual({ ok: false, reason: 'samples must be an array' });
    expect(validateBody({ samples: [] }, admin, 10)).toEqual({
      ok: false,
      reason: 'samples must hold at least one sample',
    });
    expect(validateBody({ samples: [ok, ok, ok] }, admin, 2)).toEqual({
      ok: false,
      reason: 'samples holds 3 samples, at most 2 per request',
    });
    expect(validateBody({ samples: [ok] }, admin, 2)).toMatchObject({ ok: true, forbidden: 0 });
  });
});
