/** Frames per second of the built playground page while eight servers play (the browser section, part 2). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseScenarioJson } from '../src/scenario/schema';
import { openPage } from '../test/browser/support/browser';
import { PAGE_READY_TIMEOUT_MS, root, type BrowserContext } from './browserPage';
import type { FpsReport } from './report';

/** The playground's own speed for the frames measure, and its scenario. */
export const FPS_SPEED = 20;
const FPS_SCENARIO = 'eight-servers';

export async function measureFps(
  baseUrl: string,
  context: BrowserContext,
  seconds: number,
): Promise<FpsReport & { userAgent: string }> {
  const scenarioEndMs = parseScenarioJson(
    readFileSync(join(root, 'scenarios', `${FPS_SCENARIO}.json`), 'utf8'),
  ).durationMs;
  const url = `${baseUrl}?scenario=${FPS_SCENARIO}&speed=${FPS_SPEED}&play=1`;
  const { page, problems } = await openPage(context, url);
  try {
    // Playing: the run's time has moved past its start, and moves again after that.
    const first = (await (
      await page.waitForFunction(
        () => {
          const ms = Number(document.querySelector('[data-testid="run-time"]')?.getAttribute('data-ms'));
          return ms > 0 ? ms : null;
        },
        undefined,
        { timeout: PAGE_READY_TIMEOUT_MS, polling: 50 },
      )
    ).jsonValue()) as number;
    await page.waitForFunction(
      (first) => Number(document.querySelector('[data-testid="run-time"]')?.getAttribute('data-ms')) > first,
      first,
      { timeout: PAGE_READY_TIMEOUT_MS, polling: 50 },
    );
    // No named functions inside page.evaluate: tsx (esbuild keepNames) would wrap them in a __name()
    // helper that exists only in Node.
    // The page stops playing at the scenario's end: the count stops there too, since an idle page's frames
    // say nothing about eight servers running.
    const measured = await page.evaluate(
      async ({ seconds, scenarioEndMs }) => {
        const gaps: number[] = [];
        const started = await new Promise<number>((resolve) => requestAnimationFrame(resolve));
        const startMs = Number(document.querySelector('[data-testid="run-time"]')?.getAttribute('data-ms'));
        let last = started;
        let endMs = startMs;
        while (last - started < seconds * 1_000 && endMs < scenarioEndMs) {
          const now = await new Promise<number>((resolve) => requestAnimationFrame(resolve));
          gaps.push(now - last);
          last = now;
          endMs = Number(document.querySelector('[data-testid="run-time"]')?.getAttribute('data-ms'));
        }
        return {
          wallMs: last - started,
          frames: gaps.length,
          gaps,
          startMs,
          endMs,
          visibility: document.visibilityState,
        };
      },
      { seconds, scenarioEndMs },
    );
    const userAgent = await page.evaluate(() => navigator.userAgent);
    const sorted = [...measured.gaps].sort((a, b) => a - b);
    return {
      url: url.slice(baseUrl.length - 1),
      speed: FPS_SPEED,
      wallMs: measured.wallMs,
      frames: measured.frames,
      fps: (measured.frames / measured.wallMs) * 1_000,
      medianGapMs: sorted[Math.floor((sorted.length - 1) / 2)] ?? 0,
      longestGapMs: sorted[sorted.length - 1] ?? 0,
      gapsOver50Ms: sorted.filter((gap) => gap > 50).length,
      virtualStartMs: measured.startMs,
      virtualEndMs: measured.endMs,
      achievedSpeed: (measured.endMs - measured.startMs) / measured.wallMs,
      scenarioEndMs,
      reachedEnd: measured.endMs >= scenarioEndMs,
      visibility: measured.visibility,
      problems,
      userAgent,
    };
  } finally {
    await page.close();
  }
}
