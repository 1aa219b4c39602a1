import type { Profile, Sample, Session } from '../../schemas/index.ts';

export interface HttpTargetOptions {
  /** base URL of a pulsecoach API, e.g. http://127.0.0.1:8080 */
  url: string;
  /** a device token scoped to the floor (gateway token) */
  token: string;
  /** samples per POST /v1/ingest (default 500) */
  batchSize?: number;
  /** retries of a failed POST (network error, 5xx, 429) before giving up (default 4) */
  retries?: number;
  /** first backoff, doubled per retry up to maxBackoffMs (defaults 250 ms and 5 s) */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** per-request timeout, ms (default 30 s); a timeout counts as a network error */
  timeoutMs?: number;
}

export interface HttpTarget {
  /** POST /v1/sessions once per athlete: the check-in that lets the floor's token send their samples */
  registerSessions(profiles: readonly Profile[], sessions: readonly Session[]): Promise<void>;
  /** POST /v1/ingest in batches of batchSize */
  deliver(samples: Sample[]): Promise<void>;
  /** what the server answered so far */
  readonly stats: HttpTargetStats;
}

export interface HttpTargetStats {
  requests: number;
  retries: number;
  accepted: number;
  rejected: number;
  /** the first per-sample rejection reason the server gave, if any */
  firstRejection: string | null;
}

/** A request the server refused (a 4xx other than 429), or one that kept failing after the retries. */
export class HttpTargetError extends Error {
  override readonly name = 'HttpTargetError';
  constructor(
    message: string,
    /** HTTP status, or 0 for a network error */
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * Sends simulated athletes to a pulsecoach server as a gym gateway would. A failed POST is sent
 * again (the pipeline drops duplicate samples, so resending a batch is harmless) after a capped
 * exponential backoff, or after the server's Retry-After on 429.
 */
export function httpTarget(opts: HttpTargetOptions): HttpTarget {
  const base = opts.url.replace(/\/+$/, '');
  const batchSize = opts.batchSize ?? 500;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`batchSize must be an integer >= 1, got ${batchSize}`);
  const retries = opts.retries ?? 4;
  const backoffMs = opts.backoffMs ?? 250;
  const maxBackoffMs = opts.maxBackoffMs ?? 5000;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const stats: HttpTargetStats = { requests: 0, retries: 0, accepted: 0, rejected: 0, firstRejection: null };

  async function post(path: string, body: string): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      let status = 0;
      let reason: string;
      let retryAfterMs: number | null = null;
      try {
        stats.requests++;
        const res = await fetch(`${base}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${opts.token}`, 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
        status = res.status;
        const text = await res.text();
        if (res.ok) return parseJson(text);
        reason = reasonOf(text);
        if (status !== 429 && status < 500) {
          throw new HttpTargetError(`POST ${path} answered ${status}: ${reason}`, status);
        }
        const after = Number(res.headers.get('retry-after'));
        if (status === 429 && Number.isFinite(after) && after > 0) retryAfterMs = after * 1000;
      } catch (err) {
        if (err instanceof HttpTargetError) throw err;
        reason = (err as Error).message;
        const cause = (err as { cause?: { code?: string } }).cause?.code;
        if (cause) reason = `${reason} (${cause})`;
      }
      if (attempt >= retries) {
        const what = status === 0 ? `failed: ${reason}` : `answered ${status}: ${reason}`;
        throw new HttpTargetError(`POST ${path} ${what} (after ${attempt + 1} attempts)`, status);
      }
      stats.retries++;
      const backoff = Math.min(maxBackoffMs, backoffMs * 2 ** attempt);
      await new Promise((r) =>
        setTimeout(r, retryAfterMs === null ? backoff : Math.min(retryAfterMs, Math.max(maxBackoffMs, backoff))),
      );
    }
  }

  return {
    stats,
    async registerSessions(profiles, sessions) {
      const byUser = new Map(profiles.map((p) => [p.userId, p]));
      for (const s of sessions) {
        const p = byUser.get(s.userId);
        const body: Record<string, unknown> = {
          userId: s.userId,
          alias: s.alias,
          sessionId: s.sessionId,
          startedAt: s.startedAt,
        };
        if (p) body['profile'] = { age: p.age, sex: p.sex, restHr: p.restHr, maxHr: p.maxHr, locale: p.locale };
        await post('/v1/sessions', JSON.stringify(body));
      }
    },
    async deliver(samples) {
      for (let i = 0; i < samples.length; i += batchSize) {
        const batch = samples.slice(i, i + batchSize);
        const answer = (await post('/v1/ingest', ingestBody(batch))) as {
          accepted?: unknown;
          rejected?: unknown;
        } | null;
        if (answer && typeof answer.accepted === 'number') stats.accepted += answer.accepted;
        if (answer && Array.isArray(answer.rejected)) {
          stats.rejected += answer.rejected.length;
          const first = answer.rejected[0] as { reason?: unknown } | undefined;
          if (stats.firstRejection === null && typeof first?.reason === 'string') stats.firstRejection = first.reason;
        }
      }
    },
  };
}

/** `{"samples":[…]}`: each sample as a device sends it, without the ingest-side receivedAt. */
export function ingestBody(samples: readonly Sample[]): string {
  return JSON.stringify({ samples: samples.map(deviceSample) });
}

export function deviceSample(s: Sample): Omit<Sample, 'receivedAt'> {
  return {
    userId: s.userId,
    deviceId: s.deviceId,
    ts: s.ts,
    bpm: s.bpm,
    rr: s.rr,
    steps: s.steps,
    cadence: s.cadence,
    power: s.power,
    speed: s.speed,
  };
}

function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** The reason in an error body: pulsecoach answers {error, message}; others may say reason or nothing. */
function reasonOf(text: string): string {
  const body = parseJson(text) as { message?: unknown; reason?: unknown; error?: unknown } | null;
  for (const v of [body?.reason, body?.message, body?.error]) {
    if (typeof v === 'string' && v !== '') return v;
  }
  const line = text.trim().split('\n')[0] ?? '';
  return line === '' ? 'no reason given' : line.slice(0, 200);
}
