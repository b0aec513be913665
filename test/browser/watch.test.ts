// "What to watch" (issue 10 §4): leader-crash-failover played at 20x; its checklist ticks each item as the
// run shows it (✓ and "seen at m:ss" in words, not colour alone). Screenshots at 390 and 1440 px; axe-core on
// the list.

import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { axeViolations } from './support/axe';
import { openBrowser, openPage, screenshot, type OpenBrowser } from './support/browser';

let browser: OpenBrowser;

beforeAll(async () => {
  browser = await openBrowser();
});

afterAll(async () => {
  await browser?.close();
});

test('the checklist ticks off from the trace as the run plays', async () => {
  const { page, problems } = await openPage(
    browser.context,
    `${inject('baseUrl')}?test=1&scenario=leader-crash-failover&speed=20&play=1`,
  );
  await page.setViewportSize({ width: 1440, height: 900 });
  const list = page.getByTestId('watch-list');
  await list.waitFor();
  const items = list.getByRole('listitem');
  expect(await items.count()).toBe(4);
  // The crash at 0:20 ticks first, dated by its trace entry; then the new leader, I5, a's restart at 1:00.
  const first = items.nth(0);
  await expect.poll(() => first.textContent(), { timeout: 60_000 }).toMatch(/✓.*seen at 0:20/s);
  await expect.poll(() => list.textContent(), { timeout: 90_000 }).toMatch(/4 of 4 seen/);
  expect(await items.nth(3).textContent()).toMatch(/seen at 1:00/);
  expect(await list.locator('li[data-seen="true"]').count()).toBe(4);
  expect(await axeViolations(page, ['[data-testid="watch-list"]'])).toEqual([]);
  for (const width of [1440, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await list.scrollIntoViewIfNeeded();
    await screenshot(page, `watch-${width}`);
  }
  // Scrubbed back to 0:10: the items untick, and the timeline greys the recorded future and says so.
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.evaluate(() =>
    (
      window as unknown as { __playground: { state: { seek(ms: number): Promise<unknown> } } }
    ).__playground.state.seek(10_000),
  );
  await expect.poll(() => list.textContent()).toMatch(/0 of 4 seen/);
  const future = page.getByTestId('timeline-future');
  await expect.poll(() => future.textContent()).toMatch(/recorded future/);
  expect(await axeViolations(page, ['[data-testid="watch-list"]'])).toEqual([]);
  await screenshot(page, 'watch-scrubbed-1440');
  expect(problems).toEqual([]);
});
