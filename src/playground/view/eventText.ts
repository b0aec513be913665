import { describeAction } from './timelineMarks';
import type { TraceEntry } from '../../sim/trace/trace';

/** Fields every entry has; the log shows them in their own columns, the rest as details. */
const STAMP = new Set(['seq', 'vt', 'db', 'server', 'term', 'type', 'source', 'local']);

/** An entry's own fields as one short line: `jobName=email jobId=12 attempt=1`. */
export function entryDetails(entry: TraceEntry): string {
  if (entry.type === 'action') return describeAction(entry.action);
  if (entry.type === 'actionFailed') return `${describeAction(entry.action)}: ${entry.error}`;
  const parts: string[] = [];
  for (const [key, value] of Object.entries(entry)) {
    if (STAMP.has(key) || value === undefined) continue;
    parts.push(
      `${key}=${typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)}`,
    );
  }
  return parts.join(' ');
}

/** Whether an entry matches the log's text filter (type, server or details, case-insensitive). */
export function matchesText(entry: TraceEntry, needle: string): boolean {
  if (!needle) return true;
  return (
    entry.type.toLowerCase().includes(needle) ||
    (entry.server ?? '').toLowerCase().includes(needle) ||
    entryDetails(entry).toLowerCase().includes(needle)
  );
}
