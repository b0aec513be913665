import type { Engine } from './engine';
import { createWorkerEngine } from './workerEngine';

export type { Engine } from './engine';
export { createWorkerEngine };

/**
 * The engine in the page's own thread, loaded only when asked for: it carries the whole simulation and
 * sql.js's loader, which the page otherwise leaves to its workers (a third of the page's bundle).
 */
export async function createInPageEngine(): Promise<Engine> {
  const { createInPageEngine: create } = await import('./inPageEngine');
  return create();
}

/**
 * The engine the playground uses: the conductor in a Web Worker, each server in a Web Worker of its own.
 * `?servers=in-thread` keeps the servers inside the conductor's worker; `?servers=in-page` runs everything
 * in the page (both for comparison, as the benchmark does). `?test=1` also hands the engine factories to
 * the browser tests and the benchmark, as `window.__playgroundEngines`.
 */
export function createEngine(search: string = location.search): Promise<Engine> {
  const query = new URLSearchParams(search);
  if (query.get('test') === '1') {
    (globalThis as { __playgroundEngines?: unknown }).__playgroundEngines = {
      createWorkerEngine,
      createInPageEngine,
    } satisfies PlaygroundEnginesForTests;
  }
  const servers = query.get('servers');
  if (servers === 'in-page') return createInPageEngine();
  return createWorkerEngine({ servers: servers === 'in-thread' ? 'in-thread' : 'workers' });
}

/** What `?test=1` puts on `window`, for the browser tests and the benchmark. */
export interface PlaygroundEnginesForTests {
  createWorkerEngine: typeof createWorkerEngine;
  createInPageEngine: typeof createInPageEngine;
}
