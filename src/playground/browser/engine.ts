import type { EngineCalls } from '../calls';

/**
 * What the page drives: the simulation's PlaygroundEngine, wherever it runs. Every method answers with a
 * SessionView (or text), and rejects with an Error whose message says what was wrong (an invalid action
 * names its field: `addSchedule.cron: invalid cron expression ...`).
 */
export type Engine = EngineCalls & {
  /** Where the servers run: a Web Worker each, all in the conductor's worker, or in the page's thread. */
  readonly kind: 'workers' | 'in-thread' | 'in-page';
  /** Ends the engine, its workers and its database. */
  dispose(): void;
  /** The ids of the servers whose Web Worker is alive now (empty when servers run in the page). */
  liveWorkers(): string[];
};
