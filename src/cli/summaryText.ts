import type { InvariantReport } from '../verify/checkers/index.js';
import { entryDetails } from '../sim/trace/entryText.js';
import type { TraceEntry } from '../sim/trace/trace.js';
import { humanizeInstants } from '../verify/instants.js';
import { DEFAULT_EPOCH_MS } from '../sim/time/virtualTime.js';
import { DISTRIBUTED_JOBS } from '../core/index.js';
import type { RunResult } from '../sim/runResult.js';
import {
  summarise,
  type JobCounts,
  type RunSummary,
  type SummaryContext,
  type TimelineItem,
} from './summary.js';

/** The summary as the lines `npm run simulate` prints: run, leadership, jobs, invariants with their evidence. */

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
    const why = report.skipped ? `: ${humanizeInstants(report.skipped, start, seconds)}` : '';
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
