import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Readiness, Suggestion, Trigger } from '../schemas/index.ts';
import { connected, nextEvent, startHarness, type Harness } from './harness.ts';
import type { Live, Tile } from './live-view.ts';

const readiness = (userId: string, windowEnd: number, bpm: number): Readiness => ({
  userId,
  windowEnd,
  score: 75,
  band: 'green',
  factors: [],
  bpm,
  pctMax: bpm / 2,
  zone: 4,
  model: 'rules-v1',
  traceArrivalMs: windowEnd + 1,
});
const trigger = (userId: string, kind: Trigger['kind'], ts: number): Trigger => ({
  triggerId: `${userId}:${kind}:${ts}`,
  userId,
  ts,
  kind,
  fromZone: 4,
  toZone: 5,
  pctMax: 101,
  readiness: 40,
  detail: kind,
});
const suggestion = (userId: string, ts: number, text: string): Suggestion => ({
  suggestionId: `sg-${userId}-${ts}`,
  userId,
  triggerId: `${userId}:t:${ts}`,
  ts,
  text,
  action: 'reduce_intensity',
  targetZone: 3,
  durationSec: 120,
  locale: 'en',
  source: 'rules',
});

/** Collects every event of the given names, in arrival order. */
function record(socket: Socket, names: string[]): { name: string; value: unknown }[] {
  const got: { name: string; value: unknown }[] = [];
  for (const name of names) socket.on(name, (value: unknown) => got.push({ name, value }));
  return got;
}

describe('socket.io namespaces', () => {
  let h: Harness;
  const checkIn = async (floorId: string, userId: string, alias: string) => {
    const res = await h.api.app.inject({
      method: 'POST',
      url: '/v1/sessions',
      headers: { authorization: `Bearer ${await h.token({ role: 'device', floor: floorId })}` },
      payload: { userId, alias },
    });
    expect(res.statusCode).toBe(201);
  };

  beforeAll(async () => {
    h = await startHarness();
    await h.listen();
    await checkIn('f1', 'a1', 'Ann');
    await checkIn('f1', 'a2', 'Abe');
    await checkIn('f2', 'b1', 'Bea');
  });
  afterAll(() => h.close());

  it('refuses a missing, invalid or foreign token with an unauthorized error', async () => {
    const { tokenSigner } = await import('../platform/index.ts');
    const foreign = await tokenSigner('some-other-secret-0123456789').sign({ role: 'floor', floor: 'f1' });
    for (const [ns, auth] of [
      ['/floor', {}],
      ['/floor', { token: 'garbage' }],
      ['/floor', { token: foreign }],
      ['/athlete', { token: '' }],
      ['/coach', { token: 42 }],
      ['/', { token: await h.token({ role: 'admin' }) }],
    ] as const) {
      const result = await connected(h.socket(ns, auth));
      expect(result.ok, `${ns} ${JSON.stringify(auth).slice(0, 30)}`).toBe(false);
      expect((result as { message: string }).message).toMatch(/^unauthorized: /);
    }
  });

  it('disconnects a connection when its token expires', async () => {
    for (const [ns, claims] of [
      ['/floor', { role: 'floor', floor: 'f1' }],
      ['/athlete', { role: 'athlete', user: 'a1' }],
    ] as const) {
      const socket = h.socket(ns, { token: await h.signer.sign(claims, '2s') });
      const expired = nextEvent(socket, 'expired');
      expect(await connected(socket)).toEqual({ ok: true });
      // the server's doing (a client's own disconnect is "io client disconnect"), said first
      expect(await new Promise((resolve) => socket.once('disconnect', resolve))).toBe('io server disconnect');
      expect(await expired).toEqual({ message: 'the token has expired' });
    }
  });

  it('closes its connections on shutdown as a dropped network would: clients reconnect to the next server', async () => {
    const stopping = await startHarness();
    await stopping.listen();
    // (not the harness's socket: it would disconnect from the client's side first)
    const socket = connectSocket(`${stopping.url}/floor`, {
      auth: { token: await stopping.token({ role: 'floor', floor: 'f1' }) },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    try {
      expect(await connected(socket)).toEqual({ ok: true });
      const reason = new Promise((resolve) => socket.once('disconnect', resolve));
      await stopping.close();
      // not "io server disconnect", which a socket.io client never retries
      expect(await reason).toBe('transport close');
    } finally {
      socket.close();
    }
  });

  it('keeps each token to its own namespace and scope', async () => {
    const athlete = await h.token({ role: 'athlete', user: 'a1' });
    const floor = await h.token({ role: 'floor', floor: 'f1' });
    const refusals: [string, Record<string, unknown>, string][] = [
      ['/floor', { token: athlete }, 'unauthorized: an athlete token may not join /floor'],
      ['/coach', { token: athlete }, 'unauthorized: an athlete token may not join /coach'],
      ['/coach', { token: floor }, 'unauthorized: a floor token may not join /coach'],
      ['/athlete', { token: floor }, 'unauthorized: a floor token may not join /athlete'],
      ['/floor', { token: floor, floorId: 'f2' }, 'unauthorized: this token is for another floor'],
      ['/athlete', { token: athlete, userId: 'b1' }, 'unauthorized: this token is for another user'],
      [
        '/athlete',
        { token: await h.token({ role: 'admin' }) },
        'unauthorized: an admin token must name the user (auth.userId)',
      ],
      [
        '/floor',
        { token: await h.token({ role: 'device', floor: 'f1' }) },
        'unauthorized: a device token may not join /floor',
      ],
    ];
    for (const [ns, auth, message] of refusals) {
      expect(await connected(h.socket(ns, auth))).toEqual({ ok: false, message });
    }
  });

  it('sends an athlete only their own live state and suggestions', async () => {
    // tokens first: a socket created before an await may connect, and get its first events, before
    // the listeners below exist
    const [tokenA, tokenB] = [
      await h.token({ role: 'athlete', user: 'a1' }),
      await h.token({ role: 'athlete', user: 'b1' }),
    ];
    const a = h.socket('/athlete', { token: tokenA });
    const b = h.socket('/athlete', { token: tokenB, userId: 'b1' });
    const firstA = nextEvent<Live>(a, 'live');
    const firstB = nextEvent<Live>(b, 'live');
    expect(await connected(a)).toEqual({ ok: true });
    expect(await connected(b)).toEqual({ ok: true });
    expect(await firstA).toEqual({
      userId: 'a1',
      bpm: null,
      zone: null,
      pctMax: null,
      readiness: null,
      band: null,
      ts: null,
      traceArrivalMs: null,
      stale: false,
    });
    await firstB;
    const gotA = record(a, ['live', 'suggestion']);
    const gotB = record(b, ['live', 'suggestion']);

    await h.produce('readiness', [
      readiness('a1', 10_000, 141),
      readiness('b1', 10_000, 151),
      readiness('b1', 20_000, 152),
    ]);
    // the same suggestion twice (a replay of the at-least-once coach): pushed once
    await h.produce('suggestions', [suggestion('b1', 20_000, 'for b only'), suggestion('b1', 20_000, 'for b only')]);
    await h.api.view.caughtUp();
    // a marker for each: socket.io keeps order per connection, so anything else sent before it has arrived
    const markerA = nextEvent<Live>(a, 'live', (l) => l.bpm === 199);
    const markerB = nextEvent<Live>(b, 'live', (l) => l.bpm === 199);
    await h.produce('readiness', [readiness('a1', 90_000, 199), readiness('b1', 90_000, 199)]);
    await Promise.all([markerA, markerB]);

    expect(gotA).toEqual([
      {
        name: 'live',
        value: {
          userId: 'a1',
          bpm: 141,
          zone: 4,
          pctMax: 70.5,
          readiness: 75,
          band: 'green',
          ts: 10_000,
          traceArrivalMs: 10_001,
          stale: false,
        },
      },
      {
        name: 'live',
        value: {
          userId: 'a1',
          bpm: 199,
          zone: 4,
          pctMax: 99.5,
          readiness: 75,
          band: 'green',
          ts: 90_000,
          traceArrivalMs: 90_001,
          stale: false,
        },
      },
    ]);
    expect(
      gotB.map((e) => [e.name, (e.value as { userId: string }).userId, (e.value as { bpm?: number }).bpm]),
    ).toEqual([
      ['live', 'b1', 151],
      ['live', 'b1', 152],
      ['suggestion', 'b1', undefined],
      ['live', 'b1', 199],
    ]);
    expect((gotB[2]!.value as { text: string }).text).toBe('for b only');
  });

  it('sends a floor screen the tiles of its floor only', async () => {
    const s = h.socket('/floor', { token: await h.token({ role: 'floor', floor: 'f1' }) });
    const initial = nextEvent<Tile[]>(s, 'tiles');
    expect(await connected(s)).toEqual({ ok: true });
    const tiles = await initial;
    expect(tiles.map((t) => [t.userId, t.alias]).sort()).toEqual([
      ['a1', 'Ann'],
      ['a2', 'Abe'],
    ]);
    expect(tiles.find((t) => t.userId === 'a1')).toMatchObject({
      bpm: 199,
      zone: 4,
      readiness: 75,
      band: 'green',
      ts: 90_000,
      traceArrivalMs: 90_001,
    });
    const got = record(s, ['tile', 'suggestion', 'alert', 'trigger', 'leave']);

    await h.produce('readiness', [readiness('a2', 100_000, 120), readiness('b1', 100_000, 130)]);
    await h.produce('suggestions', [
      suggestion('a2', 100_000, 'ease to zone 3'),
      suggestion('b1', 100_000, 'not for f1'),
    ]);
    await h.produce('triggers', [
      trigger('a2', 'zone_change', 100_000),
      trigger('a2', 'danger', 100_001),
      trigger('b1', 'danger', 100_001),
    ]);
    await h.api.view.caughtUp();
    const marker = nextEvent<Tile>(s, 'tile', (t) => t.bpm === 198);
    await h.produce('readiness', [readiness('a1', 110_000, 198)]);
    await marker;

    const seen = got.map((e) => [e.name, (e.value as { userId: string }).userId]);
    expect(seen).toEqual([
      ['tile', 'a2'],
      ['suggestion', 'a2'],
      ['tile', 'a2'],
      ['alert', 'a2'],
      ['tile', 'a1'],
    ]);
    expect(got[2]!.value).toMatchObject({
      bpm: 120,
      suggestion: { text: 'ease to zone 3', action: 'reduce_intensity', ts: 100_000 },
    });
    expect(got[3]!.value).toMatchObject({ kind: 'danger', alias: 'Abe' });
  });

  it('sends a coach everything of the floor plus triggers; admin names the floor', async () => {
    const [coachToken, adminToken] = [await h.token({ role: 'coach', floor: 'f2' }), await h.token({ role: 'admin' })];
    const coach = h.socket('/coach', { token: coachToken });
    const admin = h.socket('/coach', { token: adminToken, floorId: 'f2' });
    const tilesC = nextEvent<Tile[]>(coach, 'tiles');
    const tilesA = nextEvent<Tile[]>(admin, 'tiles');
    await Promise.all([connected(coach), connected(admin)]);
    expect((await tilesC).map((t) => t.userId)).toEqual(['b1']);
    expect((await tilesA).map((t) => t.userId)).toEqual(['b1']);
    const got = record(coach, ['tile', 'suggestion', 'alert', 'trigger']);

    await h.produce('triggers', [trigger('b1', 'overexertion', 200_000), trigger('a1', 'danger', 200_000)]);
    await h.api.view.caughtUp();
    const marker = nextEvent<Trigger>(coach, 'alert');
    await h.produce('triggers', [trigger('b1', 'danger', 200_001)]);
    await marker;
    expect(got.map((e) => [e.name, (e.value as Trigger).userId, (e.value as Trigger).kind])).toEqual([
      ['trigger', 'b1', 'overexertion'],
      ['trigger', 'b1', 'danger'],
      ['alert', 'b1', 'danger'],
    ]);
  });

  it('moves a member between floors: the old floor gets leave, the new one the tile', async () => {
    const [f1Token, f3Token] = [
      await h.token({ role: 'floor', floor: 'f1' }),
      await h.token({ role: 'floor', floor: 'f3' }),
    ];
    const f1 = h.socket('/floor', { token: f1Token });
    const f3 = h.socket('/floor', { token: f3Token });
    await Promise.all([nextEvent(f1, 'tiles'), nextEvent(f3, 'tiles')]);
    const left = nextEvent<{ userId: string }>(f1, 'leave');
    const joined = nextEvent<Tile>(f3, 'tile');
    await checkIn('f3', 'a2', 'Abe');
    expect(await left).toEqual({ userId: 'a2' });
    expect(await joined).toMatchObject({ userId: 'a2', alias: 'Abe', bpm: 120 });
    expect(h.api.view.tiles('f1').map((t) => t.userId)).toEqual(['a1']);
  });

  it('says a tile and live state went stale after three live windows without a readiness, and live with the next', async () => {
    await checkIn('f4', 'c1', 'Cy');
    const [floorToken, athleteToken] = [
      await h.token({ role: 'floor', floor: 'f4' }),
      await h.token({ role: 'athlete', user: 'c1' }),
    ];
    const floor = h.socket('/floor', { token: floorToken });
    const athlete = h.socket('/athlete', { token: athleteToken });
    await Promise.all([nextEvent(floor, 'tiles'), nextEvent(athlete, 'live')]);
    const fresh = nextEvent<Tile>(floor, 'tile', (t) => t.bpm === 140);
    const freshLive = nextEvent<Live>(athlete, 'live', (l) => l.bpm === 140);
    await h.produce('readiness', [readiness('c1', 300_000, 140)]);
    await Promise.all([fresh, freshLive]);
    const got = record(floor, ['tile']);
    const gotLive = record(athlete, ['live']);
    // the default live window is 10 s: stale after 30 s without a readiness, not before
    h.api.view.expireStale(performance.now() + 20_000);
    const stale = nextEvent<Tile>(floor, 'tile');
    const staleLive = nextEvent<Live>(athlete, 'live');
    h.api.view.expireStale(performance.now() + 40_000);
    expect(await stale).toMatchObject({
      userId: 'c1',
      stale: true,
      bpm: null,
      zone: null,
      readiness: null,
      ts: 300_000,
    });
    expect(await staleLive).toMatchObject({ userId: 'c1', stale: true, bpm: null, ts: 300_000 });
    // told once; the same readiness delivered again does not make it live
    h.api.view.expireStale(performance.now() + 80_000);
    await h.produce('readiness', [readiness('c1', 300_000, 140)]);
    await h.api.view.caughtUp();
    expect(h.api.view.tiles('f4')).toEqual([expect.objectContaining({ userId: 'c1', stale: true, bpm: null })]);
    const back = nextEvent<Tile>(floor, 'tile');
    const backLive = nextEvent<Live>(athlete, 'live');
    await h.produce('readiness', [readiness('c1', 310_000, 141)]);
    expect(await back).toMatchObject({ userId: 'c1', stale: false, bpm: 141, ts: 310_000 });
    expect(await backLive).toMatchObject({ userId: 'c1', stale: false, bpm: 141 });
    expect(got.map((e) => (e.value as Tile).stale)).toEqual([true, false]);
    expect(gotLive.map((e) => (e.value as Live).stale)).toEqual([true, false]);
  });

  it('says a member checked in without any readiness went stale: no signal', async () => {
    await checkIn('f5', 'e1', 'Eli');
    const floor = h.socket('/floor', { token: await h.token({ role: 'floor', floor: 'f5' }) });
    const tiles = nextEvent<Tile[]>(floor, 'tiles');
    await connected(floor);
    expect(await tiles).toEqual([expect.objectContaining({ userId: 'e1', stale: false, bpm: null, ts: null })]);
    const stale = nextEvent<Tile>(floor, 'tile');
    h.api.view.expireStale(performance.now() + 40_000);
    expect(await stale).toMatchObject({ userId: 'e1', stale: true, bpm: null, ts: null });
  });

  it('takes feedback from an athlete, validated, and acknowledges it', async () => {
    const a = h.socket('/athlete', { token: await h.token({ role: 'athlete', user: 'a1' }) });
    await connected(a);
    const ok = await a.emitWithAck('feedback', { suggestionId: 'sg-a1-1', rating: 5 });
    expect(ok).toEqual({ ok: true });
    const bad = await a.emitWithAck('feedback', { suggestionId: 'sg-a1-1', rating: 9 });
    expect(bad).toMatchObject({ error: 'invalid_request' });
    expect((bad as { message: string }).message).toMatch(/^invalid request: rating: /);
    const spoof = await a.emitWithAck('feedback', { suggestionId: 'x', userId: 'b1' });
    expect(spoof).toMatchObject({ error: 'invalid_request' });
    expect(await h.read('feedback')).toEqual([
      {
        userId: 'a1',
        suggestionId: 'sg-a1-1',
        ts: expect.any(Number),
        rating: 5,
        rpe: null,
        comment: null,
        followed: null,
      },
    ]);
  });
});
