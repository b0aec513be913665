// The engine calls a page makes, counted where they cross into the conductor's worker: every comlink call
// ("APPLY" with its method's path) the page posts to a worker. Black-box: it needs no hook in the page.

import type { BrowserContext, Page } from 'playwright-core';

/** Makes every page of `context` count the calls it posts to its workers, by method (`load`, `seek`...). */
export async function countEngineCalls(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const counts: Record<string, number> = {};
    (window as unknown as { __engineCalls: Record<string, number> }).__engineCalls = counts;
    const post = Worker.prototype.postMessage as (this: Worker, ...args: unknown[]) => void;
    Worker.prototype.postMessage = function (this: Worker, message: unknown, ...rest: unknown[]) {
      const call = message as { type?: unknown; path?: unknown } | null;
      if (call && call.type === 'APPLY' && Array.isArray(call.path) && typeof call.path[0] === 'string') {
        const name = call.path.join('.');
        counts[name] = (counts[name] ?? 0) + 1;
      }
      post.call(this, message, ...rest);
    };
  });
}

/** How many times the page has called `name` on its engine so far. */
export async function engineCalls(page: Page, name: string): Promise<number> {
  return page.evaluate(
    (name) => (window as unknown as { __engineCalls?: Record<string, number> }).__engineCalls?.[name] ?? 0,
    name,
  );
}
