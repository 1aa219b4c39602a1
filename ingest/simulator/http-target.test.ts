import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpTargetError, httpTarget } from './http-target.ts';
import { createSimulation } from './simulation.ts';

interface Seen {
  method: string;
  path: string;
  auth: string | undefined;
  body: unknown;
}

/** A stand-in pulsecoach API on 127.0.0.1: records every request and answers as `answer` says. */
async function fakeApi(answer: (req: Seen, n: number) => { status: number; body?: unknown }) {
  const seen: Seen[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      const r: Seen = {
        method: req.method ?? '',
        path: req.url ?? '',
        auth: req.headers.authorization,
        body: JSON.parse(text),
      };
      seen.push(r);
      const a = answer(r, seen.length);
      res.writeHead(a.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(a.body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  servers.push(server);
  return { url, seen };
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

const sim = () =>
  createSimulation({ seed: 1, users: 3, floorId: 'f1', startTs: Date.UTC(2026, 10, 1), durationSec: 60 });

describe('httpTarget', () => {
  it('checks each athlete in with its profile, then posts samples in batches with the device token', async () => {
    const api = await fakeApi((r) =>
      r.path === '/v1/sessions'
        ? { status: 201, body: { sessionId: 'x' } }
        : { status: 202, body: { accepted: (r.body as { samples: unknown[] }).samples.length, rejected: [] } },
    );
    const s = sim();
    const target = httpTarget({ url: `${api.url}/`, token: 'tok', batchSize: 50 });
    await target.registerSessions(s.profiles(), s.sessions());
    const samples = s.next(s.endTs);
    await target.deliver(samples);

    const sessions = api.seen.filter((r) => r.path === '/v1/sessions');
    expect(sessions).toHaveLength(3);
    const a = s.athletes[0]!;
    const session = s.sessions()[0]!;
    expect(sessions[0]!.body).toEqual({
      userId: a.userId,
      alias: a.alias,
      sessionId: session.sessionId,
      startedAt: session.startedAt,
      profile: { age: a.age, sex: a.sex, restHr: a.restHr, maxHr: a.maxHr, locale: a.locale },
    });
    const ingests = api.seen.filter((r) => r.path === '/v1/ingest');
    expect(ingests.map((r) => (r.body as { samples: unknown[] }).samples.length)).toEqual(
      Array.from({ length: Math.ceil(samples.length / 50) }, (_, i) => Math.min(50, samples.length - 50 * i)),
    );
    expect(api.seen.every((r) => r.method === 'POST' && r.auth === 'Bearer tok')).toBe(true);
    const sent = ingests.flatMap((r) => (r.body as { samples: Record<string, unknown>[] }).samples);
    expect(sent).toEqual(samples.map(({ receivedAt: _r, ...rest }) => rest));
    expect(target.stats).toMatchObject({ accepted: samples.length, rejected: 0, retries: 0 });
  });

  it('sends a batch again after a 503', async () => {
    const api = await fakeApi((_r, n) =>
      n <= 2
        ? { status: 503, body: { error: 'unavailable', message: 'unavailable: try again' } }
        : { status: 202, body: { accepted: 1, rejected: [] } },
    );
    const target = httpTarget({ url: api.url, token: 'tok', backoffMs: 5 });
    const s = sim();
    const batch = s.next(s.startTs + 2000).slice(0, 1);
    await target.deliver(batch);
    expect(api.seen).toHaveLength(3);
    expect(api.seen[2]!.body).toEqual(api.seen[0]!.body);
    expect(target.stats.retries).toBe(2);
  });

  it('gives up after its retries, naming the last answer', async () => {
    const api = await fakeApi(() => ({ status: 500, body: { error: 'internal', message: 'internal error' } }));
    const target = httpTarget({ url: api.url, token: 'tok', backoffMs: 1, retries: 2 });
    const s = sim();
    await expect(target.deliver(s.next(s.startTs + 2000))).rejects.toThrow(
      /answered 500: internal error \(after 3 attempts\)/,
    );
    expect(api.seen).toHaveLength(3);
  });

  it('fails on a 403 without retrying, with the status and the reason', async () => {
    const api = await fakeApi(() => ({
      status: 403,
      body: { error: 'forbidden', message: 'forbidden: this token may not start sessions on another floor' },
    }));
    const target = httpTarget({ url: api.url, token: 'tok', backoffMs: 1 });
    const s = sim();
    const err = await target.registerSessions(s.profiles(), s.sessions()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpTargetError);
    expect((err as HttpTargetError).status).toBe(403);
    expect((err as Error).message).toBe(
      'POST /v1/sessions answered 403: forbidden: this token may not start sessions on another floor',
    );
    expect(api.seen).toHaveLength(1);
  });

  it('retries when the server cannot be reached, then says so', async () => {
    const api = await fakeApi(() => ({ status: 202 }));
    await new Promise((r) => servers.pop()!.close(r));
    const target = httpTarget({ url: api.url, token: 'tok', backoffMs: 1, retries: 1 });
    const s = sim();
    await expect(target.deliver(s.next(s.startTs + 2000))).rejects.toThrow(
      /POST \/v1\/ingest failed: .*ECONNREFUSED.*after 2 attempts/,
    );
  });
});
