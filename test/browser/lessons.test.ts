// The lessons played as a learner plays them, through the page's own controls (Play, a lane's Crash or
// Pause, a hazard's switch, the lesson panel's question and Next), each step seen checked by the page; a
// wrong move seen explained; axe-core on every lesson; screenshots of every lesson at 1440 and 390 px; and
// the figure of a newcomer: clicks and seconds from the first load to the first failover they see.

import { axeViolations } from './support/axe';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import type { Page } from 'playwright-core';
import { join } from 'node:path';
import { openBrowser, openPage, screenshot, SCREENSHOT_DIR, type OpenBrowser } from './support/browser';
import { waitForLeader, waitForRunTime } from './support/playground';

let browser: OpenBrowser;

beforeAll(async () => {
  browser = await openBrowser();
});

afterAll(async () => {
  await browser?.close();
});

/** Counts what the learner does: each click on the page. */
class Clicks {
  count = 0;
  constructor(readonly page: Page) {}
  async click(testId: string): Promise<void> {
    this.count += 1;
    await this.page.getByTestId(testId).click();
  }
}

async function status(page: Page): Promise<string | null> {
  return page.getByTestId('lesson-status').getAttribute('data-status');
}

async function waitForStatus(page: Page, wanted: 'done' | 'wrong', timeout = 90_000): Promise<void> {
  await page.waitForFunction(
    (wanted) =>
      document.querySelector('[data-testid="lesson-status"]')?.getAttribute('data-status') === wanted,
    wanted,
    { timeout, polling: 100 },
  );
}

async function ensurePlaying(clicks: Clicks): Promise<void> {
  if (await clicks.page.getByTestId('play').isVisible()) await clicks.click('play');
}

/** A running server that does not lead (and, if asked, runs a job or none), from the lanes and the state. */
async function serverWhere(page: Page, what: 'follower' | 'busy' | 'idle'): Promise<string> {
  const handle = await page.waitForFunction(
    (what) => {
      const state = (window as unknown as { __playground: { state: { snapshot: { servers: Server[] } } } })
        .__playground.state;
      type Server = { id: string; leader: boolean; process: string; paused: boolean; runningJobs: unknown[] };
      const server = state.snapshot.servers.find(
        (s) =>
          s.process === 'running' &&
          !s.paused &&
          (what === 'follower'
            ? !s.leader
            : what === 'busy'
              ? s.runningJobs.length > 0
              : s.runningJobs.length === 0),
      );
      return server?.id ?? null;
    },
    what,
    { timeout: 30_000, polling: 50 },
  );
  return (await handle.jsonValue()) as string;
}

function axeOnLesson(page: Page): Promise<string[]> {
  return axeViolations(page, ['[data-testid="lesson-panel"]', '.lesson-menu']);
}

/** Opens lesson `n` by its address; screenshots it at 1440 and 390 px; axe on it. */
async function openLesson(
  n: number,
  speed = 20,
): Promise<{ page: Page; problems: string[]; clicks: Clicks }> {
  const { page, problems } = await openPage(
    browser.context,
    `${inject('baseUrl')}?test=1&lesson=${n}&speed=${speed}`,
  );
  await page.setViewportSize({ width: 1440, height: 1000 });
  await page.getByTestId('lesson-panel').waitFor({ timeout: 30_000 });
  expect(await page.locator('#lesson-title').textContent()).toMatch(new RegExp(`^Lesson ${n}: `));
  expect(await status(page)).toBe('waiting');
  // The title reads as a sentence, not in the panels' capitals; a disabled Next says why.
  expect(await page.locator('#lesson-title').evaluate((title) => getComputedStyle(title).textTransform)).toBe(
    'none',
  );
  expect(await page.getByTestId('lesson-next-why').textContent()).toMatch(/once every check above is ticked/);
  await screenshot(page, `lessons-${n}-1440`);
  await page.setViewportSize({ width: 390, height: 900 });
  await page.waitForTimeout(200);
  expect(
    await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
  ).toBeLessThanOrEqual(0);
  await screenshot(page, `lessons-${n}-390`);
  // What a phone shows first: the lesson above the cluster, without scrolling.
  await page.screenshot({ path: await screenshot(page, `lessons-${n}-390-top`), fullPage: false });
  await page.setViewportSize({ width: 1440, height: 1000 });
  expect(await axeOnLesson(page)).toEqual([]);
  await panelShot(page, 'start');
  return { page, problems, clicks: new Clicks(page) };
}

/** The lesson panel alone, as the learner reads it: `lessons-N-step-K-<state>.png`. */
async function panelShot(page: Page, state: string): Promise<void> {
  const title = (await page.locator('#lesson-title').textContent()) ?? '';
  const step = (await page.getByTestId('lesson-step').textContent()) ?? '';
  const n = /^Lesson (\d+)/.exec(title)?.[1] ?? 'x';
  const k = /Step (\d+)/.exec(step)?.[1] ?? 'x';
  await page
    .getByTestId('lesson-panel')
    .screenshot({ path: join(SCREENSHOT_DIR, `lessons-${n}-step-${k}-${state}.png`) });
}

async function next(clicks: Clicks): Promise<void> {
  await panelShot(clicks.page, 'done');
  const step = await clicks.page.getByTestId('lesson-step').textContent();
  await clicks.click('lesson-next');
  await clicks.page.waitForFunction(
    (step) => document.querySelector('[data-testid="lesson-step"]')?.textContent !== step,
    step,
  );
  await panelShot(clicks.page, 'start');
}

async function hit(
  clicks: Clicks,
  action: 'crash' | 'stop' | 'pause' | 'resume' | 'restart',
  server: string,
) {
  await clicks.click(`${action}-${server}`);
}

async function setHazard(clicks: Clicks, code: string, on: boolean): Promise<void> {
  const box = clicks.page.getByTestId(`hazard-${code}`);
  if ((await box.isChecked()) !== on) {
    clicks.count += 1;
    await box.click();
    await clicks.page.waitForFunction(
      ([code, on]) =>
        (document.querySelector(`[data-testid="hazard-${code}"]`) as HTMLInputElement).checked === on,
      [code, on] as const,
    );
  }
}

async function predict(clicks: Clicks, answer: string): Promise<void> {
  await clicks.page.getByTestId('lesson-answer').fill(answer);
  await clicks.click('lesson-lock');
  await clicks.page.getByTestId('lesson-locked').waitFor();
}

async function finish(page: Page, problems: string[], n: number): Promise<void> {
  await page.getByTestId('lesson-complete').waitFor();
  await panelShot(page, 'done');
  await screenshot(page, `lessons-${n}-done-1440`);
  expect(problems).toEqual([]);
  await page.close();
}

test('lesson 1: play, watch a leader appear and its heartbeats; the glossary word opens its definition', async () => {
  const { page, problems, clicks } = await openLesson(1);
  await ensurePlaying(clicks);
  await waitForStatus(page, 'done');
  await next(clicks);
  // The glossary: a marked word is a button; Enter opens its definition, Escape closes it.
  const word = page.locator('[data-term="lease"]').first();
  await word.focus();
  await page.keyboard.press('Enter');
  expect(await page.getByTestId('definition').textContent()).toMatch(/database’s clock/);
  await panelShot(page, 'glossary');
  await page.keyboard.press('Escape');
  expect(await page.getByTestId('definition').count()).toBe(0);
  await waitForStatus(page, 'done');
  await next(clicks);
  await waitForStatus(page, 'done');
  await finish(page, problems, 1);
}, 180_000);

test('lesson 2: crashing a follower is explained; predict, crash the leader, and the prediction is judged', async () => {
  const { page, problems, clicks } = await openLesson(2);
  await ensurePlaying(clicks);
  await waitForStatus(page, 'done');
  await next(clicks);
  // Lock in with nothing typed says what is missing.
  await clicks.click('lesson-lock');
  expect(await page.getByTestId('lesson-lock-problem').textContent()).toMatch(/Type a number of seconds/);
  // Wrong first: a follower.
  await predict(clicks, '17');
  await panelShot(page, 'locked');
  await waitForLeader(page);
  await hit(clicks, 'crash', await serverWhere(page, 'follower'));
  await waitForStatus(page, 'wrong');
  expect(await page.getByTestId('lesson-wrong').textContent()).toMatch(/follower/);
  expect(await page.getByTestId('lesson-next-why').textContent()).toMatch(/reset the run/);
  await screenshot(page, 'lessons-2-wrong-1440');
  await panelShot(page, 'wrong');
  await clicks.click('lesson-retry');
  await page.waitForFunction(
    () => document.querySelector('[data-testid="lesson-status"]')?.getAttribute('data-status') !== 'wrong',
  );
  await ensurePlaying(clicks);
  const leader = await waitForLeader(page);
  await hit(clicks, 'crash', leader);
  await waitForStatus(page, 'done');
  expect(await page.getByTestId('lesson-verdict').textContent()).toMatch(
    /you predicted 17 s; the checker measured \d+\.\d s/,
  );
  // The checklist says what the learner did in words, and the prompt says where the checker counts from.
  expect(await page.getByTestId('lesson-check').allTextContents()).toEqual([
    expect.stringMatching(/^✓ you crashed the leader/),
    expect.stringMatching(/^✓ an “elected” entry in the log after your action/),
    expect.stringMatching(/^✓ I5 holds/),
  ]);
  expect(await page.getByTestId('lesson-question').textContent()).toMatch(/last heartbeat/);
  await next(clicks);
  await hit(clicks, 'restart', leader);
  await waitForStatus(page, 'done');
  await finish(page, problems, 2);
}, 180_000);

test('lesson 3: a stop hands over; with H1 on the same stop turns I6 red', async () => {
  const { page, problems, clicks } = await openLesson(3);
  await ensurePlaying(clicks);
  await hit(clicks, 'stop', await waitForLeader(page));
  await waitForStatus(page, 'done');
  await next(clicks);
  await setHazard(clicks, 'H1', true);
  await hit(clicks, 'stop', await waitForLeader(page));
  await waitForStatus(page, 'done');
  expect(await page.getByTestId('invariant-I6').getAttribute('data-state')).toBe('violated');
  await finish(page, problems, 3);
}, 180_000);

test('lesson 4: pause the leader, resume it, and see it fenced and step down', async () => {
  const { page, problems, clicks } = await openLesson(4);
  await ensurePlaying(clicks);
  const leader = await waitForLeader(page);
  await hit(clicks, 'pause', leader);
  await waitForStatus(page, 'done');
  await next(clicks);
  await hit(clicks, 'resume', leader);
  await waitForStatus(page, 'done');
  await finish(page, problems, 4);
}, 180_000);

test('lesson 5: skewed clocks fail over on time; with H2 on, I3 goes red', async () => {
  const { page, problems, clicks } = await openLesson(5);
  await ensurePlaying(clicks);
  await hit(clicks, 'crash', await waitForLeader(page));
  await waitForStatus(page, 'done');
  await next(clicks);
  await setHazard(clicks, 'H2', true);
  await ensurePlaying(clicks);
  await hit(clicks, 'crash', await waitForLeader(page));
  await waitForStatus(page, 'done');
  await finish(page, problems, 5);
}, 180_000);

test('lesson 6: cron exactly once across a failover, with a choice predicted first', async () => {
  const { page, problems, clicks } = await openLesson(6);
  await ensurePlaying(clicks);
  await waitForStatus(page, 'done');
  await next(clicks);
  await clicks.click('lesson-lock');
  expect(await page.getByTestId('lesson-lock-problem').textContent()).toMatch(/Pick one of the answers/);
  clicks.count += 1;
  await page.getByLabel('Each fires once, late').check();
  await clicks.click('lesson-lock');
  await hit(clicks, 'crash', await waitForLeader(page));
  await waitForStatus(page, 'done');
  expect(await page.getByTestId('lesson-verdict').textContent()).toMatch(/^Right/);
  await finish(page, problems, 6);
}, 180_000);

test('lesson 7: crashing an idle server is explained; crashing a busy one brings its jobs back', async () => {
  const { page, problems, clicks } = await openLesson(7);
  await ensurePlaying(clicks);
  await waitForStatus(page, 'done');
  await next(clicks);
  // Paused while choosing, as a learner reading the lanes would be: the 20 s jobs are still running.
  if (await page.getByTestId('pause').isVisible()) await clicks.click('pause');
  await hit(clicks, 'crash', await serverWhere(page, 'idle'));
  await ensurePlaying(clicks);
  await waitForStatus(page, 'wrong');
  await panelShot(page, 'wrong');
  expect(await page.getByTestId('lesson-wrong').textContent()).toMatch(/running nothing/);
  await clicks.click('lesson-retry');
  await ensurePlaying(clicks);
  await waitForRunTime(page, 5_000);
  await clicks.click('pause');
  await hit(clicks, 'crash', await serverWhere(page, 'busy'));
  await ensurePlaying(clicks);
  await waitForStatus(page, 'done');
  await finish(page, problems, 7);
}, 180_000);

test('lesson 8: break I3 with H4 and H5 on; switching H4 off is explained; with both off the same move cannot', async () => {
  const { page, problems, clicks } = await openLesson(8);
  await setHazard(clicks, 'H4', false);
  await waitForStatus(page, 'wrong');
  expect(await page.getByTestId('lesson-wrong').textContent()).toMatch(/switched H4 off/);
  await panelShot(page, 'wrong');
  await setHazard(clicks, 'H4', true);
  await ensurePlaying(clicks);
  const leader = await waitForLeader(page);
  await hit(clicks, 'pause', leader);
  await waitForLeader(page, leader);
  await hit(clicks, 'resume', leader);
  await waitForStatus(page, 'done');
  expect(await page.getByTestId('invariant-I3').getAttribute('data-state')).toBe('violated');
  await next(clicks);
  await setHazard(clicks, 'H4', false);
  await setHazard(clicks, 'H5', false);
  await ensurePlaying(clicks);
  const second = await waitForLeader(page);
  await hit(clicks, 'pause', second);
  await waitForLeader(page, second);
  await hit(clicks, 'resume', second);
  await waitForStatus(page, 'done');
  expect(await page.getByTestId('invariant-I3').getAttribute('data-state')).toBe('ok');
  // The last lesson has no next one: it says so and where the lessons are.
  expect(await page.getByTestId('lesson-all-done').textContent()).toMatch(
    /That was the last lesson[^]*Lessons menu/,
  );
  await finish(page, problems, 8);
}, 180_000);

test('a first visit opens lesson 1; a returning one does not, and the menu marks the lessons done', async () => {
  // This browser's profile saw the lessons above: forget them, as a newcomer's browser has nothing.
  const { page } = await openPage(browser.context, `${inject('baseUrl')}?test=1`);
  await page.evaluate(() => localStorage.clear());
  try {
    const started = Date.now();
    await page.goto(inject('baseUrl') as string, { waitUntil: 'load' });
    await page.setViewportSize({ width: 1440, height: 1000 });
    await page.getByTestId('lesson-panel').waitFor({ timeout: 30_000 });
    expect(await page.locator('#lesson-title').textContent()).toMatch(/^Lesson 1: /);
    await screenshot(page, 'lessons-first-visit-1440');
    // The newcomer follows the lessons at the page's own speed, to the first failover they see.
    const clicks = new Clicks(page);
    await ensurePlaying(clicks);
    for (let step = 0; step < 3; step++) {
      await waitForStatus(page, 'done');
      if (step < 2) await next(clicks);
    }
    // The complete lesson names the next one on its button.
    await page
      .getByTestId('lesson-next-lesson')
      .getByText(/Crash the leader/)
      .waitFor();
    expect(await page.getByTestId('lesson-complete').textContent()).toMatch(
      /Lesson 1 complete: all 3 steps checked\..*Next: Lesson 2: Crash the leader, predict the takeover/,
    );
    await clicks.click('lesson-next-lesson');
    await page.waitForFunction(() =>
      /^Lesson 2: /.test(document.querySelector('#lesson-title')?.textContent ?? ''),
    );
    await ensurePlaying(clicks);
    await waitForStatus(page, 'done');
    await next(clicks);
    await predict(clicks, '18');
    const leader = await waitForLeader(page);
    await hit(clicks, 'crash', leader);
    await waitForLeader(page, leader, 60_000);
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `newcomer, first load to first observed failover (lessons 1 then 2, speed 1x): ${clicks.count} clicks, ${seconds.toFixed(1)} s wall`,
    );
    await waitForStatus(page, 'done');
    // Back again: the plain playground, with the lessons in the top bar, lesson 1 marked done.
    const again = await browser.context.newPage();
    await again.goto(inject('baseUrl') as string, { waitUntil: 'load' });
    await again.getByTestId('play').waitFor({ timeout: 30_000 });
    await again.waitForTimeout(500);
    expect(await again.getByTestId('lesson-panel').count()).toBe(0);
    await again.getByTestId('lessons-button').click();
    await again.getByTestId('lesson-item-1').getByText('What a heartbeat lease is').waitFor();
    expect(await again.getByTestId('lesson-item-1').textContent()).toMatch(
      /✓.*What a heartbeat lease is.*\(done\)/,
    );
    expect(await again.getByTestId('lesson-item-2').textContent()).not.toMatch(/✓/);
    // Each lesson in the menu says what it teaches.
    expect(await again.getByTestId('lesson-item-2').textContent()).toMatch(
      /How long until someone else leads\?/,
    );
    await screenshot(again, 'lessons-menu-1440');
    await again.close();
  } finally {
    await page.close();
  }
}, 240_000);

test('?lesson= with an unknown name says so and lists the lessons; caption text stays a caption', async () => {
  const { page, problems } = await openPage(browser.context, `${inject('baseUrl')}?test=1&lesson=nope`);
  await page.getByText('there is no lesson "nope"').waitFor({ timeout: 30_000 });
  expect(await page.getByText(/The lessons are 1 \(heartbeat-lease\), 2 \(crash-the-leader\)/).count()).toBe(
    1,
  );
  expect(await page.getByTestId('lesson-panel').count()).toBe(0);
  await page.goto(`${inject('baseUrl')}?test=1&lesson=${encodeURIComponent('Watch the lease expire')}`);
  await page.getByTestId('lesson').waitFor({ timeout: 30_000 });
  expect(await page.getByTestId('lesson').textContent()).toBe('Watch the lease expire');
  expect(problems).toEqual([]);
  await page.close();
});
