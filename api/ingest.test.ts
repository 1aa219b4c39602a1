import { gzipSync } from 'node:zlib';
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORBIDDEN_USER } from '../ingest/index.ts';
import { FUTURE_TS } from '../schemas/index.ts';
import { startHarness, type Harness } from './harness.ts';

const NOW = Date.UTC(2026, 10, 1, 9, 0, 0);
const clock = () => NOW;
const sample = (userId: string, ts: number, bpm: number | null = 120) => ({
  userId,
  deviceId: `dev-${userId}`,
  ts,
  bpm,
});

describe('POST /v1/ingest', () => {
  let h: Harness;
  let device: string;
  let gateway: string;
  const post = (body: unknown, token?: string, headers: Record<string, string> = {}) =>
    h.api.app.inject({
      method: 'POST',
      url: '/v1/ingest',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      payload: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
    });

  beforeAll(async () => {
    h = await startHarness({ now: clock, config: { ingestRatePerToken: 10_000, maxSamplesPerRequest: 100 } });
    device = await h.token({ role: 'device', user: 'u1' });
    gateway = await h.token({ role: 'device', floor: 'f1' });
  });
  afterAll(() => h.close());

  it('accepts the good samples of a batch, lists the bad ones, and the good ones are in the log', async () => {
    const batch = [
      sample('u1', NOW - 2000, 120),
      { userId: 'u1', deviceId: 'dev-u1', ts: '1', bpm: 'fast' },
      sample('u1', NOW - 1000, 0),
      sample('u1', NOW - 500, 400),
      sample('u1', NOW + 24 * 3600_000),
      { ...sample('u1', NOW - 400), rr: [812, 790], steps: 3, cadence: 80, power: 150, speed: 2.5 },
      { ...sample('u1', NOW - 300), extra: true },
    ];
    const res = await post({ samples: batch }, device);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({
      accepted: 2,
      rejected: [
        {
          index: 1,
          reason:
            'ts: must be an integer of ms since the epoch, at or after 2000-01-01, got "1"; bpm: must be an integer 20-250, got "fast"',
        },
        { index: 2, reason: 'bpm: must be an integer 20-250, got 0' },
        { index: 3, reason: 'bpm: must be an integer 20-250, got 400' },
        { index: 4, reason: FUTURE_TS },
        { index: 6, reason: '"extra": unknown field' },
      ],
    });
    const logged = await h.read('samples');
    expect(logged).toEqual([
      {
        userId: 'u1',
        deviceId: 'dev-u1',
        ts: NOW - 2000,
        bpm: 120,
        rr: [],
        steps: null,
        cadence: null,
        power: null,
        speed: null,
        receivedAt: NOW,
      },
      {
        userId: 'u1',
        deviceId: 'dev-u1',
        ts: NOW - 400,
        bpm: 120,
        rr: [812, 790],
        steps: 3,
        cadence: 80,
        power: 150,
        speed: 2.5,
        receivedAt: NOW,
      },
    ]);
  });

  it('accepts both copies of a duplicate sample (dedup is downstream) and late samples', async () => {
    const before = (await h.read('samples')).length;
    const dup = sample('u1', NOW - 10_000, 99);
    const late = sample('u1', NOW - 3 * 86_400_000, 98);
    const res = await post({ samples: [dup, dup, late] }, device);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ accepted: 3, rejected: [] });
    const logged = (await h.read('samples')).slice(before);
    expect(logged.map((s) => [s.ts, s.bpm])).toEqual([
      [NOW - 10_000, 99],
      [NOW - 10_000, 99],
      [NOW - 3 * 86_400_000, 98],
    ]);
  });

  it('answers 400 with the list when no sample is valid', async () => {
    const res = await post({ samples: [sample('u1', NOW, 0), sample('u1', NOW + 3_600_000)] }, device);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: 'samples_rejected',
      message: 'no sample in the batch was accepted; see rejected',
      rejected: [
        { index: 0, reason: 'bpm: must be an integer 20-250, got 0' },
        { index: 1, reason: FUTURE_TS },
      ],
    });
  });

  it('answers 400 to what is not JSON or not a batch', async () => {
    const notJson = await post('{"samples": [', device);
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json()).toEqual({ error: 'invalid_json', message: 'body is not valid JSON: it does not parse' });
    const text = await post('hello', device, { 'content-type': 'text/plain' });
    expect(text.statusCode).toBe(400);
    expect(text.json().error).toBe('invalid_json');
    // a compressed body (or one said to be) is refused as such, not read as JSON
    for (const [body, encoding] of [
      [gzipSync(JSON.stringify({ samples: [sample('u1', NOW)] })), 'gzip'],
      [JSON.stringify({ samples: [sample('u1', NOW)] }), 'br'],
    ] as const) {
      const res = await post(body, device, { 'content-encoding': encoding });
      expect([res.statusCode, res.json()]).toEqual([
        415,
        {
          error: 'unsupported_encoding',
          message: `unsupported content-encoding "${encoding}": send the body uncompressed`,
        },
      ]);
    }
    expect((await post({ samples: [sample('u1', NOW)] }, device, { 'content-encoding': 'identity' })).statusCode).toBe(
      202,
    );

    const cases: [unknown, string][] = [
      [{}, "invalid request: body must have required property 'samples'"],
      [{ samples: {} }, 'invalid request: body/samples must be array'],
      [{ samples: [] }, 'invalid request: body/samples must NOT have fewer than 1 items'],
      [
        { samples: Array.from({ length: 101 }, (_, i) => sample('u1', NOW - i)) },
        'invalid request: body/samples must NOT have more than 100 items',
      ],
      [[1, 2], 'invalid request: body must be object'],
    ];
    for (const [body, message] of cases) {
      const res = await post(body, device);
      expect(res.statusCode, JSON.stringify(body).slice(0, 40)).toBe(400);
      expect(res.json()).toEqual({ error: 'invalid_request', message });
    }
  });

  it('answers 401 without a valid token, with the reason', async () => {
    const body = { samples: [sample('u1', NOW)] };
    const missing = await post(body);
    expect(missing.statusCode).toBe(401);
    expect(missing.json()).toEqual({
      error: 'missing_token',
      message: 'missing token: send Authorization: Bearer <token>',
    });

    const garbage = await post(body, 'not.a.jwt');
    expect(garbage.statusCode).toBe(401);
    expect(garbage.json().error).toBe('invalid_token');
    expect(garbage.json().message).toMatch(/^invalid token: /);

    const { tokenSigner } = await import('../platform/index.ts');
    const foreign = await tokenSigner('another-secret-0123456789').sign({ role: 'admin' });
    const wrongKey = await post(body, foreign);
    expect(wrongKey.statusCode).toBe(401);
    expect(wrongKey.json().message).toBe('invalid token: signature verification failed');

    const basic = await post(body, undefined, { authorization: 'Basic dXNlcjpwYXNz' });
    expect(basic.statusCode).toBe(401);
    expect(basic.json().error).toBe('invalid_token');
  });

  it('answers 403 to a token that may not post samples, or for users it does not cover', async () => {
    const coach = await h.token({ role: 'coach', floor: 'f1' });
    const byCoach = await post({ samples: [sample('u1', NOW)] }, coach);
    expect(byCoach.statusCode).toBe(403);
    expect(byCoach.json()).toEqual({ error: 'forbidden', message: 'forbidden: a coach token may not post samples' });

    const otherUser = await post({ samples: [sample('someone-else', NOW)] }, device);
    expect(otherUser.statusCode).toBe(403);
    expect(otherUser.json()).toEqual({
      error: 'samples_forbidden',
      message: 'forbidden: no sample in the batch is allowed for this token',
      rejected: [{ index: 0, reason: FORBIDDEN_USER }],
    });

    const athlete = await h.token({ role: 'athlete', user: 'u1' });
    expect((await post({ samples: [sample('u2', NOW)] }, athlete)).statusCode).toBe(403);
    expect((await post({ samples: [sample('u1', NOW)] }, athlete)).statusCode).toBe(202);
  });

  it('lets a gym gateway send only for members of its floor', async () => {
    const res = await post({ samples: [sample('g1', NOW)] }, gateway);
    expect(res.statusCode).toBe(403);
    expect(res.json().rejected).toEqual([{ index: 0, reason: FORBIDDEN_USER }]);

    // g1 checks in on f1, g2 on another floor
    const checkIn = async (token: string, userId: string) =>
      h.api.app.inject({
        method: 'POST',
        url: '/v1/sessions',
        headers: { authorization: `Bearer ${token}` },
        payload: { userId, alias: userId.toUpperCase() },
      });
    expect((await checkIn(gateway, 'g1')).statusCode).toBe(201);
    expect((await checkIn(await h.token({ role: 'device', floor: 'f2' }), 'g2')).statusCode).toBe(201);

    const mixed = await post({ samples: [sample('g1', NOW, 101), sample('g2', NOW, 102)] }, gateway);
    expect(mixed.statusCode).toBe(202);
    expect(mixed.json()).toEqual({ accepted: 1, rejected: [{ index: 1, reason: FORBIDDEN_USER }] });
    const g1 = (await h.read('samples')).filter((s) => s.userId.startsWith('g'));
    expect(g1.map((s) => [s.userId, s.bpm])).toEqual([['g1', 101]]);
  });

  it('answers 413 with a JSON reason to a body over the limit, before reading it', async () => {
    const big = 'x'.repeat(10 * 1024 * 1024);
    const res = await post(`{"samples":[],"pad":"${big}"}`, device);
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({ error: 'body_too_large', message: `body too large: at most ${1024 * 1024} bytes` });
  });

  it('answers 413 over a real socket to a chunked 10 MB body without a length', async () => {
    const url = new URL(await h.listen());
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const { status, body, written } = await new Promise<{ status: number; body: string; written: number }>(
      (resolve, reject) => {
        let written = 0;
        const req = request({
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: '/v1/ingest',
          headers: {
            authorization: `Bearer ${device}`,
            'content-type': 'application/json',
            'transfer-encoding': 'chunked',
          },
        });
        req.on('response', (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, written }));
        });
        req.on('error', reject);
        const pump = () => {
          while (written < 10 * 1024 * 1024) {
            written += chunk.length;
            if (!req.write(chunk)) return void req.once('drain', pump);
          }
          req.end();
        };
        req.write('{"samples":[');
        pump();
      },
    );
    expect(status).toBe(413);
    expect(JSON.parse(body)).toEqual({
      error: 'body_too_large',
      message: `body too large: at most ${1024 * 1024} bytes`,
    });
    expect(written).toBeGreaterThan(1024 * 1024);
  });
});

describe('POST /v1/ingest from a client that stalls', () => {
  it('answers 408 and closes the connection when the body does not come within the request timeout', async () => {
    const h = await startHarness({ now: clock, requestTimeoutMs: 300 });
    try {
      const url = new URL(await h.listen());
      const token = await h.token({ role: 'device', user: 'u1' });
      // the headers promise 100 bytes; one comes, then nothing (a slowloris)
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(url.port), url.hostname, () => {
          socket.write(
            `POST /v1/ingest HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n` +
              'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
          );
        });
        let text = '';
        socket.on('data', (d: Buffer) => (text += d.toString()));
        socket.on('close', () => resolve(text));
        socket.on('error', reject);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(await h.read('samples')).toEqual([]);
    } finally {
      await h.close();
    }
  });
});

describe('POST /v1/ingest rate limit', () => {
  let h: Harness;
  beforeAll(async () => {
    // 10 samples/s per token: a burst of 20; the clock stands still, so nothing refills
    h = await startHarness({ now: clock, config: { ingestRatePerToken: 10 } });
  });
  afterAll(() => h.close());

  it("answers 429 with Retry-After once the token's bucket is empty", async () => {
    const token = await h.token({ role: 'device', user: 'r1' });
    const post = (n: number, t = token) =>
      h.api.app.inject({
        method: 'POST',
        url: '/v1/ingest',
        headers: { authorization: `Bearer ${t}` },
        payload: { samples: Array.from({ length: n }, (_, i) => sample(t === token ? 'r1' : 'r2', NOW - 1000 + i)) },
      });
    expect((await post(15)).statusCode).toBe(202);
    expect((await post(5)).statusCode).toBe(202);
    const limited = await post(5);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('1');
    expect(limited.json()).toEqual({
      error: 'rate_limited',
      message: 'rate limited: over 10 samples/s for this token; retry after 1 s',
    });
    // another token has its own bucket
    expect((await post(20, await h.token({ role: 'device', user: 'r2' }))).statusCode).toBe(202);
    expect((await h.read('samples')).length).toBe(40);
  });
});
