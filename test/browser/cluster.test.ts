// The cluster you can see (issue 10 §1): the status line names the leader, says "no leader" with a
// countdown during a failover, then names the new one; the diagram gives every server's state in words;
// screenshots at 390, 1024 and 1440 px; axe-core on the whole page. The frames per second with eight
// servers at 20x, diagram included, are a figure of `npm run bench -- --browser-only` (bench/browserFrames.ts).

import { axeViolations } from './support/axe';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import type { Page } from 'playwright-core';
import { openBrowser, openPage, screenshot, type OpenBrowser } from './support/browser';
import { waitForLeader, waitForRunTime } from './support/playground';

let browser: OpenBrowser;

beforeAll(async () => {
  browser = await openBrowser();
});

afterAll(async () => {
  await browser?.close();
});

const statusText = (page: Page) => page.getByTestId('cluster-status').locator('.text').textContent();

/** Records the status line's text every 25 ms in the page, so a failover at 20x (under a second) is caught. */
async function recordStatus(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { statusSeen: string[] }).statusSeen = seen;
    setInterval(() => {
      const text = document.querySelector('[data-testid="cluster-status"] .text')?.textContent ?? '';
      if (seen[seen.length - 1] !== text) seen.push(text);
    }, 25);
  });
}

test('during a failover at 20x the status line says there is no leader, counts down, then names the new leader', async () => {
  const { page, problems } = await openPage(
    browser.context,
    `${inject('baseUrl')}?scenario=leader-crash-failover&speed=20&play=1`,
  );
  await page.setViewportSize({ width: 1024, height: 900 });
  await recordStatus(page);
  const first = await waitForLeader(page);
  expect(first).toBe('a');
  await expect.poll(() => statusText(page)).toBe('leader a, term 1');
  await expect.poll(() => page.getByTestId('cluster-node-b').getAttribute('data-state')).toBe('follower');
  expect(await page.getByTestId('cluster-node-b').locator('.word').textContent()).toBe('follower');
  expect(await page.getByTestId('lane-word-b').textContent()).toBe('follower');

  const next = await waitForLeader(page, 'a', 60_000);
  await expect.poll(() => statusText(page)).toBe(`leader ${next}, term 2`);
  expect(await page.getByTestId('cluster-node-a').getAttribute('data-state')).toBe('crashed');
  expect(await page.getByTestId('cluster-node-a').locator('.word').textContent()).toBe('crashed');
  expect(await page.getByTestId(`cluster-node-${next}`).locator('.word').textContent()).toBe('leader');
  expect(await page.getByTestId(`cluster-node-${next}`).locator('.term').textContent()).toBe('★ term 2');

  const seen = await page.evaluate(() => (window as unknown as { statusSeen: string[] }).statusSeen);
  const countdown = seen
    .map((text) => /^no leader for ([\d.]+) s; earliest takeover in ([\d.]+) s$/.exec(text))
    .filter((match) => match !== null)
    .map((match) => ({ for: Number(match[1]), takeover: Number(match[2]) }));
  console.log(
    `status line during the failover at 20x: ${countdown.length} countdown texts, e.g. ${seen.find((t) => t.startsWith('no leader for'))}`,
  );
  expect(countdown.length).toBeGreaterThanOrEqual(2);
  expect(countdown[countdown.length - 1]!.takeover).toBeLessThan(countdown[0]!.takeover);
  expect(countdown[countdown.length - 1]!.for).toBeGreaterThan(countdown[0]!.for);
  // The order: leader a, then no leader, then the new leader.
  const leaderA = seen.indexOf('leader a, term 1');
  const gap = seen.findIndex((text) => text.startsWith('no leader for'));
  const after = seen.indexOf(`leader ${next}, term 2`);
  expect(leaderA).toBeGreaterThanOrEqual(0);
  expect(gap).toBeGreaterThan(leaderA);
  expect(after).toBeGreaterThan(gap);

  // The timeline shades the gap and marks the crash with its own glyph.
  expect(await page.getByTestId('leaderless-gap').count()).toBeGreaterThanOrEqual(1);
  expect(await page.locator('[data-testid="fault-glyph"][data-glyph="crash"]').count()).toBe(1);
  // Lock rows are hidden by default, with a count.
  expect(
    Number((await page.getByTestId('log-hidden-locks').textContent())!.match(/\d+/)![0]),
  ).toBeGreaterThan(0);
  expect(problems).toEqual([]);
  await page.close();
});

test('the diagram mid-failover at 390, 1024 and 1440 px, and axe-core finds no critical or serious violation', async () => {
  const { page, problems } = await openPage(
    browser.context,
    `${inject('baseUrl')}?scenario=leader-crash-failover&test=1`,
  );
  await page.waitForFunction(
    () =>
      (window as unknown as { __playground?: { state: { snapshot: unknown } } }).__playground?.state.snapshot,
  );
  // Straight to 26 s, paused: a loaded machine playing there could overshoot the gap.
  await page.evaluate(() =>
    (
      window as unknown as { __playground: { state: { seek(ms: number): Promise<unknown> } } }
    ).__playground.state.seek(26_000),
  );
  await waitForRunTime(page, 26_000);
  await expect.poll(() => page.getByTestId('cluster-status').getAttribute('data-kind')).toBe('leaderless');
  expect(await statusText(page)).toMatch(/^no leader for [\d.]+ s; earliest takeover in [\d.]+ s$/);
  // b's lease timer says what it counts, and a crashed a has none.
  expect(await page.getByTestId('lane-b').getByTestId('lease-text').textContent()).toMatch(
    /^lease age \d+(\.\d)? s of 15 s$/,
  );
  expect(await page.getByTestId('lane-b').locator('.hint').textContent()).toBe(
    'counted from the last heartbeat it saw; at 15 s it may take over',
  );
  expect(await page.getByTestId('lane-a').getByTestId('lease-text').textContent()).toBe(
    'crashed: it sees no lease',
  );
  expect(await page.getByTestId('cluster-diagram').getAttribute('aria-label')).toMatch(
    /^Cluster of 3 servers and one shared database\. a: crashed, /,
  );
  for (const width of [390, 1024, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    await page.waitForTimeout(300);
    // Nothing wider than the page: the diagram fits a phone.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, `cluster-${width}`);
    await page
      .locator('section.cluster')
      .screenshot({ path: `test-artifacts/screenshots/cluster-${width}-diagram.png` });
  }
  await page.setViewportSize({ width: 1024, height: 900 });
  const violations = await axeViolations(page);
  expect(violations).toEqual([]);
  expect(problems).toEqual([]);
  await page.close();
});
