import type { Engine } from './engine';
import { createInPageEngine } from './inPageEngine';
import { createWorkerEngine } from './workerEngine';

export type { Engine } from './engine';
export { createInPageEngine, createWorkerEngine };

/**
 * The engine the playground uses: the conductor in a Web Worker, each server in a Web Worker of its own.
 * `?servers=in-thread` keeps the servers inside the conductor's worker; `?servers=in-page` runs everything
 * in the page (both for comparison, as the benchmark does).
 */
export function createEngine(search: string = location.search): Promise<Engine> {
  const servers = new URLSearchParams(search).get('servers');
  if (servers === 'in-page') return createInPageEngine();
  return createWorkerEngine({ servers: servers === 'in-thread' ? 'in-thread' : 'workers' });
}
