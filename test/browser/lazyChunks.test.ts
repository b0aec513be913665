// The parts of the page split off its first paint (issue 13, Page): the hazards panel, the scenario menu, the
// lesson panel, the embed and a real run's history are chunks fetched by import() (src/ui/components/
// Lazy.svelte). A returning visit to the bare page fetches none of the lesson, embed or history code; a
// slow chunk shows a loading line where its panel goes; a chunk that fails to load says which part and
// why, the rest of the page keeps working, and "Try again" loads it once the network is back.

import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import type { Page, Route } from 'playwright-core';
import { axeViolations } from './support/axe';
import { openBrowser, screenshot, type OpenBrowser } from './support/browser';

let browser: OpenBrowser;

beforeAll(async () => {
  browser = await openBrowser();
});

afterAll(async () => {
  await browser?.close();
});

const HAZARDS_CHUNK = '**/assets/HazardSwitches-*.js';

/** A page whose lesson progress says it was here before: no lesson opens by itself. */
async function returningPage(width = 1024): Promise<{ page: Page; chunks: string[] }> {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width, height: 800 });
  await page.addInitScript(() =>
    localStorage.setItem('coordinator-playground.lessons.v1', JSON.stringify({ done: [], visited: true })),
  );
  const chunks: string[] = [];
  page.on('request', (request) => {
    const match = /\/assets\/([^/?#]+)\.js/.exec(request.url());
    if (match) chunks.push(match[1]!);
  });
  return { page, chunks };
}

test('a returning visit fetches no lesson, embed or history code; a slow hazards chunk shows a loading line, then the panel', async () => {
  const { page, chunks } = await returningPage();
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  await page.route(HAZARDS_CHUNK, async (route: Route) => {
    await released;
    await route.continue();
  });
  await page.goto(`${inject('baseUrl')}`);
  const loading = page.getByTestId('hazards-chunk-loading');
  await expect.poll(() => loading.textContent(), { timeout: 30_000 }).toBe('Loading the hazards panel…');
  expect(await loading.getAttribute('role')).toBe('status');
  // The rest of the page is there meanwhile.
  await expect.poll(() => page.getByTestId('play').count()).toBeGreaterThan(0);
  release();
  await expect.poll(() => page.getByTestId('hazard-H1').count()).toBe(1);
  expect(await loading.count()).toBe(0);

  const names = chunks.map((name) => name.replace(/-[\w-]{8}$/, ''));
  expect(names).toContain('HazardSwitches');
  for (const absent of ['LessonPanel', 'EmbedPage', 'HistoryPage', 'historyFile', 'inPageEngine'])
    expect(names, `${absent} is fetched only when it is used`).not.toContain(absent);
  await page.close();
});

test('a hazards chunk that fails to load says so in its place, the page goes on, and Try again loads it', async () => {
  const { page } = await returningPage();
  let failing = true;
  await page.route(HAZARDS_CHUNK, (route: Route) =>
    failing ? route.abort('internetdisconnected') : route.continue(),
  );
  await page.goto(`${inject('baseUrl')}`);
  const error = page.getByTestId('hazards-chunk-error');
  await expect.poll(() => error.count(), { timeout: 30_000 }).toBe(1);
  expect(await error.getAttribute('role')).toBe('alert');
  expect(await error.textContent()).toMatch(/The hazards panel could not be loaded: .+\./);

  // The simulation is untouched: it plays.
  await page.getByTestId('play').click();
  await expect
    .poll(() => page.getByTestId('run-time').getAttribute('data-ms').then(Number))
    .toBeGreaterThan(0);
  await screenshot(page, 'lazy-chunk-error-1024');
  expect(await axeViolations(page, ['#hazards'])).toEqual([]);

  failing = false;
  await error.getByRole('button', { name: 'Try again' }).click();
  await expect.poll(() => page.getByTestId('hazard-H1').count()).toBe(1);
  expect(await error.count()).toBe(0);
  await page.close();
});
