import type { InvariantReport } from '../verify/checkers';
import { DISTRIBUTED_JOBS } from '../core';
import type { RunResult } from '../sim/runResult';
import { entryDetails } from '../sim/trace/entryText';
import { ServerStateFold } from '../sim/trace/serverState';
import type { TraceEntry } from '../sim/trace/trace';
import type { ActionType, ServerSpec } from '../scenario/types';
import { humanizeInstants } from '../verify/instants';
import { DEFAULT_EPOCH_MS } from '../sim/time/virtualTime';

export type { InvariantReport };

export interface SummaryContext {
  /** Where the scenario was read from. */
  file?: string;
  /** Wall-clock time the run took. */
  wallMs?: number;
  /** Where the scenario's faults stopped (`--until`), when not at its durationMs. */
  untilMs?: number;
  /** Virtual time at the start of the run; trace times are counted from it. */
  startedAt?: number;
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
  term?: number;
  /** The term it held as leader when its process ended. */
  wasLeading?: number;
  detail?: string;
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

/**
 * Who led when, from elections, step-downs, releases, process ends and the faults that explain them, as the
 * one derivation of server state (ServerStateFold) tells it: a refused action is no fault.
 */
export function leadershipTimeline(
  trace: readonly TraceEntry[],
  servers: readonly ServerSpec[],
  start = DEFAULT_EPOCH_MS,
): TimelineItem[] {
  const fold = new ServerStateFold(servers, start);
  const items: TimelineItem[] = [];
  /** The term each server led under before the entry at hand (kept through a crash, for the process's end). */
  const ledBefore = new Map<string, number | null>();
  fold.onChange((state, entry) => {
    const atMs = entry.vt - start;
    const push = (item: Omit<TimelineItem, 'atMs' | 'server'>) =>
      items.push({ atMs, server: state.id, ...item });
    const wasLeading = ledBefore.get(state.id) ?? null;
    ledBefore.set(state.id, endsWithTheProcess(entry) ? wasLeading : state.term);
    switch (entry.type) {
      case 'elected':
        return push({ event: 'leads', term: entry.term });
      case 'steppedDown':
        return push({ event: 'steppedDown', term: entry.term, detail: entry.reason });
      case 'released':
        return push({ event: 'released', term: entry.term });
      case 'processEnded':
        return push({ ...processEnd(entry.reason), ...(wasLeading !== null && { wasLeading }) });
      case 'processStarted':
        if (entry.generation > 1) return push({ event: 'restarted', detail: `process ${entry.generation}` });
        if (atMs > 0) push({ event: 'started' });
        return;
      case 'action': {
        const fault = entry.source === 'action' ? FAULT_EVENTS[entry.action.type] : undefined;
        if (fault) push({ event: fault });
        return;
      }
      default:
        return; // Other entries say nothing about who leads.
    }
  });
  for (const entry of trace) fold.push(entry);
  fold.finish();
  return items;
}

/** A crash (the action, or the server's own death) ends the leadership with the process: its end says what it led. */
function endsWithTheProcess(entry: TraceEntry): boolean {
  return entry.type === 'crashed' || (entry.type === 'action' && entry.action.type === 'crash');
}

/** The faults (and their ends) a leadership timeline shows, as the event it names them by. */
const FAULT_EVENTS: Partial<Record<ActionType, LeadershipEvent>> = {
  pause: 'paused',
  resume: 'resumed',
  cutOff: 'cutOff',
  heal: 'healed',
};

function processEnd(reason: string): Pick<TimelineItem, 'event' | 'detail'> {
  if (reason === 'crash') return { event: 'crashed' };
  if (reason === 'stop') return { event: 'stopped' };
  const crashed = /^crash(?:ed)?:\s*(.*)$/s.exec(reason);
  if (crashed) return { event: 'crashed', detail: crashed[1] };
  return { event: 'ended', detail: reason };
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

// ---------------------------------------------------------------------------------------------------------
// From a summary to lines of text.

export const TIMELINE_LINES = 40;
export const EVIDENCE_LINES = 12;

/** Seconds with milliseconds: `20.000s`. */
export function seconds(ms: number): string {
  return `${(ms / 1_000).toFixed(3)}s`;
}

function describeItem(item: TimelineItem): string {
  const term = item.term === undefined ? '' : ` (term ${item.term})`;
  const detail = item.detail ? `: ${item.detail}` : '';
  const was = item.wasLeading === undefined ? '' : `, was leading (term ${item.wasLeading})`;
  switch (item.event) {
    case 'leads':
      return `${item.server} leads${term}`;
    case 'steppedDown':
      return `${item.server} steps down${term}${detail}`;
    case 'released':
      return `${item.server} releases leadership${term}`;
    case 'crashed':
      return `${item.server} crashed${was}${detail}`;
    case 'stopped':
      return `${item.server} stopped${was}`;
    case 'ended':
      return `${item.server} ended${was}${detail}`;
    case 'started':
      return `${item.server} started`;
    case 'restarted':
      return `${item.server} restarted${detail ? ` (${item.detail})` : ''}`;
    case 'paused':
      return `${item.server} paused`;
    case 'resumed':
      return `${item.server} resumed`;
    case 'cutOff':
      return `${item.server} cut off from the database`;
    case 'healed':
      return `${item.server} reconnected to the database`;
  }
}

function timelineLines(summary: RunSummary): string[] {
  const items: { atMs: number; text: string }[] = summary.leadership.map((item) => ({
    atMs: item.atMs,
    text: describeItem(item),
  }));
  if (summary.healedAtMs !== null) {
    const at = summary.healedAtMs;
    const index = items.findIndex((item) => item.atMs >= at);
    const marker = { atMs: at, text: '-- faults end: every fault is healed, then the liveness phase --' };
    items.splice(index < 0 ? items.length : index, 0, marker);
  }
  if (!summary.leadership.some((item) => item.event === 'leads')) {
    items.unshift({
      atMs: 0,
      text:
        summary.mode === 'single'
          ? 'no leader: single-server mode elects none'
          : 'no server was ever elected',
    });
  }
  const shown = items.slice(0, TIMELINE_LINES);
  const width = Math.max(...shown.map((item) => seconds(item.atMs).length));
  const lines = shown.map((item) => `  ${seconds(item.atMs).padStart(width)}  ${item.text}`);
  if (items.length > shown.length)
    lines.push(`  ... and ${items.length - shown.length} more (--json has them all)`);
  return lines;
}

function durations(values: readonly number[]): string {
  if (values.length === 0) return 'none in this run';
  const list = values.map(seconds).join(', ');
  return values.length === 1 ? list : `${list} (${values.length}, longest ${seconds(Math.max(...values))})`;
}

function jobLines(jobs: JobCounts): string[] {
  const counts = [
    `enqueued ${jobs.enqueued}`,
    `claimed ${jobs.claimed}`,
    `completed ${jobs.completed}`,
    `retried ${jobs.retried}`,
    `dead ${jobs.dead}`,
    ...(jobs.dropped ? [`dropped ${jobs.dropped}`] : []),
  ];
  const lines = [`  ${counts.join('  ')}`];
  const table = Object.entries(jobs.table);
  if (table.length) {
    lines.push(
      `  ${DISTRIBUTED_JOBS.table} at the end: ${table.map(([status, n]) => `${status} ${n}`).join(', ')}`,
    );
  }
  return lines;
}

/** One trace entry on one line: `#517  30.038s  b [term 2]  elected term=2 dbNow=...` (details as in the page's log). */
export function formatEntry(entry: TraceEntry, start = DEFAULT_EPOCH_MS): string {
  const what = humanizeInstants(`${entry.type} ${entryDetails(entry)}`.trimEnd(), start, seconds);
  const term = entry.term === null ? '' : ` [term ${entry.term}]`;
  return `#${entry.seq}  ${seconds(entry.vt - start)}  ${entry.server ?? '-'}${term}  ${what}`;
}

function invariantLines(reports: readonly InvariantReport[], start: number): string[] {
  if (reports.length === 0) return ['  (no invariant checkers ran)'];
  const lines: string[] = [];
  const idWidth = Math.max(...reports.map((report) => report.id.length));
  for (const report of reports) {
    const status = report.skipped ? 'SKIP' : report.ok ? 'PASS' : 'FAIL';
    const why = report.skipped ? `: ${report.skipped}` : '';
    lines.push(`  ${status}  ${report.id.padEnd(idWidth)}  ${report.title}${why}`);
    const violation = report.violation;
    if (!violation || report.ok || report.skipped) continue;
    lines.push(
      `        at ${seconds(violation.atVt - start)}: ${humanizeInstants(violation.message, start, seconds)}`,
    );
    const evidence = violation.evidence.slice(0, EVIDENCE_LINES);
    for (const entry of evidence) lines.push(`          ${formatEntry(entry, start)}`);
    const more = violation.evidence.length - evidence.length;
    if (more > 0) lines.push(`          ... and ${more} more evidence entries (--json has them all)`);
  }
  return lines;
}

/** The summary as lines of text, in the order they print. Pure: the same inputs give the same lines. */
export function summaryLines(
  result: RunResult,
  reports: readonly InvariantReport[],
  context: SummaryContext = {},
): string[] {
  const start = context.startedAt ?? DEFAULT_EPOCH_MS;
  const summary = summarise(result, reports, context);
  const title = summary.name ?? '(unnamed scenario)';
  const healed =
    summary.healedAtMs === null
      ? 'not healed: no liveness phase'
      : `faults until ${seconds(summary.scenarioMs)}, healed at ${seconds(summary.healedAtMs)}, then the liveness phase`;
  const { passed, failed, skipped, failedIds } = summary.invariants;
  const verdict = summary.ok
    ? `Result: PASS (${passed} invariants held${skipped ? `, ${skipped} skipped` : ''})`
    : `Result: FAIL (${failed} of ${reports.length} invariants failed: ${failedIds.join(', ')})`;
  return [
    `Scenario  ${title}${summary.file ? `  (${summary.file})` : ''}`,
    `Seed      ${summary.seed}${summary.mode === 'single' ? '  (mode: single)' : ''}`,
    `Virtual   ${seconds(summary.virtualMs)}  (${healed})`,
    ...(summary.wallMs === null ? [] : [`Wall      ${(summary.wallMs / 1_000).toFixed(2)}s`]),
    '',
    `Leadership${summary.highestTerm === null ? '' : ` (highest term ${summary.highestTerm})`}`,
    ...timelineLines(summary),
    '',
    `Failover  ${durations(summary.failoverMs)}`,
    `Handover  ${durations(summary.handoverMs)}`,
    '',
    'Jobs',
    ...jobLines(summary.jobs),
    '',
    'Invariants',
    ...invariantLines(reports, start),
    '',
    verdict,
  ];
}
