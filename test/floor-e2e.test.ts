import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, startServer, stopServer, type Server } from './support.ts';

/**
 * What a person sees after `npm start`: the demo floor page in a real (headless) Chromium shows
 * a live tile for each of the 24 simulated athletes, heart rates change, and a suggestion appears.
 */
describe('npm start: the demo gym floor in a browser', () => {
  let server: Server;
  let browser: Browser;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'pulse-e2e-'));
    server = await startServer(['start', '--port', '0', '--data-dir', dataDir]);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (server) expect(await stopServer(server)).toBe(0);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the floor, coach and athlete URLs with tokens and a device token', () => {
    const out = server.output();
    expect(out).toMatch(/gym floor: +http:\/\/127\.0\.0\.1:\d+\/floor\/demo#token=[\w-]+\.[\w-]+\.[\w-]+/);
    expect(out).toMatch(/coach: +http:\/\/127\.0\.0\.1:\d+\/coach\/demo#token=/);
    expect(out).toMatch(/athlete: +http:\/\/127\.0\.0\.1:\d+\/athlete\/[\w.:-]+#token=/);
    expect(out).toMatch(/device token for POST/);
  });

  it('shows 24 live tiles whose heart rates change, and a suggestion', async () => {
    const floorUrl = /gym floor: +(\S+)/.exec(server.output())![1]!;
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await page.goto(floorUrl);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="tile"]').length === 24, null, {
      timeout: 60_000,
    });
    const readBpm = () =>
      page.$$eval('[data-testid="tile"] [data-testid="bpm"]', (els) => els.map((e) => e.textContent?.trim() ?? ''));
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('[data-testid="tile"] [data-testid="bpm"]')].filter((e) =>
          /^\d+$/.test(e.textContent?.trim() ?? ''),
        ).length >= 12,
      null,
      { timeout: 60_000 },
    );
    const first = await readBpm();
    await page.waitForFunction(
      (before) =>
        [...document.querySelectorAll('[data-testid="tile"] [data-testid="bpm"]')].some(
          (e, i) => /^\d+$/.test(e.textContent?.trim() ?? '') && e.textContent?.trim() !== before[i],
        ),
      first,
      { timeout: 60_000 },
    );
    const second = await readBpm();
    expect(second).not.toEqual(first);
    for (const bpm of second.filter((b) => /^\d+$/.test(b))) {
      expect(Number(bpm)).toBeGreaterThanOrEqual(20);
      expect(Number(bpm)).toBeLessThanOrEqual(250);
    }
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('[data-testid="tile"] [data-testid="suggestion"]')].some(
          (e) => (e.textContent?.trim().length ?? 0) > 10,
        ),
      null,
      { timeout: 240_000 },
    );
    const suggestions = await page.$$eval('[data-testid="tile"] [data-testid="suggestion"]', (els) =>
      els.map((e) => e.textContent?.trim() ?? '').filter((t) => t.length > 0),
    );
    expect(suggestions.length).toBeGreaterThan(0);
    expect(suggestions.filter((s) => s.length > 140)).toEqual([]);
    await page.screenshot({ path: join(dataDir, 'floor.png') });
    await page.close();
  }, 300_000);
});
