// Issue 11's "Tests and figures": the docs page (docs.html) at a phone's, a docs column's and a desktop's
// width, size messages from a window or origin that is not a playground's, a page of six embeds that start
// only as they are seen, and the keys of an embed not started yet. Real Chromium against the built site.
//
// The figures (time to the first interactive embed, memory of six embeds) are printed, not asserted: they
// depend on the machine and go into the note.

import { readdirSync, readFileSync } from 'node:fs';
import type { Frame, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { openBrowser, openPage, screenshot, type OpenBrowser } from './support/browser';
import { embedFrame, recordWorkers, serverWorkers } from './support/embeds';

let browser: OpenBrowser;

/** The fixture page of six embeds, served from the preview's origin so that it loads /embed.js from there. */
const SIX_PAGE = 'six-embeds.html';
const SIX_SCENARIOS = [
  'three-servers',
  'leader-crash-failover',
  'paused-leader',
  'cron-across-failover',
  'graceful-handover',
  'partitioned-leader',
];

/**
 * `scenarios.length` autoplaying embeds, each after `gapPx` of prose: with a gap of a screen or more, at most
 * one is in view at a time.
 */
function embedsPage(scenarios: string[], gapPx: number): string {
  const prose = `<div class="prose" style="height: ${gapPx}px">Prose between the embeds.</div>`;
  const embeds = scenarios.map(
    (scenario, i) =>
      `${prose}<coordinator-playground id="embed-${i}" scenario="${scenario}" speed="5" controls="crash" autoplay="visible" theme="light"></coordinator-playground>`,
  );
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Embeds</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
<script src="/embed.js" defer></script></head>
<body style="margin: 0 auto; max-width: 700px; font: 16px system-ui">${embeds.join('')}${prose}</body></html>`;
}

/** Two embeds just below the fold of a 700 px viewport: loaded (iframes load lazily), not seen. */
const KEYS_PAGE = 'two-embeds-below.html';

async function serveFixtures(context: OpenBrowser['context']): Promise<void> {
  const pages = {
    [SIX_PAGE]: embedsPage(SIX_SCENARIOS, 1000),
    [KEYS_PAGE]: embedsPage(SIX_SCENARIOS.slice(0, 2), 800),
  };
  for (const [name, body] of Object.entries(pages)) {
    await context.route(`${inject('baseUrl')}${name}`, (route) =>
      route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body }),
    );
  }
}

beforeAll(async () => {
  browser = await openBrowser();
  await recordWorkers(browser.context);
  await serveFixtures(browser.context);
});

afterAll(async () => {
  await browser?.close();
});

/** What the embed in `frame` posts: its content's height, as heightMessage.ts measures it. */
function postedHeight(frame: Frame): Promise<number> {
  return frame.evaluate(() =>
    Math.ceil(document.querySelector('.embed-page')!.getBoundingClientRect().height),
  );
}

function iframeHeight(element: Locator): Promise<number> {
  return element.locator('iframe').evaluate((el) => Math.round(el.getBoundingClientRect().height));
}

/** The sizes that tell whether a document scrolls, sideways or down. */
function scrollSizes(frame: Frame) {
  return frame.evaluate(() => {
    const root = document.documentElement;
    return {
      scrollWidth: root.scrollWidth,
      clientWidth: root.clientWidth,
      scrollHeight: root.scrollHeight,
      clientHeight: root.clientHeight,
    };
  });
}

/** The embed in `frame` has loaded its scenario: its lanes and timeline are there and Step can be pressed. */
async function waitInteractive(frame: Frame, timeout = 60_000): Promise<void> {
  await frame.getByTestId('timeline').waitFor({ timeout });
  await frame.waitForFunction(
    () => {
      const step = document.querySelector<HTMLButtonElement>('[data-testid="step"]');
      return step !== null && !step.disabled;
    },
    undefined,
    { timeout, polling: 50 },
  );
}

for (const width of [360, 700, 1280]) {
  test(`the docs page at ${width} px: every embed fits, sizes itself within a second, and keeps its link in view`, async () => {
    const { page, problems } = await openPage(browser.context, 'about:blank');
    await page.setViewportSize({ width, height: 800 });
    await page.goto(`${inject('baseUrl')}docs.html`, { waitUntil: 'load' });
    const embeds = page.locator('coordinator-playground');
    const count = await embeds.count();
    expect(count).toBeGreaterThanOrEqual(4);

    const firstInView = await embeds.first().evaluate((el) => el.getBoundingClientRect().top < innerHeight);
    for (let i = 0; i < count; i++) {
      const element = embeds.nth(i);
      const name = (await element.getAttribute('scenario')) ?? String(i);
      await element.scrollIntoViewIfNeeded();
      const frame = await embedFrame(page, `coordinator-playground:nth-of-type(${i + 1})`);
      await waitInteractive(frame);
      if (i === 0) {
        const atMs = await page.evaluate(() => performance.now());
        console.log(
          `[docs figures] docs.html at ${width} px: first embed interactive (lanes shown, Step enabled) ${atMs.toFixed(0)} ms after navigation start (${firstInView ? 'in view as loaded' : 'scrolled into view after load'})`,
        );
      }
      // Started: the iframe takes the height the embed posts within a second, and then it scrolls neither way.
      await expect
        .poll(async () => (await iframeHeight(element)) - (await postedHeight(frame)), { timeout: 1_000 })
        .toBe(0);
      const sizes = await scrollSizes(frame);
      expect(sizes.scrollWidth, `${name}: sideways scroll`).toBeLessThanOrEqual(sizes.clientWidth);
      expect(sizes.scrollHeight, `${name}: scroll inside`).toBeLessThanOrEqual(sizes.clientHeight);
      // "Open in the full playground" is shown whole, not cut at the frame's edge.
      const link = frame.getByTestId('open-full');
      expect(await link.isVisible(), `${name}: open-full`).toBe(true);
      const box = await link.evaluate((el) => {
        const rect = el.getBoundingClientRect();
        return { left: rect.left, right: rect.right, width: document.documentElement.clientWidth };
      });
      expect(box.left, `${name}: open-full left edge`).toBeGreaterThanOrEqual(0);
      expect(box.right, `${name}: open-full right edge`).toBeLessThanOrEqual(box.width);
    }

    // All started: still no embed scrolls sideways, nor does the page.
    for (const frame of page.frames().filter((f) => f !== page.mainFrame())) {
      const sizes = await scrollSizes(frame);
      expect(sizes.scrollWidth, frame.url()).toBeLessThanOrEqual(sizes.clientWidth);
    }
    const pageSizes = await scrollSizes(page.mainFrame());
    expect(pageSizes.scrollWidth).toBeLessThanOrEqual(pageSizes.clientWidth);

    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, `docs-${width}`);
    expect(problems).toEqual([]);
    await page.close();
  });
}

test("a size message from another origin is ignored, even from a playground iframe's own window", async () => {
  const base = inject('baseUrl');
  const { page, problems } = await openPage(browser.context, `${base}docs.html`);
  const target = page.locator('coordinator-playground[scenario="three-servers"]');
  await target.scrollIntoViewIfNeeded();
  const targetFrame = await embedFrame(page, 'coordinator-playground[scenario="three-servers"]');
  await waitInteractive(targetFrame);
  await expect.poll(async () => (await iframeHeight(target)) - (await postedHeight(targetFrame))).toBe(0);
  const targetHeight = await iframeHeight(target);

  // An iframe the loader sizes (marked as a playground's), at the playground's origin for now.
  await page.evaluate((src) => {
    const frame = document.createElement('iframe');
    frame.dataset.coordinatorPlayground = '';
    frame.id = 'marked';
    frame.src = src;
    frame.style.cssText = 'display: block; border: 0; height: 100px';
    document.querySelector('main')!.prepend(frame);
  }, `${base}embed.js`);
  const marked = page.locator('#marked');
  const markedFrame = (await (await marked.elementHandle())!.contentFrame())!;
  await markedFrame.waitForLoadState();
  const markedHeight = () => marked.evaluate((el) => Math.round(el.getBoundingClientRect().height));
  const post = (frame: Frame, height: number) =>
    frame.evaluate((height) => {
      parent.postMessage({ type: 'coordinator-playground:height', height }, '*');
      return location.origin;
    }, height);

  // From its own window and origin the message is believed: this is what the refusals below are measured against.
  expect(await post(markedFrame, 123)).toBe(new URL(base).origin);
  await expect.poll(markedHeight).toBe(123);

  // The same window, navigated to another origin of the same server (localhost rather than 127.0.0.1).
  const otherOrigin = base.replace('127.0.0.1', 'localhost');
  await markedFrame.goto(`${otherOrigin}embed.js`);
  expect(await post(markedFrame, 77)).toBe(new URL(otherOrigin).origin);
  // The same window again, now an opaque origin ("null").
  await markedFrame.goto('data:text/html,<p>opaque</p>');
  expect(await post(markedFrame, 88)).toBe('null');
  // A sandboxed srcdoc iframe (origin "null") that the loader would size, posting as a playground would.
  await page.evaluate(() => {
    const frame = document.createElement('iframe');
    frame.dataset.coordinatorPlayground = '';
    frame.id = 'sandboxed';
    frame.sandbox.add('allow-scripts');
    frame.style.cssText = 'display: block; border: 0; height: 100px';
    frame.srcdoc =
      "<script>parent.postMessage({ type: 'coordinator-playground:height', height: 99 }, '*')</script>";
    document.querySelector('main')!.prepend(frame);
  });
  // The playground iframe's height, forged from the page itself and from the sandboxed frame.
  await page.evaluate(() => window.postMessage({ type: 'coordinator-playground:height', height: 44 }, '*'));
  await page.waitForTimeout(700);
  expect(await markedHeight()).toBe(123);
  expect(
    await page.locator('#sandboxed').evaluate((el) => Math.round(el.getBoundingClientRect().height)),
  ).toBe(100);
  expect(await iframeHeight(target)).toBe(targetHeight);
  expect(problems).toEqual([]);
  await page.close();
});

/** The page's main V8 heap after a garbage collection (the host and its same-process iframes), in MB. */
async function jsHeapUsedMb(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics } = await cdp.send('Performance.getMetrics');
  await cdp.detach();
  const used = metrics.find((metric) => metric.name === 'JSHeapUsedSize')?.value ?? Number.NaN;
  return used / 2 ** 20;
}

/**
 * The proportional set size (PSS) of this test's Chromium renderer processes, in MB, read from /proc: they
 * hold the pages, their iframes and their workers (sql.js's memory included), which one V8 heap does not.
 */
function rendererPssMb(): number {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (name) state ppid ...": the name may hold spaces, so read after its closing parenthesis.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // Gone while we looked.
    }
  }
  const ours = new Set([process.pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (!ours.has(pid) && ours.has(ppid)) {
        ours.add(pid);
        grew = true;
      }
    }
  }
  let kb = 0;
  for (const pid of ours) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer')) continue;
      const pss = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      kb += Number(pss?.[1] ?? 0);
    } catch {
      // Gone while we looked.
    }
  }
  return kb / 1024;
}

test('a page of six embeds starts no server worker until one is seen, then each as it is seen, and pauses the one scrolled away', async () => {
  // A browser of its own, so that the renderers measured are this page's only.
  const own = await openBrowser();
  try {
    await recordWorkers(own.context);
    await serveFixtures(own.context);
    for (const other of own.context.pages()) await other.close();
    const { page, problems } = await openPage(own.context, 'about:blank');
    await page.setViewportSize({ width: 760, height: 700 });
    await page.goto(`${inject('baseUrl')}${SIX_PAGE}`, { waitUntil: 'load' });
    const frames: Frame[] = [];
    for (let i = 0; i < SIX_SCENARIOS.length; i++) frames.push(await embedFrame(page, `#embed-${i}`));

    // Loaded and left alone: the first embeds' pages are there (iframes load lazily), and no server worker.
    await frames[0]!.getByTestId('embed-waiting').waitFor();
    await page.waitForTimeout(2_000);
    expect(await serverWorkers(frames)).toBe(0);
    const loaded = frames.filter((frame) => frame.url().startsWith('http')).length;
    const before = { heapMb: await jsHeapUsedMb(page), pssMb: rendererPssMb() };

    let seenAtMs = 0;
    for (let i = 0; i < frames.length; i++) {
      if (i === 0) seenAtMs = await page.evaluate(() => performance.now());
      await page.locator(`#embed-${i}`).scrollIntoViewIfNeeded();
      // A frame made lazily may have been replaced by its real document since it was looked up.
      frames[i] = await embedFrame(page, `#embed-${i}`);
      const frame = frames[i]!;
      await waitInteractive(frame);
      if (i === 0) {
        const atMs = await page.evaluate(() => performance.now());
        console.log(
          `[docs figures] six embeds: the first, scrolled into view ${seenAtMs.toFixed(0)} ms after navigation start, interactive (lanes shown, Step enabled) ${(atMs - seenAtMs).toFixed(0)} ms later`,
        );
      }
      await expect.poll(() => serverWorkers([frame])).toBeGreaterThan(0);
      await expect.poll(() => frame.getByTestId('pause').isVisible()).toBe(true);
      // Only the ones seen so far have started.
      expect(await serverWorkers(frames.slice(i + 1))).toBe(0);
      // The one scrolled away is paused.
      if (i > 0) await expect.poll(() => frames[i - 1]!.getByTestId('play').isVisible()).toBe(true);
    }
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    await expect.poll(() => frames[frames.length - 1]!.getByTestId('play').isVisible()).toBe(true);
    const after = { heapMb: await jsHeapUsedMb(page), pssMb: rendererPssMb() };
    console.log(
      `[docs figures] six embeds, before scrolling (${loaded} of 6 iframes loaded, none started): main JS heap ${before.heapMb.toFixed(1)} MB (CDP Performance.getMetrics JSHeapUsedSize after HeapProfiler.collectGarbage), renderer PSS ${before.pssMb.toFixed(0)} MB (/proc smaps_rollup of the browser's renderer processes)`,
    );
    console.log(
      `[docs figures] six embeds, after scrolling through (all started, all paused): main JS heap ${after.heapMb.toFixed(1)} MB, renderer PSS ${after.pssMb.toFixed(0)} MB; ${await serverWorkers(frames)} server workers`,
    );
    expect(problems).toEqual([]);
    await page.close();
  } finally {
    await own.close();
  }
}, 300_000);

test('Space or "." in an embed not started yet starts it: Space plays, "." steps', async () => {
  const { page, problems } = await openPage(browser.context, 'about:blank');
  await page.setViewportSize({ width: 760, height: 700 });
  await page.goto(`${inject('baseUrl')}${KEYS_PAGE}`, { waitUntil: 'load' });
  const focusUnseen = async (i: number): Promise<Frame> => {
    const frame = await embedFrame(page, `#embed-${i}`);
    await frame.getByTestId('embed-waiting').waitFor();
    // The keys go to the frame with the focus; focusing it does not scroll it into view.
    await page.locator(`#embed-${i} iframe`).evaluate((el: HTMLIFrameElement) => el.contentWindow!.focus());
    return frame;
  };

  const spaced = await focusUnseen(0);
  expect(await serverWorkers([spaced])).toBe(0);
  await page.keyboard.press('Space');
  await expect.poll(() => serverWorkers([spaced])).toBeGreaterThan(0);
  await expect.poll(() => spaced.getByTestId('pause').isVisible()).toBe(true);
  expect(await page.evaluate(() => window.scrollY)).toBe(0);

  const stepped = await focusUnseen(1);
  await page.keyboard.press('.');
  // Started (a key to a page not started did nothing before), shown, and paused after its step.
  await expect.poll(() => serverWorkers([stepped])).toBeGreaterThan(0);
  await waitInteractive(stepped);
  expect(await stepped.getByTestId('play').isVisible()).toBe(true);
  expect(await stepped.getByRole('alert').count()).toBe(0);
  expect(problems).toEqual([]);
  await page.close();
});

test('the full page shows the lesson it was opened with, and its "Link to this run" keeps it', async () => {
  const lesson = 'At 20 s the leader crashes. Watch its lease age pass the timeout line.';
  const { page, problems } = await openPage(
    browser.context,
    `${inject('baseUrl')}?scenario=leader-crash-failover&lesson=${encodeURIComponent(lesson)}`,
  );
  await expect.poll(() => page.getByTestId('lesson').textContent()).toBe(lesson);
  await page.getByTestId('make-link').click();
  const link = new URL(await page.getByTestId('run-link').inputValue());
  expect(link.searchParams.get('lesson')).toBe(lesson);
  expect(problems).toEqual([]);
  await page.close();
});
