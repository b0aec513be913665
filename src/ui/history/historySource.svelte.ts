import type { LiveInvariant } from '../../playground/session';
import type { Row } from '../../playground/view/types';
import type { InvariantReport } from '../../realrun/historyFile';
import type { DatabaseSource, EventLogSource, TimelineSource } from '../state/viewSources';
import type { OpenHistory } from './historyView.svelte';

/** A report as the page's panels read it: the violation's time and its evidence by seq. */
function shown(report: InvariantReport): LiveInvariant {
  const { violation, skipped } = report;
  return {
    id: report.id,
    title: report.title,
    ok: report.ok,
    ...(skipped !== undefined && { skipped }),
    ...(violation && {
      message: violation.message,
      atMs: violation.atVt,
      evidence: violation.evidence.map((entry) => entry.seq),
    }),
  };
}

const byId = (a: Row, b: Row) => Number(a.id) - Number(b.id);

/**
 * A real run's history as the playground's own panels read a run (the timeline, the event log, the database
 * panel): the whole run at once, finished. Nothing to replay, so no `seek`; the one thing that changes is
 * which invariant's evidence the log highlights.
 */
export class HistorySource implements TimelineSource, EventLogSource, DatabaseSource {
  readonly horizonMs: number;
  readonly elapsedMs: number;
  readonly serverIds: string[];
  readonly marks;
  readonly marksVersion = 0;
  readonly invariants: LiveInvariant[];
  readonly healPhase = null;
  readonly seeking = false;
  readonly seekTarget = 0;
  readonly futureFromMs = null;

  readonly log;
  readonly logVersion = 0;
  readonly logTypes: string[];
  /** Trace times start at 0 (the history's first entry): run times are the entries' own. */
  readonly epoch = 0;
  readonly skippedEntries = 0;
  highlight = $state.raw<{ id: string; seqs: ReadonlySet<number>; focus: number | null } | null>(null);

  readonly snapshot: DatabaseSource['snapshot'];
  readonly jobCounts: Record<string, number>;
  readonly jobTotal: number;
  /** A real run's servers run no hazards. Never changed. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly hazardsOn = new Map<string, string[]>();

  constructor(history: OpenHistory) {
    const { run, settings } = history.file;
    this.horizonMs = Math.max(1, run.endedAt);
    this.elapsedMs = this.horizonMs;
    this.serverIds = [...settings.servers];
    this.marks = history.marks;
    this.invariants = history.reports.map(shown);
    this.log = run.trace;
    // A working set, read once here.
    // eslint-disable-next-line svelte/prefer-svelte-reactivity
    this.logTypes = [...new Set(run.trace.map((entry) => entry.type))].sort();
    const jobs = [...run.final.distributedJobs].sort(byId);
    this.snapshot = {
      tables: { leadJobCoordinators: run.final.leadJobCoordinators, distributedJobs: jobs },
      servers: [],
    };
    const counts: Record<string, number> = {};
    for (const row of jobs) counts[String(row.status)] = (counts[String(row.status)] ?? 0) + 1;
    this.jobCounts = counts;
    this.jobTotal = jobs.length;
  }

  /** Marks a broken invariant's evidence in the event log, scrolled to its first entry. */
  focusInvariant(invariant: LiveInvariant): void {
    const evidence = invariant.evidence ?? [];
    // Never mutated: a new highlight is a new set, assigned to the raw state as a whole.
    // eslint-disable-next-line svelte/prefer-svelte-reactivity
    this.highlight = { id: invariant.id, seqs: new Set(evidence), focus: evidence[0] ?? null };
  }

  clearHighlight(): void {
    this.highlight = null;
  }
}
