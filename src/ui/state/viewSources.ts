import type { Row, TraceEntry } from '../../playground/view/types';
import type { Playground } from './playground.svelte';

/**
 * What the panels that show a run read from it: the playground (a `Playground` is each of these), or a
 * finished run opened read-only (a real run's history, src/ui/history/historySource.svelte.ts).
 */

/** The timeline's. A finished run has no `seek` (nothing to replay): no slider, no click to seek, no "now". */
export type TimelineSource = Pick<
  Playground,
  | 'horizonMs'
  | 'elapsedMs'
  | 'serverIds'
  | 'marks'
  | 'marksVersion'
  | 'invariants'
  | 'healPhase'
  | 'seeking'
  | 'seekTarget'
  | 'futureFromMs'
> & { seek?: Playground['seek'] };

/** The event log's: the playground's kept entries, or a finished run's whole trace. */
export type EventLogSource = { log: readonly TraceEntry[] } & Pick<
  Playground,
  'logVersion' | 'serverIds' | 'logTypes' | 'highlight' | 'clearHighlight' | 'epoch' | 'skippedEntries'
>;

/** The database panel's: the database now, or the tables a finished run left (with no lock to show). */
export type DatabaseSource = Pick<Playground, 'jobCounts' | 'jobTotal' | 'hazardsOn'> & {
  snapshot: {
    tables: { leadJobCoordinators: Row[]; distributedJobs: Row[] };
    servers: readonly { id: string; offsetMs: number }[];
    lockHolder?: string | undefined;
    lockWaiters?: readonly string[];
  } | null;
};
