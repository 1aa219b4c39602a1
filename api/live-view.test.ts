import { afterEach, describe, expect, it } from 'vitest';
import { serde, topics, type Profile, type Readiness, type Session } from '../schemas/index.ts';
import { connected, nextEvent, startHarness, type Harness } from './harness.ts';
import type { Tile } from './live-view.ts';

const NOW = Date.UTC(2026, 10, 1, 9, 0, 0);

describe('live view', () => {
  const open: Harness[] = [];
  afterEach(async () => {
    for (const h of open.splice(0)) await h.close();
  });

  it('keeps floor membership and profiles across a restart (snapshot with the committed offsets)', async () => {
    const first = await startHarness({ now: () => NOW });
    const gateway = await first.token({ role: 'device', floor: 'f1' });
    for (const [userId, alias] of [
      ['u1', 'Ann'],
      ['u2', 'Bob'],
    ]) {
      const res = await first.api.app.inject({
        method: 'POST',
        url: '/v1/sessions',
        headers: { authorization: `Bearer ${gateway}` },
        payload: { userId, alias, profile: { maxHr: 185 } },
      });
      expect(res.statusCode).toBe(201);
    }
    await first.api.view.caughtUp();
    await first.close(true);

    const second = await startHarness({ dir: first.dir, now: () => NOW });
    open.push(second);
    expect(
      second.api.view
        .tiles('f1')
        .map((t) => [t.userId, t.alias])
        .sort(),
    ).toEqual([
      ['u1', 'Ann'],
      ['u2', 'Bob'],
    ]);
    expect(second.api.view.profile('u2')).toMatchObject({ userId: 'u2', maxHr: 185 });
    // the gateway's next batch for a member passes at once
    const res = await second.api.app.inject({
      method: 'POST',
      url: '/v1/ingest',
      headers: { authorization: `Bearer ${gateway}` },
      payload: { samples: [{ userId: 'u1', deviceId: 'd1', ts: NOW, bpm: 90 }] },
    });
    expect([res.statusCode, res.json()]).toEqual([202, { accepted: 1, rejected: [] }]);
  });

  it('takes a member off the floor when their session ends', async () => {
    const h = await startHarness({ now: () => NOW });
    open.push(h);
    await h.listen();
    const gateway = await h.token({ role: 'device', floor: 'f1' });
    const res = await h.api.app.inject({
      method: 'POST',
      url: '/v1/sessions',
      headers: { authorization: `Bearer ${gateway}` },
      payload: { userId: 'u1', alias: 'Ann', sessionId: 's1', startedAt: NOW - 60_000 },
    });
    expect(res.statusCode).toBe(201);
    const screen = h.socket('/floor', { token: await h.token({ role: 'floor', floor: 'f1' }) });
    const tiles = nextEvent<Tile[]>(screen, 'tiles');
    expect(await connected(screen)).toEqual({ ok: true });
    expect((await tiles).map((t) => t.userId)).toEqual(['u1']);

    const left = nextEvent<{ userId: string }>(screen, 'leave');
    await h.produce('sessions', [
      { sessionId: 's1', userId: 'u1', floorId: 'f1', alias: 'Ann', startedAt: NOW - 60_000, endedAt: NOW },
    ]);
    expect(await left).toEqual({ userId: 'u1' });
    expect(h.api.view.floorOf('u1')).toBeUndefined();
    expect(h.api.view.tiles('f1')).toEqual([]);
  });

  it('dead-letters sessions the check-in route would refuse (reason invalid): none pins a member to a floor or reaches a screen', async () => {
    const h = await startHarness({ now: () => NOW });
    open.push(h);
    const session = (s: Partial<Session>): Session => ({
      sessionId: 's1',
      userId: 'u1',
      floorId: 'f1',
      alias: 'Ann',
      startedAt: NOW,
      endedAt: null,
      ...s,
    });
    // what a producer outside pulsecoach may write to the topic
    const bad: [Session, string][] = [
      [
        session({ sessionId: 'pin', startedAt: Date.UTC(2100, 0, 1) }),
        `startedAt: must be ms since the epoch, from 2000 to the allowed clock skew ahead, got ${Date.UTC(2100, 0, 1)}`,
      ],
      [
        session({ sessionId: 'rtl', alias: 'Ann\u202e' }),
        'alias: must be 1-40 characters with a visible one and no control, bidi or zero-width one, got "Ann\u202e"',
      ],
      [
        session({ sessionId: 'long', alias: 'A'.repeat(41) }),
        `alias: must be 1-40 characters with a visible one and no control, bidi or zero-width one, got "${'A'.repeat(36)}...`,
      ],
      [session({ floorId: 'f 2' }), 'floorId: must be 1-128 characters of A-Z a-z 0-9 . _ : -, got "f 2"'],
      [
        session({ endedAt: NOW - 1 }),
        `endedAt: must be ms since the epoch, from startedAt to the allowed clock skew ahead, got ${NOW - 1}`,
      ],
    ];
    await h.produce('sessions', [
      ...bad.map(([s]) => s),
      session({ sessionId: 's2', floorId: 'f2', startedAt: NOW + 1 }),
    ]);
    await h.api.view.caughtUp();
    expect((await h.read('dlq')).map((d) => [d.stage, d.reason, d.detail])).toEqual(
      bad.map(([, why]) => ['api', 'invalid', why]),
    );
    // the check-in after them counts: nothing from 2100 holds u1 on f1
    expect(h.api.view.floorOf('u1')).toBe('f2');
    expect(h.api.view.tiles('f1')).toEqual([]);
    expect(h.api.view.tiles('f2').map((t) => [t.userId, t.alias])).toEqual([['u1', 'Ann']]);
  });

  it('dead-letters a profile updated past the allowed clock skew, which would hide every later update', async () => {
    const h = await startHarness({ now: () => NOW });
    open.push(h);
    const profile = (maxHr: number, updatedAt: number): Profile => ({
      userId: 'u1',
      age: null,
      sex: null,
      restHr: null,
      maxHr,
      locale: 'en',
      goals: [],
      conditions: [],
      updatedAt,
    });
    const YEAR_2100 = Date.UTC(2100, 0, 1);
    await h.produce('profiles', [profile(170, YEAR_2100), profile(182, NOW)]);
    await h.api.view.caughtUp();
    expect((await h.read('dlq')).map((d) => [d.stage, d.reason, d.detail])).toEqual([
      ['api', 'invalid', `updatedAt: must not be past the allowed clock skew, got ${YEAR_2100}`],
    ]);
    expect(h.api.view.profile('u1')).toMatchObject({ maxHr: 182, updatedAt: NOW });
  });

  it('shows a readiness replayed at start-up as stale when it was appended longer ago than the stale time', async () => {
    const first = await startHarness({ now: () => NOW });
    const gateway = await first.token({ role: 'device', floor: 'f1' });
    for (const userId of ['u1', 'u2']) {
      const res = await first.api.app.inject({
        method: 'POST',
        url: '/v1/sessions',
        headers: { authorization: `Bearer ${gateway}` },
        payload: { userId, alias: userId },
      });
      expect(res.statusCode).toBe(201);
    }
    await first.api.view.caughtUp();
    // the view stops (its offsets committed); then a readiness from 10 min ago and one from now
    await first.api.view.close();
    const readiness = (userId: string): Readiness => ({
      userId,
      windowEnd: NOW,
      score: 70,
      band: 'green',
      factors: [],
      bpm: 130,
      pctMax: 70,
      zone: 3,
      model: 'rules-v1',
      traceArrivalMs: NOW,
    });
    const codec = serde('Readiness');
    await first.log.produce(topics.readiness.name, [
      { key: 'u1', value: codec.encode(readiness('u1')), timestamp: Date.now() - 600_000 },
      { key: 'u2', value: codec.encode(readiness('u2')), timestamp: Date.now() },
    ]);
    await first.close(true);

    const second = await startHarness({ dir: first.dir, now: () => NOW });
    open.push(second);
    const byUser = Object.fromEntries(second.api.view.tiles('f1').map((t) => [t.userId, t]));
    expect(byUser['u1']).toMatchObject({ stale: true, bpm: null, ts: NOW });
    expect(byUser['u2']).toMatchObject({ stale: false, bpm: 130, ts: NOW });
    expect(second.api.view.readiness('u1')).toMatchObject({ stale: true, bpm: 130 });
  });
});
