// The built app loads in a real Chromium: it shows its heading, and nothing on the way fails (no console
// error or warning, no uncaught error, no request that fails or 404s).

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
