// Driving the playground page the way a person does, through its labelled controls (their data-testid).

import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import type { TraceEntry } from '../../../src/sim/trace/trace';

/** The server whose lane says it leads, once exactly one does (and, if given, not `other`). */
export async function waitForLeader(page: Page, other?: string, timeout = 30_000): Promise<string> {
  const handle = await page.waitForFunction(
    (other) => {
      const leaders = [...document.querySelectorAll('[data-testid^="lane-"][data-status="leader"]')];
      if (leaders.length !== 1) return null;
      const id = leaders[0]!.getAttribute('data-testid')!.slice('lane-'.length);
      return id === other ? null : id;
    },
    other,
    { timeout, polling: 50 },
  );
  return (await handle.jsonValue()) as string;
}

/** How many lanes say they lead right now. */
export function leaderCount(page: Page): Promise<number> {
  return page.locator('[data-testid^="lane-"][data-status="leader"]').count();
}

/** The run's time (virtual ms since its start), as the page shows it. */
export async function runTime(page: Page): Promise<number> {
  return Number(await page.getByTestId('run-time').getAttribute('data-ms'));
}

/** Waits until the run has reached `ms` of virtual time. */
export async function waitForRunTime(page: Page, ms: number, timeout = 60_000): Promise<void> {
  await page.waitForFunction(
    (ms) => Number(document.querySelector('[data-testid="run-time"]')?.getAttribute('data-ms')) >= ms,
    ms,
    { timeout, polling: 50 },
  );
}

/** Clicks a save button and returns the text of the file the page downloads. */
export async function download(page: Page, testId: string): Promise<{ name: string; text: string }> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  const path = await file.path();
  return { name: file.suggestedFilename(), text: readFileSync(path, 'utf8') };
}

/** The trace the page saves. */
export async function savedTrace(page: Page): Promise<{ text: string; entries: TraceEntry[] }> {
  const { text } = await download(page, 'save-trace');
  return { text, entries: JSON.parse(text) as TraceEntry[] };
}

/** The state an invariant shows: ok, skipped or violated. */
export async function invariantState(page: Page, id: string): Promise<string | null> {
  return page.getByTestId(`invariant-${id}`).getAttribute('data-state');
}
