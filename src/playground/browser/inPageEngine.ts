import { forwardCalls } from '../calls';
import { PlaygroundEngine } from '../engine';
import type { Engine } from './engine';
import { loadBrowserSqlJs } from './loadBrowserSqlJs';

/**
 * The engine in the page's own thread, servers included: no workers. For the benchmark's comparison and as
 * a fallback where module workers are unavailable; the playground uses `createWorkerEngine`.
 */
export async function createInPageEngine(): Promise<Engine> {
  const engine = new PlaygroundEngine({ sqlJs: await loadBrowserSqlJs() });
  return {
    kind: 'in-page',
    ...forwardCalls(() => engine),
    dispose: () => engine.dispose(),
    liveWorkers: () => [],
  };
}
