// Issue 10 §3: a first visit opens lesson 1, and the page loads that one scenario, once: it used to load the
// failover example first and then the lesson over it (two loads, two sets of server workers started).

import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { openBrowser, openPage, type OpenBrowser } from './support/browser';
import { countEngineCalls, engineCalls } from './support/engineCalls';

let browser: OpenBrowser;

beforeAll(async () => {
  browser = await openBrowser();
  await countEngineCalls(browser.context);
});

afterAll(async () => {
  await browser?.close();
});

/** Waits until the page has stood still for a moment (a late second load would have come by then). */
async function settle(page: import('playwright-core').Page): Promise<void> {
  await page.getByTestId('play').waitFor({ timeout: 30_000 });
  await page.waitForTimeout(1_500);
}

test('a first visit loads lesson 1 once, and nothing before it', async () => {
  const { page, problems } = await openPage(browser.context, inject('baseUrl'));
  await page.getByTestId('lesson-panel').waitFor({ timeout: 30_000 });
  expect(await page.locator('#lesson-title').textContent()).toMatch(/^Lesson 1: /);
  await settle(page);
  expect(await engineCalls(page, 'load')).toBe(1);
  expect(problems).toEqual([]);
  await page.close();
});

test('?lesson=2 loads lesson 2 once; a returning visit to the bare page loads the example once', async () => {
  const { page, problems } = await openPage(browser.context, `${inject('baseUrl')}?lesson=2`);
  await page.getByTestId('lesson-panel').waitFor({ timeout: 30_000 });
  expect(await page.locator('#lesson-title').textContent()).toMatch(/^Lesson 2: /);
  await settle(page);
  expect(await engineCalls(page, 'load')).toBe(1);

  // The first visit above was recorded: the bare page is now the plain playground, one load.
  await page.goto(inject('baseUrl'), { waitUntil: 'load' });
  await settle(page);
  expect(await page.getByTestId('lesson-panel').count()).toBe(0);
  expect(await engineCalls(page, 'load')).toBe(1);

  // Opening a lesson from the menu is one more load, not two.
  await page.getByTestId('lessons-button').click();
  await page.getByTestId('lesson-item-3').click();
  await page.getByTestId('lesson-panel').waitFor({ timeout: 30_000 });
  await page.waitForTimeout(1_000);
  expect(await engineCalls(page, 'load')).toBe(2);
  expect(problems).toEqual([]);
  await page.close();
});
