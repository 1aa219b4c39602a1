import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Readiness } from '../schemas/index.ts';
import { errorCodes, errorTable } from './errors.ts';
import { startHarness, type Harness } from './harness.ts';

const readiness = (userId: string, windowEnd: number, bpm: number, score = 80): Readiness => ({
  userId,
  windowEnd,
  score,
  band: score >= 67 ? 'green' : score >= 34 ? 'yellow' : 'red',
  factors: [{ name: 'session_load', impact: -4, detail: 'TRIMP 12' }],
  bpm,
  pctMax: (bpm / 190) * 100,
  zone: 3,
  model: 'rules-v1',
  traceArrivalMs: windowEnd + 5,
});

describe('api routes', () => {
  let h: Harness;
  const tokens: Record<string, string> = {};
  const call = (method: 'GET' | 'POST' | 'PUT', url: string, token?: string, payload?: unknown) =>
    h.api.app.inject({
      method,
      url,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  beforeAll(async () => {
    h = await startHarness({ ready: () => ({ log: true }) });
    tokens['gatewayF1'] = await h.token({ role: 'device', floor: 'f1' });
    tokens['deviceU1'] = await h.token({ role: 'device', user: 'u1' });
    tokens['coachF1'] = await h.token({ role: 'coach', floor: 'f1' });
    tokens['coachF2'] = await h.token({ role: 'coach', floor: 'f2' });
    tokens['floorF1'] = await h.token({ role: 'floor', floor: 'f1' });
    tokens['admin'] = await h.token({ role: 'admin' });
    tokens['athleteU1'] = await h.token({ role: 'athlete', user: 'u1' });
    tokens['athleteU2'] = await h.token({ role: 'athlete', user: 'u2' });
  });
  afterAll(() => h.close());

  describe('ops', () => {
    it('serves healthz, readyz and metrics without a token', async () => {
      expect((await call('GET', '/healthz')).json()).toEqual({ status: 'ok' });
      const ready = await call('GET', '/readyz');
      expect([ready.statusCode, ready.json()]).toEqual([200, { status: 'ready' }]);
      const metrics = await call('GET', '/metrics');
      expect(metrics.statusCode).toBe(200);
      expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
      expect(metrics.body).toMatch(/^# HELP pulsecoach_records_out_total/m);
      expect(metrics.body).toMatch(/^pulsecoach_api_sockets\{namespace="\/floor"\} 0$/m);
      expect(metrics.body).toMatch(/^pulsecoach_api_view_users\{kind="users"\} \d+$/m);
    });

    it('answers 503 naming what is not ready', async () => {
      const h2 = await startHarness({ ready: () => ({ log: true, store: false, model: false }) });
      try {
        const res = await h2.api.app.inject({ method: 'GET', url: '/readyz' });
        expect([res.statusCode, res.json()]).toEqual([503, { status: 'not_ready', failing: ['store', 'model'] }]);
      } finally {
        await h2.close();
      }
    });

    it('publishes an OpenAPI document that lists every route and every error code', async () => {
      const res = await call('GET', '/docs');
      expect(res.statusCode).toBe(200);
      const doc = res.json() as { openapi: string; info: { description: string }; paths: Record<string, object> };
      expect(doc.openapi).toBe('3.0.3');
      for (const path of [
        '/v1/ingest',
        '/v1/sessions',
        '/v1/users/{userId}/readiness',
        '/v1/users/{userId}/profile',
        '/v1/feedback',
        '/healthz',
        '/readyz',
        '/metrics',
      ]) {
        expect(Object.keys(doc.paths)).toContain(path);
      }
      for (const code of errorCodes)
        expect(doc.info.description).toContain(`| \`${code}\` | ${errorTable[code].status} |`);
      expect((await call('GET', '/docs/json')).json()).toEqual(doc);
    });

    it('answers unknown routes with the error shape', async () => {
      const res = await call('GET', '/v1/nope?x=1');
      expect([res.statusCode, res.json()]).toEqual([
        404,
        { error: 'route_not_found', message: 'no route GET /v1/nope' },
      ]);
    });

    it("answers the router's own refusals with the error shape too: a broken %-escape, an overlong path segment", async () => {
      const cases: [string, string][] = [
        ['/v1/users/%E0%A4%A/readiness', 'invalid request: the path is not valid percent-encoding'],
        [`/v1/users/${'u'.repeat(300)}/readiness`, 'invalid request: a path segment is longer than 256 characters'],
      ];
      for (const [url, message] of cases) {
        const res = await call('GET', url, tokens['admin']);
        expect([res.statusCode, res.json()], url).toEqual([400, { error: 'invalid_request', message }]);
      }
    });
  });

  describe('error table', () => {
    it('has a distinct code per entry, a 4xx/5xx status and a message', () => {
      expect(new Set(errorCodes).size).toBe(errorCodes.length);
      for (const code of errorCodes) {
        expect(code).toMatch(/^[a-z_]+$/);
        expect(errorTable[code].status).toBeGreaterThanOrEqual(400);
        expect(errorTable[code].message.length).toBeGreaterThan(5);
      }
    });
  });

  describe('POST /v1/sessions', () => {
    it('lets a floor gateway check a member in: Session and Profile produced, member in the view', async () => {
      const res = await call('POST', '/v1/sessions', tokens['gatewayF1'], {
        userId: 'u1',
        alias: 'Ann',
        sessionId: 's-u1',
        startedAt: 1_700_000_000_000,
        profile: { age: 40, sex: 'f', restHr: 55, maxHr: 182, locale: 'zh-CN' },
      });
      expect([res.statusCode, res.json()]).toEqual([201, { sessionId: 's-u1' }]);
      expect(h.api.view.floorOf('u1')).toBe('f1');
      expect(await h.read('sessions')).toContainEqual({
        sessionId: 's-u1',
        userId: 'u1',
        floorId: 'f1',
        alias: 'Ann',
        startedAt: 1_700_000_000_000,
        endedAt: null,
      });
      const profiles = await h.read('profiles');
      expect(profiles).toHaveLength(1);
      expect(profiles[0]).toMatchObject({
        userId: 'u1',
        age: 40,
        sex: 'f',
        restHr: 55,
        maxHr: 182,
        locale: 'zh-CN',
        goals: [],
        conditions: [],
      });
    });

    it('lets a coach check members in on their floor, and admin on any floor it names', async () => {
      const byCoach = await call('POST', '/v1/sessions', tokens['coachF1'], { userId: 'u3', alias: 'Cy' });
      expect(byCoach.statusCode).toBe(201);
      expect(byCoach.json().sessionId).toMatch(/^[0-9a-f-]{36}$/);
      expect(h.api.view.floorOf('u3')).toBe('f1');

      const adminNoFloor = await call('POST', '/v1/sessions', tokens['admin'], { userId: 'u4', alias: 'Di' });
      expect([adminNoFloor.statusCode, adminNoFloor.json().error]).toEqual([400, 'invalid_request']);
      const byAdmin = await call('POST', '/v1/sessions', tokens['admin'], { userId: 'u2', alias: 'Bo', floorId: 'f2' });
      expect(byAdmin.statusCode).toBe(201);
      expect(h.api.view.floorOf('u2')).toBe('f2');
    });

    it("merges an admin's profile given at check-in over the athlete's, and refuses an implausible one without showing the stored values", async () => {
      const first = await call('POST', '/v1/sessions', tokens['admin'], {
        userId: 'u9',
        alias: 'Zoë 👩\u200d💻',
        floorId: 'f1',
        profile: { restHr: 50, maxHr: 110 },
      });
      expect(first.statusCode).toBe(201);
      const merged = await call('POST', '/v1/sessions', tokens['admin'], {
        userId: 'u9',
        alias: 'Zoë',
        floorId: 'f1',
        profile: { restHr: 115 },
      });
      expect([merged.statusCode, merged.json().message]).toEqual([
        400,
        "invalid request: restHr (115) must be below maxHr (the athlete's current one)",
      ]);
    });

    it("lets a floor's gateway or coach give a profile only to an athlete who has none: the athlete's own stays theirs", async () => {
      const first = await call('POST', '/v1/sessions', tokens['gatewayF1'], {
        userId: 'u8',
        alias: 'Una',
        profile: { age: 30, restHr: 52, maxHr: 190 },
      });
      expect(first.statusCode).toBe(201);
      for (const token of [tokens['gatewayF1'], tokens['coachF1'], tokens['coachF2']]) {
        const res = await call('POST', '/v1/sessions', token, {
          userId: 'u8',
          alias: 'Una',
          profile: { age: 99, restHr: 99, maxHr: 100 },
        });
        expect([res.statusCode, res.json().error]).toEqual([403, 'forbidden']);
      }
      expect(h.api.view.profile('u8')).toMatchObject({ age: 30, restHr: 52, maxHr: 190 });
      // checking in again without one, or with the same (a gateway that resends its check-ins), works
      for (const profile of [undefined, { age: 30, restHr: 52, maxHr: 190 }]) {
        const again = await call('POST', '/v1/sessions', tokens['coachF1'], { userId: 'u8', alias: 'Una', profile });
        expect(again.statusCode).toBe(201);
      }
      expect((await h.read('profiles')).filter((p) => p.userId === 'u8')).toHaveLength(1);
    });

    it('checks an athlete out: the ended session is produced and they leave the floor at once', async () => {
      const checkIn = await call('POST', '/v1/sessions', tokens['gatewayF1'], {
        userId: 'u7',
        alias: 'Uma',
        sessionId: 's-u7',
      });
      expect(checkIn.statusCode).toBe(201);
      const end = (token: string | undefined, sessionId = 's-u7', userId = 'u7') =>
        call('POST', `/v1/sessions/${sessionId}/end`, token, { userId });
      // another floor's token, another session id, a token without a floor, an athlete: refused
      for (const [res, status, error] of [
        [await end(tokens['coachF2']), 404, 'not_found'],
        [await end(tokens['coachF1'], 's-other'), 404, 'not_found'],
        [await end(tokens['coachF1'], 's-u7', 'u8'), 404, 'not_found'],
        [await end(tokens['deviceU1']), 403, 'forbidden'],
        [await end(tokens['athleteU1']), 403, 'forbidden'],
        [await end(tokens['floorF1']), 403, 'forbidden'],
        [await end(undefined), 401, 'missing_token'],
      ] as const) {
        expect([res.statusCode, res.json().error]).toEqual([status, error]);
      }
      expect(h.api.view.floorOf('u7')).toBe('f1');

      const res = await end(tokens['coachF1']);
      expect(res.statusCode).toBe(200);
      const { endedAt } = res.json() as { endedAt: number };
      expect(res.json()).toEqual({ sessionId: 's-u7', endedAt });
      expect(h.api.view.floorOf('u7')).toBeUndefined();
      const stored = (await h.read('sessions')).filter((x) => x.sessionId === 's-u7');
      expect(stored.map((x) => x.endedAt)).toEqual([null, endedAt]);
      // ended already
      expect((await end(tokens['coachF1'])).statusCode).toBe(404);
    });

    it('refuses other tokens, other floors and bad bodies', async () => {
      const cases: [string | undefined, object, number, string][] = [
        [undefined, { userId: 'x', alias: 'X' }, 401, 'missing_token'],
        [tokens['deviceU1'], { userId: 'x', alias: 'X' }, 403, 'forbidden'],
        [tokens['athleteU1'], { userId: 'u1', alias: 'X' }, 403, 'forbidden'],
        [tokens['floorF1'], { userId: 'x', alias: 'X' }, 403, 'forbidden'],
        [tokens['coachF1'], { userId: 'x', alias: 'X', floorId: 'f2' }, 403, 'forbidden'],
        [tokens['coachF1'], { userId: 'x', alias: '' }, 400, 'invalid_request'],
        [tokens['coachF1'], { userId: 'x', alias: 'y'.repeat(41) }, 400, 'invalid_request'],
        [tokens['coachF1'], { userId: 'x y', alias: 'X' }, 400, 'invalid_request'],
        [tokens['coachF1'], { userId: 'x', alias: 'X', colour: 'red' }, 400, 'invalid_request'],
        [tokens['coachF1'], { userId: 'x', alias: 'X', profile: { age: 7 } }, 400, 'invalid_request'],
        // a bidi override, a zero-width space only, blanks: not a name a floor screen can show
        [tokens['coachF1'], { userId: 'x', alias: '\u202eXoC' }, 400, 'invalid_request'],
        [tokens['coachF1'], { userId: 'x', alias: '\u200b' }, 400, 'invalid_request'],
        [tokens['coachF1'], { userId: 'x', alias: '   ' }, 400, 'invalid_request'],
        // before 2000, beyond a safe integer, and ahead of the clock beyond the skew (it would pin the member here)
        [tokens['coachF1'], { userId: 'x', alias: 'X', startedAt: 86_400_000 }, 400, 'invalid_request'],
        [tokens['coachF1'], { userId: 'x', alias: 'X', startedAt: 1e300 }, 400, 'invalid_request'],
        [tokens['coachF1'], { userId: 'x', alias: 'X', startedAt: Date.now() + 86_400_000 }, 400, 'invalid_request'],
      ];
      for (const [token, body, status, error] of cases) {
        const res = await call('POST', '/v1/sessions', token, body);
        expect([res.statusCode, res.json().error], JSON.stringify(body)).toEqual([status, error]);
      }
      expect(h.api.view.floorOf('x')).toBeUndefined();
      const athlete = await call('POST', '/v1/sessions', tokens['athleteU1'], { userId: 'u1', alias: 'X' });
      expect(athlete.json().message).toBe('forbidden: an athlete token may not start sessions');
    });
  });

  describe('GET /v1/users/:userId/readiness', () => {
    beforeAll(async () => {
      await h.produce('readiness', [readiness('u1', 1_000, 150, 70), readiness('u1', 2_000, 151, 72)]);
      await h.api.view.caughtUp();
    });

    it('takes any user id ingest takes (up to 128 characters)', async () => {
      const long = 'u'.repeat(128);
      const res = await call('GET', `/v1/users/${long}/readiness`, await h.token({ role: 'athlete', user: long }));
      expect([res.statusCode, res.json().error]).toEqual([404, 'not_found']);
      const tooLong = await call('GET', `/v1/users/${long}x/readiness`, tokens['admin']);
      expect([tooLong.statusCode, tooLong.json().error]).toEqual([400, 'invalid_request']);
    });

    it("gives the athlete, their floor's coach and admin the latest score with its factors", async () => {
      for (const who of ['athleteU1', 'coachF1', 'admin']) {
        const res = await call('GET', '/v1/users/u1/readiness', tokens[who]);
        expect(res.statusCode, who).toBe(200);
        expect(res.json()).toEqual({
          userId: 'u1',
          score: 72,
          band: 'green',
          bpm: 151,
          pctMax: (151 / 190) * 100,
          zone: 3,
          windowEnd: 2_000,
          traceArrivalMs: 2_005,
          stale: false,
          factors: [{ name: 'session_load', impact: -4, detail: 'TRIMP 12' }],
        });
      }
    });

    it('keeps the newest window when an older one is redelivered', async () => {
      await h.produce('readiness', [readiness('u1', 1_000, 149, 50)]);
      await h.api.view.caughtUp();
      expect((await call('GET', '/v1/users/u1/readiness', tokens['athleteU1'])).json().score).toBe(72);
    });

    it("refuses other athletes and other floors' coaches; 404 when there is none", async () => {
      expect((await call('GET', '/v1/users/u1/readiness', tokens['athleteU2'])).statusCode).toBe(403);
      expect((await call('GET', '/v1/users/u1/readiness', tokens['coachF2'])).statusCode).toBe(403);
      expect((await call('GET', '/v1/users/u1/readiness', tokens['floorF1'])).statusCode).toBe(403);
      expect((await call('GET', '/v1/users/u1/readiness')).statusCode).toBe(401);
      const none = await call('GET', '/v1/users/u2/readiness', tokens['athleteU2']);
      expect([none.statusCode, none.json()]).toEqual([
        404,
        { error: 'not_found', message: 'readiness for this user not found' },
      ]);
    });
  });

  describe('/v1/users/:userId/profile', () => {
    it('lets the athlete replace and read their profile; the new profile is produced', async () => {
      const body = { age: 33, sex: 'm', restHr: 50, maxHr: 190, locale: 'en', goals: ['5k under 25 min'] };
      const put = await call('PUT', '/v1/users/u2/profile', tokens['athleteU2'], body);
      expect(put.statusCode).toBe(200);
      const expected = { userId: 'u2', ...body, conditions: [], updatedAt: put.json().updatedAt };
      expect(put.json()).toEqual(expected);
      expect((await call('GET', '/v1/users/u2/profile', tokens['athleteU2'])).json()).toEqual(expected);
      expect((await h.read('profiles')).filter((p) => p.userId === 'u2')).toEqual([expected]);
    });

    it('validates the ranges', async () => {
      for (const bad of [
        { age: 9 },
        { age: 101 },
        { restHr: 24 },
        { restHr: 121 },
        { maxHr: 99 },
        { maxHr: 241 },
        { sex: 'x' },
        { locale: 'fr' },
        { age: '30' },
        { weight: 70 },
      ]) {
        const res = await call('PUT', '/v1/users/u2/profile', tokens['athleteU2'], bad);
        expect([res.statusCode, res.json().error], JSON.stringify(bad)).toEqual([400, 'invalid_request']);
      }
      const res = await call('PUT', '/v1/users/u2/profile', tokens['athleteU2'], { age: 101 });
      expect(res.json().message).toBe('invalid request: body/age must be <= 100');
      // no heart-rate reserve left
      const noReserve = await call('PUT', '/v1/users/u2/profile', tokens['athleteU2'], { restHr: 110, maxHr: 110 });
      expect([noReserve.statusCode, noReserve.json().message]).toEqual([
        400,
        'invalid request: restHr (110) must be below maxHr (110)',
      ]);
      expect(
        (await call('PUT', '/v1/users/u2/profile', tokens['athleteU2'], { age: null, sex: null })).statusCode,
      ).toBe(200);
    });

    it("lets that athlete and admin read and write it; refuses coaches, even of the athlete's floor, and others", async () => {
      // u1 is on f1 (checked in above); a profile holds health data (conditions): CONTRACT.md gives it to that user and admin
      expect((await call('GET', '/v1/users/u1/profile', tokens['athleteU1'])).json().maxHr).toBe(182);
      expect((await call('GET', '/v1/users/u1/profile', tokens['coachF1'])).statusCode).toBe(403);
      expect((await call('GET', '/v1/users/u1/profile', tokens['coachF2'])).statusCode).toBe(403);
      expect((await call('PUT', '/v1/users/u1/profile', tokens['coachF1'], { age: 41 })).statusCode).toBe(403);
      expect((await call('GET', '/v1/users/u1/profile', tokens['athleteU2'])).statusCode).toBe(403);
      expect((await call('PUT', '/v1/users/u1/profile', tokens['athleteU2'], { age: 41 })).statusCode).toBe(403);
      expect((await call('PUT', '/v1/users/u1/profile', tokens['admin'], { age: 41, maxHr: 180 })).statusCode).toBe(
        200,
      );
      expect((await call('GET', '/v1/users/u1/profile', tokens['admin'])).json()).toMatchObject({
        age: 41,
        maxHr: 180,
      });
      expect((await call('GET', '/v1/users/nobody/profile', tokens['admin'])).statusCode).toBe(404);
    });
  });

  describe('POST /v1/feedback', () => {
    it("produces the athlete's feedback", async () => {
      const res = await call('POST', '/v1/feedback', tokens['athleteU1'], {
        suggestionId: 'sg-1',
        rating: 4,
        rpe: 7,
        comment: 'hard',
      });
      expect([res.statusCode, res.json()]).toEqual([202, { status: 'accepted' }]);
      const fb = await h.read('feedback');
      expect(fb).toEqual([
        { userId: 'u1', suggestionId: 'sg-1', ts: fb[0]!.ts, rating: 4, rpe: 7, comment: 'hard', followed: null },
      ]);
    });

    it('refuses other roles and bad values', async () => {
      expect((await call('POST', '/v1/feedback', undefined, { suggestionId: 'x' })).statusCode).toBe(401);
      expect((await call('POST', '/v1/feedback', tokens['coachF1'], { suggestionId: 'x' })).statusCode).toBe(403);
      expect((await call('POST', '/v1/feedback', tokens['admin'], { suggestionId: 'x' })).statusCode).toBe(403);
      for (const bad of [
        {},
        { suggestionId: '' },
        { suggestionId: 'x', rating: 6 },
        { suggestionId: 'x', rating: 0 },
        { suggestionId: 'x', rpe: 11 },
        { suggestionId: 'x', rating: 2.5 },
        { suggestionId: 'x', comment: 'c'.repeat(501) },
        { suggestionId: 'x', userId: 'u2' },
      ]) {
        const res = await call('POST', '/v1/feedback', tokens['athleteU1'], bad);
        expect([res.statusCode, res.json().error], JSON.stringify(bad).slice(0, 60)).toEqual([400, 'invalid_request']);
      }
      expect(await h.read('feedback')).toHaveLength(1);
    });
  });

  describe('dashboards', () => {
    it('serves the pages and their assets with a strict CSP, without a token', async () => {
      for (const [url, type] of [
        ['/floor/f1', 'text/html'],
        ['/coach/f1', 'text/html'],
        ['/athlete/u1', 'text/html'],
        ['/dashboards/floor.js', 'text/javascript'],
        ['/dashboards/dashboard.css', 'text/css'],
      ] as const) {
        const res = await call('GET', url);
        expect(res.statusCode, url).toBe(200);
        expect(res.headers['content-type']).toMatch(new RegExp(`^${type}`));
        expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      }
      expect((await call('GET', '/floor/f1')).body).toContain('data-testid="grid"');
      expect((await call('GET', '/dashboards/secret.txt')).statusCode).toBe(404);
      expect((await call('GET', '/dashboards/..%2Fpackage.json')).statusCode).toBe(404);
    });
  });
});
