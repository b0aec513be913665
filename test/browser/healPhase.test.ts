// Heal and check (issue 10 §4): a bundled scenario played to its end runs the heal-and-check phase
// visibly (a labelled band on the timeline, a line in the invariants panel), and I2 (nothing lost) and I8
// (leadership liveness) get a verdict there: held in the scenario as it is, I2 red with hazard H8 on.
// Screenshots at 1024 and 390 px; axe-core on the page.

import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { axeViolations } from './support/axe';
import { join } from 'node:path';
import { openBrowser, openPage, screenshot, SCREENSHOT_DIR, type OpenBrowser } from './support/browser';
import { invariantState, runTime, waitForRunTime } from './support/playground';

let browser: OpenBrowser;

beforeAll(async () => {
  browser = await openBrowser();
});

afterAll(async () => {
  await browser?.close();
});

/** leader-crash-failover ends at 1:30; its heal-and-check phase follows. */
const END_MS = 90_000;

test('leader-crash-failover played to its end: the phase is labelled, I2 and I8 held', async () => {
  const { page, problems } = await openPage(
    browser.context,
    `${inject('baseUrl')}?test=1&scenario=leader-crash-failover&speed=50&play=1`,
  );
  await page.setViewportSize({ width: 1024, height: 768 });
  const phase = page.getByTestId('heal-phase');
  await phase.waitFor();
  expect(await phase.getAttribute('data-state')).toBe('upcoming');
  expect(await phase.textContent()).toMatch(/At 1:30 the scenario's actions end: every fault is healed/);
  // Before the phase, nothing lost (I2) waits for it and says so.
  expect(await invariantState(page, 'I2')).toBe('skipped');
  expect(await page.getByTestId('invariant-I2').textContent()).toMatch(/heal and check phase/);

  await waitForRunTime(page, END_MS + 1, 90_000);
  await expect.poll(() => phase.getAttribute('data-state'), { timeout: 10_000 }).toMatch(/running|done/);
  const band = page.getByTestId('timeline-heal-phase');
  await expect.poll(() => band.count()).toBe(1);
  // Play stops by itself at the phase's end.
  await expect.poll(() => page.getByTestId('play').isVisible(), { timeout: 90_000 }).toBe(true);
  expect(await phase.getAttribute('data-state')).toBe('done');
  expect(await runTime(page)).toBeGreaterThan(END_MS);
  expect(await page.getByTestId('timeline-heal-label').textContent()).toMatch(/^heal and check/);
  expect(await band.locator('title').textContent()).toMatch(
    /heal and check, 01:30\.000 to .*every fault healed.*time for every job to finish/s,
  );
  expect(await page.getByTestId('ends-at').textContent()).toMatch(/heal and check to/);
  expect(await invariantState(page, 'I2')).toBe('ok');
  expect(await invariantState(page, 'I8')).toBe('ok');
  expect(await phase.textContent()).toMatch(/Heal and check done: every fault healed at 1:30/);
  expect(await axeViolations(page)).toEqual([]);
  for (const width of [1024, 390]) {
    await page.setViewportSize({ width, height: 768 });
    await page.getByTestId('timeline-heal-phase').scrollIntoViewIfNeeded();
    await screenshot(page, `heal-phase-timeline-${width}`);
    await page
      .locator('section', { has: page.getByTestId('timeline-heal-phase') })
      .screenshot({ path: join(SCREENSHOT_DIR, `heal-phase-timeline-only-${width}.png`) });
    await page
      .locator('section', { has: phase })
      .screenshot({ path: join(SCREENSHOT_DIR, `heal-phase-invariants-only-${width}.png`) });
    await phase.scrollIntoViewIfNeeded();
    await screenshot(page, `heal-phase-invariants-${width}`);
  }
  expect(problems).toEqual([]);
  await page.close();
});

test('with H8 on (Try it), nothing lost (I2) turns red in the heal-and-check phase, not before', async () => {
  const { page, problems } = await openPage(browser.context, `${inject('baseUrl')}?test=1&speed=50`);
  await page.setViewportSize({ width: 1024, height: 768 });
  await page.getByTestId('hazard-example-H8').click();
  await expect.poll(() => page.getByTestId('scenario-select').inputValue()).toBe('leader-crash-failover');
  await page.getByTestId('play').click();
  await waitForRunTime(page, END_MS - 1_000, 90_000);
  expect(await invariantState(page, 'I2')).toBe('skipped');
  await expect.poll(() => page.getByTestId('play').isVisible(), { timeout: 90_000 }).toBe(true);
  expect(await page.getByTestId('heal-phase').getAttribute('data-state')).toBe('done');
  expect(await invariantState(page, 'I2')).toBe('violated');
  // Judged at the phase's end, it is dated where the job was lost: the leader's crash at 0:20.
  expect(await page.getByTestId('invariant-I2').textContent()).toMatch(/at\s+00:20/);
  expect(await axeViolations(page)).toEqual([]);
  for (const width of [1024, 390]) {
    await page.setViewportSize({ width, height: 768 });
    await page.getByTestId('heal-phase').scrollIntoViewIfNeeded();
    await screenshot(page, `heal-phase-h8-red-${width}`);
  }
  expect(problems).toEqual([]);
  await page.close();
});
