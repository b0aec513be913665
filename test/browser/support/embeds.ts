// The docs embeds' side of the browser tests: which workers each frame started, and the frame of an embed.

import type { BrowserContext, Frame, Page } from 'playwright-core';

/** Makes every frame of `context` record the workers it starts, by name (`server a`, `conductor`). */
export async function recordWorkers(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const names: string[] = [];
    (window as unknown as { __workerNames: string[] }).__workerNames = names;
    const Original = window.Worker;
    window.Worker = class extends Original {
      constructor(url: string | URL, options?: WorkerOptions) {
        super(url, options);
        names.push(options?.name ?? '?');
      }
    };
  });
}

/** How many server workers `frames` have started (a frame not loaded yet, or gone, counts none). */
export async function serverWorkers(frames: Frame[]): Promise<number> {
  let count = 0;
  for (const frame of frames) {
    // A lazy iframe not yet loaded is still at its first about:blank, where evaluate would wait for it.
    if (!frame.url().startsWith('http')) continue;
    const names = await frame
      .evaluate(() => (window as unknown as { __workerNames?: string[] }).__workerNames ?? [])
      .catch(() => []);
    count += names.filter((name) => name.startsWith('server')).length;
  }
  return count;
}

/** The frame of the `<coordinator-playground>` that `selector` finds. */
export async function embedFrame(page: Page, selector: string): Promise<Frame> {
  const handle = await page.locator(`${selector} iframe`).elementHandle();
  const frame = await handle?.contentFrame();
  if (!frame) throw new Error(`no embed frame in ${selector}`);
  return frame;
}

/** The frame of the `<coordinator-playground>` with this scenario. */
export function frameOf(page: Page, scenario: string): Promise<Frame> {
  return embedFrame(page, `coordinator-playground[scenario="${scenario}"]`);
}
