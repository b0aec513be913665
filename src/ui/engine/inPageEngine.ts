import { PlaygroundEngine } from '../../sim/playgroundEngine';
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
    load: (scenario, seed) => engine.load(scenario, seed),
    advance: (ms, since, request) => engine.advance(ms, since, request),
    step: (since, request) => engine.step(since, request),
    seek: (ms, since, request) => engine.seek(ms, since, request),
    apply: (action, since, request) => engine.apply(action, since, request),
    healAll: (since, request) => engine.healAll(since, request),
    verifyDeterminism: (since, request) => engine.verifyDeterminism(since, request),
    view: (since, request) => engine.view(since, request),
    scenarioJson: () => engine.scenarioJson(),
    traceJson: () => engine.traceJson(),
    dispose: () => engine.dispose(),
    liveWorkers: () => [],
  };
}
