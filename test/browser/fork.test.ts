// Forking that warns (issue 10 §5): scrubbed back, the page greys the recorded future and says what an
// action here would drop; after the action it says what it dropped, and Undo brings the run back exactly
// (same actions, same end, same trace). Screenshots at 390, 1024 and 1440 px; axe-core on the notice.

import { axeViolations } from './support/axe';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import type { Page } from 'playwright-core';
import { openBrowser, openPage, type OpenBrowser } from './support/browser';
import { savedTrace } from './support/playground';

let browser: OpenBrowser;

beforeAll(async () => {
  browser = await openBrowser();
});

afterAll(async () => {
  await browser?.close();
});

interface PgHandle {
  elapsedMs: number;
  horizonMs: number;
  actions: unknown[];
  seek(ms: number): Promise<string | null>;
  apply(body: unknown): Promise<string | null>;
}

/** The page's own state (exposed with ?test=1): the test scrubs and acts through it as the controls do. */
function withPg<T>(page: Page, work: string, arg?: unknown): Promise<T> {
  return page.evaluate(
    ([work, arg]) => {
      const pg = (window as unknown as { __playground: { state: PgHandle } }).__playground.state;
      return (
        new Function('pg', 'arg', `return (async () => { ${work as string} })();`) as (
          pg: PgHandle,
          arg: unknown,
        ) => Promise<T>
      )(pg, arg);
    },
    [work, arg] as const,
  );
}

const state = (page: Page) =>
  withPg<{ elapsedMs: number; horizonMs: number; actions: string }>(
    page,
    'return { elapsedMs: pg.elapsedMs, horizonMs: pg.horizonMs, actions: JSON.stringify(pg.actions) };',
  );

test('a fork warns and undo restores the run', async () => {
  const { page, problems } = await openPage(
    browser.context,
    `${inject('baseUrl')}?scenario=three-servers&test=1`,
  );
  await page.setViewportSize({ width: 1024, height: 900 });
  await page.getByTestId('run-time').waitFor();
  // A run to 0:41 with a crash at 0:20 and an enqueue at 0:31 taken by the learner.
  expect(
    await withPg(page, 'await pg.seek(20000); return pg.apply({ type: "crash", server: "a" });'),
  ).toBeNull();
  expect(
    await withPg(
      page,
      'await pg.seek(31000); return pg.apply({ type: "enqueue", server: "b", job: pg.jobNames[0], count: 3 });',
    ),
  ).toBeNull();
  await withPg(page, 'await pg.seek(41000); return null;');
  const before = await state(page);
  expect(before.horizonMs).toBe(41_000);
  const traceBefore = (await savedTrace(page)).text;

  // Scrub back to 0:09: the future is greyed and the page says what an action here drops.
  await withPg(page, 'await pg.seek(9000); return null;');
  const warning = page.getByTestId('fork-warning');
  await expect.poll(() => warning.textContent()).toContain('drops 2 later actions');
  expect(await warning.textContent()).toContain('crash a at 0:20');
  expect(await warning.textContent()).toContain('enqueue 3');
  expect(await warning.locator('.future').count()).toBe(1);
  await shots(page, 'warning');

  // An action at 0:09 through the page's own button forks: the notice names what it dropped.
  await page.getByTestId('enqueue').click();
  const notice = page.getByTestId('fork-notice');
  await expect.poll(() => notice.textContent()).toContain('This dropped 2 later actions');
  expect(await notice.textContent()).toContain('crash a at 0:20');
  expect(await notice.textContent()).toContain('The run had reached 0:41');
  const forked = await state(page);
  expect(forked.horizonMs).toBeLessThan(10_000);
  expect(forked.actions).not.toBe(before.actions);
  await shots(page, 'notice');
  await axeClean(page);

  // Undo: the same actions, the same end, the cursor back at 0:09, and the same trace at the end.
  await notice.getByRole('button', { name: 'Undo' }).click();
  await expect.poll(() => notice.count()).toBe(0);
  await expect
    .poll(async () => {
      const now = await state(page);
      return `${now.elapsedMs} of ${now.horizonMs}`;
    })
    .toBe('9000 of 41000');
  const undone = await state(page);
  expect(undone.actions).toBe(before.actions);
  await expect.poll(() => warning.textContent()).toContain('drops 2 later actions');
  await withPg(page, 'await pg.seek(41000); return null;');
  const traceAfter = (await savedTrace(page)).text;
  expect(traceAfter.length).toBe(traceBefore.length);
  expect(traceAfter).toBe(traceBefore);
  expect(problems).toEqual([]);
  await page.close();
});

async function shots(page: Page, what: string): Promise<void> {
  for (const width of [390, 1024, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    const box = page.locator('[data-testid^="fork-"]').first();
    await box.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `test-artifacts/screenshots/fork-${what}-${width}.png` });
  }
  await page.setViewportSize({ width: 1024, height: 900 });
}

async function axeClean(page: Page): Promise<void> {
  expect(await axeViolations(page, ['[data-testid^="fork-"]'])).toEqual([]);
}
