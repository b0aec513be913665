// The built app loads in a real Chromium: it shows its heading, and nothing on the way fails (no console
// error or warning, no uncaught error, no request that fails or 404s).

import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { openBrowser, openPage, screenshot, type OpenBrowser } from './support/browser';

let browser: OpenBrowser;

beforeAll(async () => {
  browser = await openBrowser();
});

afterAll(async () => {
  await browser?.close();
});

test('the built app shows its heading, with no errors and no failed requests', async () => {
  const { page, problems } = await openPage(browser.context, inject('baseUrl'));

  const heading = page.locator('h1');
  await heading.waitFor({ state: 'visible', timeout: 10_000 });
  expect(await heading.count()).toBe(1);
  expect((await heading.textContent())?.trim()).toBeTruthy();
  // The page's scripts ran: the heading is Svelte's, mounted into #app, not static HTML.
  expect(await page.locator('#app h1').count()).toBe(1);

  await screenshot(page, 'smoke');
  expect(problems).toEqual([]);
});

test("the page's own bundle leaves the simulation to the workers (it loads the in-page engine only on demand)", () => {
  const assets = new URL('../../site/assets/', import.meta.url);
  const files = readdirSync(assets).filter((file) => file.endsWith('.js'));
  const page = files.find((file) => file.startsWith('index-'))!;
  const worker = files.find((file) => file.startsWith('conductor.worker-'))!;
  // `UPDATE distributedJobs` is written only in the coordinator's statements (src/core/distributed/sql):
  // where it is, the coordinator is. (The page does carry the table's name, for its database panel.)
  const marker = 'UPDATE distributedJobs';
  expect(readFileSync(new URL(worker, assets), 'utf8')).toContain(marker);
  expect(readFileSync(new URL(page, assets), 'utf8')).not.toContain(marker);
});
