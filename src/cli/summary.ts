import type { InvariantReport } from '../verify/checkers/index.js';
import { DISTRIBUTED_JOBS } from '../core/index.js';
import type { RunResult } from '../sim/runResult.js';
import type { TraceEntry } from '../sim/trace/trace.js';
import { leadershipTimeline } from './leadershipTimeline.js';
import { DEFAULT_EPOCH_MS } from '../sim/time/virtualTime.js';

export type { InvariantReport };

export interface SummaryContext {
  /** Where the scenario was read from. */
  file?: string | undefined;
  /** Wall-clock time the run took. */
  wallMs?: number | undefined;
  /** Where the scenario's faults stopped (`--until`), when not at its durationMs. */
  untilMs?: number | undefined;
  /** Virtual time at the start of the run; trace times are counted from it. */
  startedAt?: number | undefined;
}

export type LeadershipEvent =
  | 'leads'
  | 'steppedDown'
  | 'released'
  | 'crashed'
  | 'stopped'
  | 'ended'
  | 'started'
  | 'restarted'
  | 'paused'
  | 'resumed'
  | 'cutOff'
  | 'healed';

export interface TimelineItem {
  /** ms since the start of the run. */
  atMs: number;
  server: string;
  event: LeadershipEvent;
  term?: number | undefined;
  /** The term it held as leader when its process ended. */
  wasLeading?: number | undefined;
  detail?: string | undefined;
}

export interface JobCounts {
  enqueued: number;
  claimed: number;
  completed: number;
  /** Attempts that failed and were scheduled again. */
  retried: number;
  dead: number;
  /** Failures dropped without retry (hazard H11). */
  dropped: number;
  /** Rows of distributedJobs at the end, by status. */
  table: Record<string, number>;
}

export interface RunSummary {
  name: string | null;
  file: string | null;
  seed: number;
  mode: 'distributed' | 'single';
  /** Virtual time the run lasted, the liveness phase included. */
  virtualMs: number;
  /** Where the scenario's own time ended. */
  scenarioMs: number;
  /** When the faults were healed and the liveness phase began, or null. */
  healedAtMs: number | null;
  wallMs: number | null;
  leadership: TimelineItem[];
  highestTerm: number | null;
  failoverMs: number[];
  handoverMs: number[];
  jobs: JobCounts;
  invariants: { passed: number; failed: number; skipped: number; failedIds: string[] };
  ok: boolean;
}

// ---------------------------------------------------------------------------------------------------------
// From a run to a summary.

export function summarise(
  result: RunResult,
  reports: readonly InvariantReport[],
  context: SummaryContext = {},
) {
  const start = context.startedAt ?? DEFAULT_EPOCH_MS;
  const failed = reports.filter((report) => !report.ok && !report.skipped);
  const skipped = reports.filter((report) => report.skipped);
  const leadership = leadershipTimeline(result.trace, result.scenario.servers, start);
  const terms = leadership.flatMap((item) =>
    item.event === 'leads' && item.term !== undefined ? [item.term] : [],
  );
  const summary: RunSummary = {
    name: result.scenario.name ?? null,
    file: context.file ?? null,
    seed: result.seed,
    mode: result.scenario.mode ?? 'distributed',
    virtualMs: result.endedAt - start,
    scenarioMs: context.untilMs ?? result.scenario.durationMs,
    healedAtMs: result.healedAt === null ? null : result.healedAt - start,
    wallMs: context.wallMs ?? null,
    leadership,
    highestTerm: terms.length ? Math.max(...terms) : null,
    failoverMs: measurement(reports, 'failoverMs'),
    handoverMs: measurement(reports, 'handoverMs'),
    jobs: jobCounts(result),
    invariants: {
      passed: reports.length - failed.length - skipped.length,
      failed: failed.length,
      skipped: skipped.length,
      failedIds: failed.map((report) => report.id),
    },
    ok: failed.length === 0,
  };
  return summary;
}

/** A measurement from whichever checker reports it, as a list. */
function measurement(reports: readonly InvariantReport[], key: string): number[] {
  for (const report of reports) {
    const value = report.measurements?.[key];
    if (value !== undefined) return Array.isArray(value) ? value : [value];
  }
  return [];
}

export function jobCounts(result: RunResult): JobCounts {
  const single = result.scenario.mode === 'single';
  // A server's own queue numbers its jobs afresh in each process: such an id names a job only together
  // with its server and process. Ids of the shared table are unique across the run.
  const generation = new Map<string, number>();
  const key = (entry: TraceEntry, jobId: string, local: boolean) =>
    single || local ? `${entry.server ?? ''}#${generation.get(entry.server ?? '') ?? 1}:${jobId}` : jobId;
  const enqueued = new Set<string>();
  const dead = new Set<string>();
  const counts = { claimed: 0, completed: 0, retried: 0, dropped: 0 };
  for (const entry of result.trace) {
    switch (entry.type) {
      case 'processStarted':
        if (entry.server !== null) generation.set(entry.server, entry.generation);
        break;
      case 'enqueued':
        enqueued.add(key(entry, entry.jobId, entry.target === 'local'));
        break;
      case 'cronFired':
        enqueued.add(key(entry, entry.jobId, false));
        break;
      case 'claimed':
        counts.claimed++;
        break;
      case 'completed':
        counts.completed++;
        break;
      case 'failed':
        if (entry.outcome === 'retry') counts.retried++;
        if (entry.outcome === 'dropped') counts.dropped++;
        if (entry.outcome === 'dead') dead.add(key(entry, entry.jobId, false));
        break;
      case 'reclaimed':
        if (entry.outcome === 'dead') dead.add(key(entry, entry.jobId, false));
        break;
      default:
        break; // Other entries change no count.
    }
  }
  const table: Record<string, number> = {};
  for (const row of result.final[DISTRIBUTED_JOBS.table]) {
    const status = String(row[DISTRIBUTED_JOBS.columns.status] ?? 'unknown');
    table[status] = (table[status] ?? 0) + 1;
  }
  return {
    enqueued: enqueued.size,
    ...counts,
    dead: single ? dead.size : Math.max(dead.size, table.dead ?? 0),
    table,
  };
}
