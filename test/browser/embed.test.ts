// Issue 11: the embed for a docs column (?embed=1), its loader (public/embed.js: auto-height and the
// <coordinator-playground> element) and the docs page (docs.html), in a real Chromium against the built site.

import { axeViolations } from './support/axe';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { openBrowser, openPage, screenshot, type OpenBrowser } from './support/browser';
import { frameOf, recordWorkers, serverWorkers } from './support/embeds';
import { waitForLeader, waitForRunTime } from './support/playground';

let browser: OpenBrowser;

beforeAll(async () => {
  browser = await openBrowser();
  await recordWorkers(browser.context);
});

afterAll(async () => {
  await browser?.close();
});

const EMBED = '?embed=1&scenario=leader-crash-failover&controls=crash,pause&theme=light';

for (const width of [320, 390, 760]) {
  test(`at ${width} px the embed fits with no sideways scroll and shows its controls`, async () => {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width, height: 700 });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
    });
    await page.goto(`${inject('baseUrl')}${EMBED}&speed=20&play=1`);
    await waitForLeader(page);
    await waitForRunTime(page, 3_000);
    const size = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
    }));
    expect(size.scroll).toBeLessThanOrEqual(size.client);
    for (const shown of ['pause', 'step', 'speed', 'run-time', 'open-full', 'timeline', 'crash-a', 'pause-a'])
      expect(await page.getByTestId(shown).isVisible(), shown).toBe(true);
    // Only the named actions: no cut-off, restart, seed or hazards.
    for (const hidden of ['cutoff-a', 'restart-a', 'stop-a', 'heal-all', 'seed', 'event-log', 'hazard-H2'])
      expect(await page.getByTestId(hidden).count(), hidden).toBe(0);
    // The invariants are one line.
    const strip = await page.getByTestId('invariant-strip').boundingBox();
    expect(strip!.height).toBeLessThan(30);
    if (width !== 320) await screenshot(page, `embed-${width}`);
    expect(problems).toEqual([]);
    await page.close();
  });
}

test('"Open in the full playground" opens the run as it is: seed, speed, moment and play state', async () => {
  const { page, problems } = await openPage(browser.context, `${inject('baseUrl')}${EMBED}&speed=5&seed=7`);
  await page.getByTestId('play').click();
  await waitForLeader(page);
  await waitForRunTime(page, 4_000);
  await page.getByTestId('pause').click();
  // A frame already asked for may still land after the click: read the time once it stands still.
  const shownTime = () => page.getByTestId('run-time').getAttribute('data-ms');
  let at: number;
  for (let last = await shownTime(); ;) {
    await page.waitForTimeout(300);
    const now = await shownTime();
    if (now === last) {
      at = Number(now);
      break;
    }
    last = now;
  }
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.getByTestId('open-full').click()]);
  await popup.waitForLoadState();
  const url = new URL(popup.url());
  expect(url.searchParams.get('embed')).toBeNull();
  expect(url.searchParams.get('speed')).toBe('5');
  expect(url.searchParams.get('at')).toBe(String(at));
  expect(url.searchParams.get('play')).toBeNull();
  expect(url.hash).toMatch(/^#run=[\w-]+$/);
  await expect.poll(() => popup.getByTestId('run-time').getAttribute('data-ms')).toBe(String(at));
  expect(await popup.getByTestId('speed').inputValue()).toBe('5');
  expect(await popup.getByTestId('seed').inputValue()).toBe('7');
  // The plain address (middle click, copy link) says the same without the actions.
  const href = new URL((await page.getByTestId('open-full').getAttribute('href'))!);
  expect(Object.fromEntries(href.searchParams)).toMatchObject({
    scenario: 'leader-crash-failover',
    seed: '7',
    speed: '5',
    at: String(at),
  });
  expect(problems).toEqual([]);
  await Promise.all([page.close(), popup.close()]);
});

test('axe finds no critical or serious violation in the embed', async () => {
  const { page } = await openPage(browser.context, `${inject('baseUrl')}${EMBED}&speed=20&play=1`);
  await page.setViewportSize({ width: 390, height: 700 });
  await waitForLeader(page);
  const violations = await axeViolations(page);
  expect(violations).toEqual([]);
  await page.close();
});

test('the docs page starts no server worker until an embed is seen; embeds size themselves and pause when left', async () => {
  const page = await browser.context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
  });
  await page.setViewportSize({ width: 760, height: 300 });
  await page.goto(`${inject('baseUrl')}docs.html`, { waitUntil: 'load' });
  expect(await page.locator('coordinator-playground iframe').count()).toBeGreaterThanOrEqual(4);
  await page.waitForTimeout(2_000);
  expect(await serverWorkers(page.frames())).toBe(0);

  // Seen: it starts, and its iframe takes the height the embed posts.
  const election = page.locator('coordinator-playground[scenario="three-servers"]');
  await election.scrollIntoViewIfNeeded();
  const frame = await frameOf(page, 'three-servers');
  await expect.poll(() => serverWorkers([frame])).toBeGreaterThan(0);
  await frame.getByTestId('timeline').waitFor();
  const posted = () =>
    frame.evaluate(() => Math.ceil(document.querySelector('.embed-page')!.getBoundingClientRect().height));
  const iframeHeight = () =>
    election.locator('iframe').evaluate((el) => Math.round(el.getBoundingClientRect().height));
  await expect.poll(async () => (await iframeHeight()) - (await posted()), { timeout: 1_000 }).toBe(0);

  // A size message from another window (the page itself, an iframe that is not a playground's) is ignored.
  const before = await iframeHeight();
  await page.evaluate(() => {
    window.postMessage({ type: 'coordinator-playground:height', height: 55 }, '*');
    const other = document.createElement('iframe');
    other.srcdoc =
      "<script>parent.postMessage({ type: 'coordinator-playground:height', height: 66 }, '*')</script>";
    document.body.append(other);
  });
  await page.waitForTimeout(500);
  expect(await iframeHeight()).toBe(before);

  // autoplay="visible" plays when seen and pauses when scrolled away.
  const failover = page.locator('coordinator-playground[scenario="leader-crash-failover"]');
  await failover.scrollIntoViewIfNeeded();
  const failoverFrame = await frameOf(page, 'leader-crash-failover');
  await expect.poll(() => failoverFrame.getByTestId('pause').isVisible(), { timeout: 30_000 }).toBe(true);
  await page.locator('#embedding').scrollIntoViewIfNeeded();
  await expect.poll(() => failoverFrame.getByTestId('play').isVisible()).toBe(true);
  await page.setViewportSize({ width: 760, height: 900 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, 'docs-760');
  expect(problems).toEqual([]);
  await page.close();
});

test('the custom element with a bad attribute shows an inline error that names it and what is allowed', async () => {
  const { page } = await openPage(browser.context, `${inject('baseUrl')}docs.html`);
  await page.evaluate(() => {
    const element = document.createElement('coordinator-playground');
    element.id = 'bad';
    element.setAttribute('speed', '7');
    element.setAttribute('controls', 'crash,explode');
    document.querySelector('main')!.prepend(element);
  });
  const error = page.locator('#bad [data-testid="coordinator-playground-error"]');
  await expect.poll(() => error.textContent()).toContain('speed="7" is not allowed: use one of 0.5, 1, 2, 5');
  expect(await error.textContent()).toContain('controls="crash,explode" is not allowed');
  expect(await page.locator('#bad iframe').count()).toBe(0);
  await page.close();
});

for (const width of [640, 360]) {
  test(`at ${width} px the embed's lanes use the page's state words and "lease age X s of 15 s"`, async () => {
    const { page, problems } = await openPage(
      browser.context,
      `${inject('baseUrl')}${EMBED}&speed=20&play=1`,
    );
    await page.setViewportSize({ width, height: 700 });
    const leader = await waitForLeader(page);
    const words = () =>
      page.locator('[data-testid^="lane-word-"]').evaluateAll((els) => els.map((el) => el.textContent));
    await expect.poll(async () => (await words()).filter((word) => word === 'follower').length).toBe(2);
    expect(await words()).toContain('leader');
    const text = (await page.locator('.embed-page').innerText()).toLowerCase();
    expect(text).not.toContain('running');
    // A follower's view of the lease, counted against the timeout.
    const follower = (await page
      .locator('[data-testid^="lane-"][data-status="running"]')
      .first()
      .getAttribute('data-testid'))!;
    await expect
      .poll(() => page.getByTestId(follower).getByTestId('lease-text').textContent())
      .toMatch(/^lease age \d+(\.\d)? s of 15 s$/);
    // What the count is, said once under the lanes rather than in each.
    expect(await page.getByTestId('lease-hint').textContent()).toContain('at 15 s a follower may take over');
    expect(await page.locator('.embed-page .hint').count()).toBe(0);
    await screenshot(page, `embed-words-${width}`);
    // The crashed leader says so and counts nothing.
    await page.getByTestId(`crash-${leader}`).click();
    await expect.poll(() => page.getByTestId(`lane-word-${leader}`).textContent()).toBe('crashed');
    expect(await page.getByTestId(`lane-${leader}`).getByTestId('lease-text').textContent()).toBe(
      'crashed: it sees no lease',
    );
    await screenshot(page, `embed-words-crashed-${width}`);
    expect(await axeViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });
}
