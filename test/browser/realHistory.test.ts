// A real run's history opened read-only (issue 14 §4): the bundled sample (3 processes on PostgreSQL, the
// leader crashed, then restarted) chosen through the menu's file input shows the read-only banner; the
// playground's own timeline with a lane per server (the leader bands of the file's terms, its heartbeats,
// claims and completions, the crash and restart glyphs); the playground's event log with every entry, the
// operator's actions in it not styled as errors; the invariants as re-checked in the page; the database panel
// with the run's final tables (the counts and rows the file holds). The simulation's controls are gone until
// "Back to the simulation". The same run with a double claim written into it (re-judged by the checkers, so
// the file's verdicts are the page's) shows I1 violated: red, dated, its evidence red in the log and a red
// line on the timeline. A malformed file gets a banner naming what and where and the page keeps working;
// ?history=sample opens the sample; axe-core; screenshots at 390, 1024 and 1440 px.

import { axeViolations } from './support/axe';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { openBrowser, openPage, screenshot, type OpenBrowser } from './support/browser';
import {
  buildHistoryFile,
  historyFileJson,
  parseHistoryFile,
  type HistoryFile,
} from '../../src/realrun/historyFile';
import { checkAll } from '../../src/verify/checkers';
import type { TraceEntry } from '../../src/sim/trace/trace';
import { formatRunTime } from '../../src/ui/format';

const samplePath = new URL('../../public/sample-real-run.json', import.meta.url).pathname;
const sampleText = readFileSync(samplePath, 'utf8');
const sample = parseHistoryFile(sampleText);
const trace = sample.run.trace;
const finalJobs = sample.run.final.distributedJobs;

/** The leadership spans the file holds: from each `elected` to that server's next step-down or exit. */
function leadershipOf(entries: readonly TraceEntry[], endMs: number) {
  const spans: { server: string; term: number; fromMs: number; toMs: number }[] = [];
  for (const entry of entries) {
    if (entry.type !== 'elected' || entry.server === null) continue;
    const end = entries.find(
      (later) =>
        later.seq > entry.seq &&
        later.server === entry.server &&
        ['steppedDown', 'released', 'stopped', 'crashed', 'processEnded', 'elected'].includes(later.type),
    );
    spans.push({ server: entry.server, term: entry.term, fromMs: entry.vt, toMs: end?.vt ?? endMs });
  }
  return spans;
}

/**
 * The sample with a double claim written into it: c claims job 4 while b holds it (b claimed it and had
 * not completed it). Re-judged by the checkers, as the real command judges a run, so the file is honest.
 */
function withDoubleClaim(): { file: HistoryFile; claimAt: number } {
  const held = trace.find((entry) => entry.type === 'claimed' && entry.jobId === '4')!;
  const done = trace.find((entry) => entry.type === 'completed' && entry.jobId === '4')!;
  const claimAt = Math.round((held.vt + done.vt) / 2);
  const extra = {
    ...held,
    vt: claimAt,
    db: held.db + (claimAt - held.vt),
    server: 'c',
    token: 'c:claim-double/4',
  } as TraceEntry;
  const entries = [
    ...trace.filter((entry) => entry.vt <= claimAt),
    extra,
    ...trace.filter((e) => e.vt > claimAt),
  ];
  const run = { ...sample.run, trace: entries.map((entry, seq) => ({ ...entry, seq }) as TraceEntry) };
  return { file: buildHistoryFile(sample.settings, run, checkAll(run)), claimAt };
}

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

/** A colour as the browser computes it: the page's own `--bad` (errors) and `--bad-soft`. */
async function cssColour(page: Page, property: 'color' | 'background-color', value: string) {
  return page.evaluate(
    ([property, value]) => {
      const probe = document.createElement('span');
      probe.style.setProperty(property!, value!);
      document.body.append(probe);
      const computed = getComputedStyle(probe).getPropertyValue(property!);
      probe.remove();
      return computed;
    },
    [property, value],
  );
}

/** Every cell of the log's rows for the operator's actions, with its text and background colours. */
async function actionCells(page: Page) {
  return page.locator('[data-testid="event-log"] tbody tr.src-action td').evaluateAll((cells) =>
    cells.map((cell) => {
      const style = getComputedStyle(cell);
      return { color: style.color, background: style.backgroundColor, weight: style.fontWeight };
    }),
  );
}

const reddish = (colour: string) => {
  const [r, g, b] = (colour.match(/\d+/g) ?? []).map(Number);
  return r! > 150 && g! < 110 && b! < 110;
};

test('the sample through the file input: a lane per server with its leader bands and marks, every entry in the log with the actions neutral, the invariants re-checked, the final tables; back to the simulation', async () => {
  const { page, problems } = await openSimulation(1440);
  await expect.poll(() => page.getByTestId('play').count()).toBeGreaterThan(0);
  await page.getByTestId('real-run-file').setInputFiles(samplePath);

  const banner = page.getByTestId('real-history-banner');
  await banner.waitFor();
  const bannerText = (await banner.textContent()) ?? '';
  expect(bannerText).toMatch(/A real run on PostgreSQL, 3 processes, \d+ s/);
  expect(bannerText).toContain('Read-only: the controls that act on the cluster are off');

  // The simulation's controls that would act on a cluster are not on the page, nor the timeline's slider.
  expect(await page.getByTestId('play').count()).toBe(0);
  expect(await page.locator('[data-testid^="crash-"]').count()).toBe(0);
  expect(await page.getByTestId('scrub').count()).toBe(0);

  // The playground's timeline: a lane per process, a band per term as the file holds it.
  const timeline = page.locator('[data-testid="real-history-timeline"] [data-testid="timeline"]');
  await timeline.waitFor();
  for (const server of sample.settings.servers) {
    expect(await timeline.locator('text.row-label', { hasText: new RegExp(`^${server}$`) }).count()).toBe(1);
  }
  const spans = leadershipOf(trace, sample.run.endedAt);
  expect(spans.map((span) => `${span.server}/${span.term}`)).toEqual(['a/1', 'c/2']);
  const bands = timeline.getByTestId('leader-band');
  expect(await bands.count()).toBe(spans.length);
  for (const [index, span] of spans.entries()) {
    const band = bands.nth(index);
    expect(await band.getAttribute('data-server')).toBe(span.server);
    expect(await band.getAttribute('data-term')).toBe(String(span.term));
    expect(await band.locator('title').textContent()).toBe(
      `${span.server} leads, term ${span.term}: ${formatRunTime(span.fromMs)} – ${formatRunTime(span.toMs)}`,
    );
  }
  // Each band sits in its server's lane: the row labels and the bands share a vertical band of pixels.
  for (const span of spans) {
    const label = await timeline
      .locator('text.row-label', { hasText: new RegExp(`^${span.server}$`) })
      .boundingBox();
    const band = await timeline
      .locator(`[data-testid="leader-band"][data-server="${span.server}"]`)
      .boundingBox();
    expect(band!.y).toBeLessThan(label!.y + label!.height);
    expect(band!.y + band!.height).toBeGreaterThan(label!.y);
  }
  // A heartbeat tick per heartbeat in the file, and the claims and completions drawn.
  const heartbeats = trace.filter((entry) => entry.type === 'heartbeat').length;
  const heartbeatPath = (await timeline.locator('path.heartbeat').getAttribute('d')) ?? '';
  expect(heartbeatPath.match(/M/g)?.length).toBe(heartbeats);
  expect((await timeline.locator('path.claimed').getAttribute('d')) ?? '').not.toBe('');
  expect((await timeline.locator('path.completed').getAttribute('d')) ?? '').not.toBe('');
  // The faults with their glyphs: the crash and the restart of a, as the file's actions say.
  const faults = trace.filter(
    (entry) => entry.type === 'action' && ['crash', 'restart'].includes(entry.action.type),
  );
  const glyphs = await timeline
    .getByTestId('fault-glyph')
    .evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-glyph')));
  expect(glyphs).toEqual(faults.map((entry) => (entry.type === 'action' ? entry.action.type : '')));

  // The event log: every entry of the file, the actions among them, none styled as an error.
  const rows = page.locator('[data-testid="event-log"] tbody tr');
  expect(await rows.count()).toBe(trace.length);
  const actions = trace.filter((entry) => entry.source === 'action');
  expect(await page.locator('[data-testid="event-log"] tbody tr.src-action').count()).toBe(actions.length);
  expect(
    await page.locator('[data-testid="event-log"] tbody tr.src-action', { hasText: 'crash' }).count(),
  ).toBe(1);
  const bad = await cssColour(page, 'color', 'var(--bad)');
  const badSoft = await cssColour(page, 'background-color', 'var(--bad-soft)');
  const cells = await actionCells(page);
  expect(cells.length).toBe(actions.length * 6);
  for (const cell of cells) {
    expect(cell.color).not.toBe(bad);
    expect(reddish(cell.color)).toBe(false);
    expect(cell.background).not.toBe(badSoft);
  }
  expect(await page.locator('[data-testid="event-log"] tr.evidence').count()).toBe(0);
  await page.getByTestId('log-kind').selectOption('elected');
  expect(await rows.count()).toBe(spans.length);
  await page.getByTestId('log-kind').selectOption('');
  expect(await page.getByTestId('real-history-log').textContent()).toContain(
    `${trace.length} of the run's ${trace.length} entries match`,
  );

  // Invariants judged in the page agree with the verdicts the command wrote; none violated.
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
  expect(await page.getByTestId('real-violations').count()).toBe(0);
  expect(await timeline.locator('line.violation').count()).toBe(0);

  // The final tables as the file holds them: the counts by status and every row, the lease row.
  const tables = page.getByTestId('real-history-tables');
  expect(await tables.getByRole('heading', { name: 'Database at the end of the run' }).count()).toBe(1);
  for (const status of ['queued', 'claimed', 'completed', 'dead']) {
    const expected = finalJobs.filter((row) => row.status === status).length;
    expect(await tables.getByTestId(`job-count-${status}`).textContent()).toBe(String(expected));
  }
  expect(finalJobs.filter((row) => row.status === 'completed').length).toBeGreaterThan(0);
  expect(await tables.getByTestId('job-total').textContent()).toBe(String(finalJobs.length));
  const jobRows = tables.getByRole('region', { name: 'Jobs in the shared table' }).locator('tbody tr');
  expect(await jobRows.count()).toBe(finalJobs.length);
  const ids = await jobRows.evaluateAll((list) => list.map((row) => row.querySelector('td')?.textContent));
  expect(ids).toEqual(finalJobs.map((row) => String(row.id)).sort((a, b) => Number(b) - Number(a)));
  const lease = sample.run.final.leadJobCoordinators[0]!;
  const leaseCells = await tables
    .locator('table')
    .first()
    .locator('tbody td')
    .evaluateAll((list) => list.slice(0, 2).map((cell) => cell.textContent));
  expect(leaseCells).toEqual([String(lease.jobCoordinatorId), String(lease.term)]);
  // A finished run's tables say nothing of the lock: no lock line.
  expect(await tables.getByTestId('lock-holder').count()).toBe(0);

  expect(await axeViolations(page)).toEqual([]);

  await page.getByTestId('back-to-simulation').click();
  await page.getByTestId('play').first().waitFor();
  expect(await page.getByTestId('real-history').count()).toBe(0);
  expect(problems).toEqual([]);
  await page.close();
});

for (const width of [390, 1024, 1440]) {
  test(`a run with a double claim at ${width} px: I1 violated, red and dated, its evidence red in the log, the actions still neutral`, async () => {
    const { file, claimAt } = withDoubleClaim();
    const report = checkAll(file.run).find((one) => one.id === 'I1')!;
    expect(report.ok).toBe(false);
    expect(report.violation!.atVt).toBe(claimAt);
    expect(file.verdicts.find((verdict) => verdict.id === 'I1')!.ok).toBe(false);

    const { page, problems } = await openSimulation(width);
    await page.getByTestId('real-run-file').setInputFiles({
      name: 'double-claim-run.json',
      mimeType: 'application/json',
      buffer: Buffer.from(historyFileJson(file)),
    });
    await page.getByTestId('real-history-banner').waitFor();

    // The violation, dated, red; no other invariant is.
    expect(await page.getByTestId('real-violations').textContent()).toContain('1 violated');
    const i1 = page.locator('[data-testid="real-invariant"][data-id="I1"]');
    expect(await i1.getAttribute('data-state')).toBe('failed');
    expect(await i1.getByTestId('real-violation-at').textContent()).toContain(
      `at ${formatRunTime(claimAt)} ${report.violation!.message}`,
    );
    const badSoft = await cssColour(page, 'background-color', 'var(--bad-soft)');
    expect(await i1.evaluate((node) => getComputedStyle(node).backgroundColor)).toBe(badSoft);
    expect(await page.locator('[data-testid="real-invariant"][data-state="failed"]').count()).toBe(1);
    expect(await page.getByTestId('real-run-error').count()).toBe(0);
    await i1.scrollIntoViewIfNeeded();
    expect(await i1.isVisible()).toBe(true);

    // On the timeline, a red line at its moment.
    const timeline = page.locator('[data-testid="real-history-timeline"] [data-testid="timeline"]');
    const line = timeline.locator('line.violation');
    expect(await line.count()).toBe(1);
    expect(await line.locator('title').textContent()).toContain(`I1 violated at ${formatRunTime(claimAt)}`);
    expect(reddish(await line.evaluate((node) => getComputedStyle(node).stroke))).toBe(true);

    // In the log, its evidence marked red and scrolled into view; the operator's actions are not red.
    const evidence = page.locator('[data-testid="event-log"] tr.evidence');
    expect(await evidence.count()).toBe(report.violation!.evidence.length);
    expect(
      await evidence.evaluateAll((list) => list.map((row) => Number(row.getAttribute('data-seq')))),
    ).toEqual(report.violation!.evidence.map((entry) => entry.seq));
    const evidenceBackground = await evidence
      .first()
      .locator('td')
      .first()
      .evaluate((cell) => getComputedStyle(cell).backgroundColor);
    expect(reddish(evidenceBackground) || evidenceBackground === 'rgb(255, 225, 222)').toBe(true);
    const inView = await evidence.first().evaluate((row) => {
      const box = row.getBoundingClientRect();
      const scroller = row.closest('[data-testid="event-log"]')!.getBoundingClientRect();
      return box.top >= scroller.top && box.bottom <= scroller.bottom;
    });
    expect(inView).toBe(true);
    for (const cell of await actionCells(page)) {
      expect(reddish(cell.color)).toBe(false);
      expect(cell.background).not.toBe(badSoft);
    }
    // The evidence toggles off and on from the invariant.
    await i1.getByRole('button').click();
    expect(await evidence.count()).toBe(0);
    await i1.getByRole('button').click();
    expect(await evidence.count()).toBe(report.violation!.evidence.length);

    const { scrollWidth, innerWidth } = await page.evaluate(() => ({
      scrollWidth: document.scrollingElement!.scrollWidth,
      innerWidth: window.innerWidth,
    }));
    expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, `real-history-violation-${width}`);
    expect(await axeViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });
}

test('a malformed file: a banner says what is wrong and where, and the simulation keeps working', async () => {
  const { page, problems } = await openSimulation(1024);
  await page.getByTestId('play').first().waitFor();
  const bad = JSON.parse(sampleText) as { run: { trace: { vt: unknown }[] } };
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
    expect(await page.getByTestId('leader-band').count()).toBe(2);
    const { scrollWidth, innerWidth } = await page.evaluate(() => ({
      scrollWidth: document.scrollingElement!.scrollWidth,
      innerWidth: window.innerWidth,
    }));
    expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
    await screenshot(page, `real-history-${width}`);
    expect(await axeViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });
}
