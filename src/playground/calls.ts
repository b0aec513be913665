import type { PlaygroundEngine } from './engine';

/*
 * The engine's calls as a list, apart from the engine itself: the page forwards them to a worker and must
 * not pull the whole simulation into its own bundle for it (only types come from engine.ts).
 */

/** The calls the page makes, each answering with a view or text: one list for every place that forwards them. */
export const ENGINE_CALLS = [
  'load',
  'restore',
  'advance',
  'step',
  'seek',
  'apply',
  'healAll',
  'verifyDeterminism',
  'view',
  'scenarioJson',
  'traceJson',
] as const;

export type EngineCall = (typeof ENGINE_CALLS)[number];
export type EngineCalls = Pick<PlaygroundEngine, EngineCall>;

/**
 * Every engine call, forwarded to what `target()` returns when the call is made: the engine itself, or a
 * comlink proxy of it in another thread (whose methods answer with the same promises). `around` wraps each
 * call (the page races it against the death of the engine's worker).
 */
export function forwardCalls(
  target: () => EngineCalls,
  around: (call: () => Promise<unknown>) => Promise<unknown> = (call) => call(),
): EngineCalls {
  const calls: Partial<Record<EngineCall, (...args: unknown[]) => unknown>> = {};
  for (const name of ENGINE_CALLS) {
    calls[name] = (...args) =>
      around(() => (target()[name] as (...given: unknown[]) => Promise<unknown>)(...args));
  }
  return calls as EngineCalls;
}
