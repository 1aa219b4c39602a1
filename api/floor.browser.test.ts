import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../test/support.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Readiness, Suggestion } from '../schemas/index.ts';
import { startHarness, type Harness } from './harness.ts';

/** The gym-floor page in a real (headless Debian) Chromium against a real server and log. */
const readiness = (userId: string, windowEnd: number, bpm: number, zone: number, score: number): Readiness => ({
  userId,
  windowEnd,
  score,
  band: score >= 67 ? 'green' : score >= 34 ? 'yellow' : 'red',
  factors: [],
  bpm,
  pctMax: (bpm / 190) * 100,
  zone,
  model: 'rules-v1',
  traceArrivalMs: windowEnd,
});

/** What the page shows, tile by tile (by alias). */
async function tiles(page: Page) {
  return page.$$eval('[data-testid="tile"]', (nodes) =>
    nodes
      .map((n) => ({
        alias: n.querySelector('[data-testid="alias"]')?.textContent,
        bpm: n.querySelector('[data-testid="bpm"]')?.textContent,
        zone: n.querySelector('[data-testid="zone"]')?.textContent,
        zoneClass: [...n.classList].find((c) => /^z\d$/.test(c)),
        readiness: n.querySelector('[data-testid="readiness"]')?.textContent,
        band: (n.querySelector('[data-testid="readiness"]') as HTMLElement | null)?.dataset['band'],
        suggestion: n.querySelector('[data-testid="suggestion"]')?.textContent,
      }))
      .sort((a, b) => String(a.alias).localeCompare(String(b.alias))),
  );
}

/** Waits until the page shows these bpm values (sorted by alias). */
async function untilBpm(page: Page, bpm: string[]): Promise<void> {
  await page.waitForFunction((want) => {
    const nodes = [...document.querySelectorAll('[data-testid="tile"]')];
    const got = nodes
      .map((n) => [
        n.querySelector('[data-testid="alias"]')?.textContent ?? '',
        n.querySelector('[data-testid="bpm"]')?.textContent ?? '',
      ])
      .sort((a, b) => a[0]!.localeCompare(b[0]!))
      .map((p) => p[1]);
    return JSON.stringify(got) === JSON.stringify(want);
  }, bpm);
}

describe('floor dashboard in Chromium', () => {
  let h: Harness;
  let browser: Browser;

  beforeAll(async () => {
    h = await startHarness();
    await h.listen();
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('shows a live tile per member with bpm, zone, readiness and the latest suggestion', async () => {
    const gym1 = await h.token({ role: 'device', floor: 'gym1' });
    const gym2 = await h.token({ role: 'device', floor: 'gym2' });
    for (const [userId, alias, gateway] of [
      ['m1', 'Ada', gym1],
      ['m2', 'Ben', gym1],
      ['m3', 'Cai', gym1],
      ['x1', 'Eve', gym2],
    ]) {
      const res = await h.api.app.inject({
        method: 'POST',
        url: '/v1/sessions',
        headers: { authorization: `Bearer ${gateway}` },
        payload: { userId, alias },
      });
      expect(res.statusCode).toBe(201);
    }

    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const token = await h.token({ role: 'floor', floor: 'gym1' });
    await page.goto(`${h.url}/floor/gym1#token=${token}`);
    await page.waitForSelector('[data-testid="connection"][data-state="connected"]');
    // the token left the address bar
    expect(page.url()).toBe(`${h.url}/floor/gym1`);
    expect(await page.title()).toBe('pulsecoach · floor · gym1');
    await untilBpm(page, ['–', '–', '–']);

    await h.produce('readiness', [
      readiness('m1', 10_000, 121, 2, 80),
      readiness('m2', 10_000, 132, 3, 50),
      readiness('m3', 10_000, 143, 4, 20),
      readiness('x1', 10_000, 99, 1, 90),
    ]);
    await untilBpm(page, ['121', '132', '143']);
    expect(await tiles(page)).toEqual([
      { alias: 'Ada', bpm: '121', zone: 'Z2', zoneClass: 'z2', readiness: '80', band: 'green', suggestion: '' },
      { alias: 'Ben', bpm: '132', zone: 'Z3', zoneClass: 'z3', readiness: '50', band: 'yellow', suggestion: '' },
      { alias: 'Cai', bpm: '143', zone: 'Z4', zoneClass: 'z4', readiness: '20', band: 'red', suggestion: '' },
    ]);

    await h.produce('readiness', [readiness('m2', 20_000, 171, 5, 45)]);
    await untilBpm(page, ['121', '171', '143']);
    expect((await tiles(page))[1]).toMatchObject({ alias: 'Ben', zone: 'Z5', zoneClass: 'z5' });

    const s: Suggestion = {
      suggestionId: 'sg-1',
      userId: 'm2',
      triggerId: 't-1',
      ts: 20_000,
      text: 'Ease to zone 3 for 2 min',
      action: 'reduce_intensity',
      targetZone: 3,
      durationSec: 120,
      locale: 'en',
      source: 'rules',
    };
    await h.produce('suggestions', [s]);
    await page.waitForFunction(() => document.body.textContent?.includes('Ease to zone 3 for 2 min'));
    expect((await tiles(page)).map((t) => t.suggestion)).toEqual(['', 'Ease to zone 3 for 2 min', '']);

    // the transport drops: socket.io reconnects by itself and the page re-renders from `tiles`
    for (const socket of h.api.io.of('/floor').sockets.values()) socket.conn.close();
    await h.produce('readiness', [readiness('m1', 30_000, 125, 2, 81)]);
    await page.waitForSelector('[data-testid="connection"][data-state="connected"]');
    await untilBpm(page, ['125', '171', '143']);
    expect(await page.locator('[data-testid="tile"]').count()).toBe(3);

    // nothing for three live windows: the tiles say so instead of showing the last values as live
    h.api.view.expireStale(performance.now() + 60_000);
    await untilBpm(page, ['–', '–', '–']);
    const staleTiles = page.locator('[data-testid="tile"][data-stale="true"]');
    expect(await staleTiles.count()).toBe(3);
    expect(await page.locator('[data-testid="tile"].stale [data-testid="signal"]').first().textContent()).toMatch(
      /^no signal since .*\d/,
    );
    await h.produce('readiness', [readiness('m3', 40_000, 150, 4, 30)]);
    await untilBpm(page, ['–', '–', '150']);
    expect(await staleTiles.count()).toBe(2);
    expect(await page.locator('[data-user="m3"] [data-testid="signal"]').textContent()).toBe('');
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('says so when the token is refused', async () => {
    const page = await browser.newPage();
    const athlete = await h.token({ role: 'athlete', user: 'm1' });
    await page.goto(`${h.url}/floor/gym1#token=${athlete}`);
    await page.waitForSelector('[data-testid="connection"][data-state="refused"]');
    expect(await page.textContent('[data-testid="connection"]')).toBe(
      'unauthorized: an athlete token may not join /floor',
    );
    await page.close();
  }, 30_000);

  it('comes back by itself after the server restarts, and says the token expired only when it did', async () => {
    const first = await startHarness();
    const url = await first.listen();
    const restarted: Harness[] = [];
    const page = await browser.newPage();
    const pages = [page];
    try {
      await page.goto(`${url}/floor/gym1#token=${await first.token({ role: 'floor', floor: 'gym1' })}`);
      await page.waitForSelector('[data-testid="connection"][data-state="connected"]');
      await first.close(true);
      await page.waitForSelector('[data-testid="connection"]:not([data-state="connected"])');
      expect(await page.textContent('[data-testid="connection"]')).not.toContain('expired');
      const second = await startHarness({ dir: first.dir });
      restarted.push(second);
      await second.listen(Number(new URL(url).port));
      await page.waitForSelector('[data-testid="connection"][data-state="connected"]', { timeout: 20_000 });

      // (another page: one that only changes its URL fragment does not load again)
      const expiring = await browser.newPage();
      pages.push(expiring);
      await expiring.goto(
        `${url}/floor/gym1#token=${await second.signer.sign({ role: 'floor', floor: 'gym1' }, '2s')}`,
      );
      await expiring.waitForSelector('[data-testid="connection"][data-state="refused"]', { timeout: 10_000 });
      expect(await expiring.textContent('[data-testid="connection"]')).toBe(
        'the token has expired: open the page with a new one',
      );
    } finally {
      for (const p of pages) await p.close();
      for (const r of restarted) await r.close();
    }
  }, 60_000);

  it('lets an athlete see their live state and rate a suggestion', async () => {
    await h.produce('readiness', [readiness('m1', 40_000, 133, 3, 77)]);
    await h.produce('suggestions', [
      {
        suggestionId: 'sg-m1',
        userId: 'm1',
        triggerId: 't-2',
        ts: 40_000,
        text: 'Hold this pace for 5 min',
        action: 'hold',
        targetZone: 3,
        durationSec: 300,
        locale: 'en',
        source: 'rules',
      },
    ]);
    await h.api.view.caughtUp();
    const page = await browser.newPage({ viewport: { width: 420, height: 800 } });
    await page.goto(`${h.url}/athlete/m1#token=${await h.token({ role: 'athlete', user: 'm1' })}`);
    await page.waitForSelector('[data-testid="suggestion"]');
    expect(await page.title()).toBe('pulsecoach · m1');
    expect(await page.textContent('[data-testid="bpm"]')).toBe('133');
    expect(await page.textContent('[data-testid="zone"]')).toBe('Z3');
    expect(await page.textContent('[data-testid="readiness"]')).toBe('77');
    expect(await page.textContent('[data-testid="suggestion"]')).toBe('Hold this pace for 5 min');
    await page.click('[data-testid="feedback-up"]');
    await page.waitForSelector('[data-testid="feedback-status"]:has-text("thanks")');
    expect(await h.read('feedback')).toEqual([
      {
        userId: 'm1',
        suggestionId: 'sg-m1',
        ts: expect.any(Number),
        rating: 5,
        rpe: null,
        comment: null,
        followed: null,
      },
    ]);
    h.api.view.expireStale(performance.now() + 60_000);
    await page.waitForSelector('[data-testid="signal"]:has-text("no signal since")');
    expect(await page.textContent('[data-testid="bpm"]')).toBe('–');
    await page.close();
  }, 30_000);
});
