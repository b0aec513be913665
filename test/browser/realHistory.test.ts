// A real run's history opened read-only (issue 14 §4): the bundled sample (3 processes on PostgreSQL, the
// leader crashed) chosen through the menu's file input shows the read-only banner, the timeline with its
// leadership spans, the event log's entries and the invariants as re-checked in the page; the simulation's
// controls are gone until "Back to the simulation"; a malformed file gets a banner naming what and where and
// the page keeps working; ?history=sample opens the sample; axe-core; screenshots at 390, 1024 and 1440 px.

import { axeViolations } from './support/axe';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { openBrowser, openPage, screenshot, type OpenBrowser } from './support/browser';

const samplePath = new URL('../../public/sample-real-run.json', import.meta.url).pathname;
const sample = JSON.parse(readFileSync(samplePath, 'utf8')) as {
  run: { trace: unknown[] };
  verdicts: { id: string; ok: boolean; skipped?: string }[];
};

let browser: OpenBrowser;

beforeAll(async () => {
  browser = await openBrowser();
});

afterAll(async () => {
  await browser?.close();
});

async function openSimulation(width: number) {
  const opened = await openPage(browser.context, `${inject('baseUrl')}?scenario=leader-crash-failover`);
  await opened.page.setViewportSize({ width, height: 900 });
  await opened.page.getByTestId('real-run-file').waitFor({ state: 'attached', timeout: 30_000 });
  return opened;
}

test('the sample opened through the file input: banner, timeline, event log and the invariants re-checked; back to the simulation', async () => {
  const { page, problems } = await openSimulation(1440);
  await expect.poll(() => page.getByTestId('play').count()).toBeGreaterThan(0);
  await page.getByTestId('real-run-file').setInputFiles(samplePath);

  const banner = page.getByTestId('real-history-banner');
  await banner.waitFor();
  const bannerText = (await banner.textContent()) ?? '';
  expect(bannerText).toMatch(/A real run on PostgreSQL, 3 processes, \d+ s/);
  expect(bannerText).toContain('Read-only: the controls that act on the cluster are off');

  // The simulation's controls that would act on a cluster are not on the page.
  expect(await page.getByTestId('play').count()).toBe(0);
  expect(await page.locator('[data-testid^="crash-"]').count()).toBe(0);

  // The timeline: one row per process, the two leaders' spans (a, then c after the crash), the crash mark.
  const timeline = page.getByTestId('real-history-timeline');
  for (const server of ['a', 'b', 'c']) {
    expect(await timeline.locator('text.row-label', { hasText: new RegExp(`^${server}$`) }).count()).toBe(1);
  }
  expect(await timeline.getByTestId('leader-band').count()).toBe(2);
  expect(await timeline.locator('text.mark.fault').count()).toBeGreaterThanOrEqual(1);

  // The event log: every entry of the file, and the crash among them.
  const rows = page.getByTestId('real-log-row');
  expect(await rows.count()).toBe(sample.run.trace.length);
  expect(await rows.filter({ hasText: 'crash' }).count()).toBeGreaterThanOrEqual(1);
  await page.getByTestId('real-log-type').selectOption('elected');
  expect(await rows.count()).toBe(2);

  // Invariants judged in the page agree with the verdicts the command wrote.
  const invariants = page.getByTestId('real-invariant');
  expect(await invariants.count()).toBe(sample.verdicts.length);
  for (const verdict of sample.verdicts) {
    const expected = !verdict.ok ? 'failed' : verdict.skipped ? 'skipped' : 'held';
    expect(
      await page
        .locator(`[data-testid="real-invariant"][data-id="${verdict.id}"]`)
        .getAttribute('data-state'),
    ).toBe(expected);
  }
  expect(
    await page.locator('[data-testid="real-invariant"][data-state="held"]').count(),
  ).toBeGreaterThanOrEqual(5);

  expect(await axeViolations(page)).toEqual([]);

  await page.getByTestId('back-to-simulation').click();
  await page.getByTestId('play').first().waitFor();
  expect(await page.getByTestId('real-history').count()).toBe(0);
  expect(problems).toEqual([]);
  await page.close();
});

test('a malformed file: a banner says what is wrong and where, and the simulation keeps working', async () => {
  const { page, problems } = await openSimulation(1024);
  await page.getByTestId('play').first().waitFor();
  const bad = JSON.parse(readFileSync(samplePath, 'utf8')) as { run: { trace: { vt: unknown }[] } };
  bad.run.trace[3]!.vt = 'soon';
  await page.getByTestId('real-run-file').setInputFiles({
    name: 'broken-run.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(bad)),
  });
  const error = page.getByTestId('real-run-error');
  await error.waitFor();
  expect(await error.textContent()).toContain(
    "broken-run.json is not a real run's history file. At run.trace[3].vt",
  );
  expect(await error.textContent()).toContain('expected a number, got "soon"');
  expect(await page.getByTestId('real-history').count()).toBe(0);
  // The simulation is still there and still plays.
  await page.getByTestId('play').first().click();
  await expect.poll(() => page.getByTestId('real-run-error').count()).toBe(1);
  await screenshot(page, 'real-history-error-1024');
  expect(await axeViolations(page)).toEqual([]);
  await page.getByRole('button', { name: 'Dismiss the history file error' }).click();
  expect(await error.count()).toBe(0);
  expect(problems).toEqual([]);
  await page.close();
});

for (const width of [390, 1024, 1440]) {
  test(`?history=sample opens the sample; screenshot at ${width} px, nothing scrolls sideways`, async () => {
    const { page, problems } = await openPage(
      browser.context,
      `${inject('baseUrl')}?scenario=leader-crash-failover&history=sample`,
    );
    await page.setViewportSize({ width, height: 900 });
    await page.getByTestId('real-history-banner').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('real-invariant').count()).toBe(sample.verdicts.length);
    const { scrollWidth, innerWidth } = await page.evaluate(() => ({
      scrollWidth: document.scrollingElement!.scrollWidth,
      innerWidth: window.innerWidth,
    }));
    expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
    await screenshot(page, `real-history-${width}`);
    expect(problems).toEqual([]);
    await page.close();
  });
}
