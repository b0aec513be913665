import { describeAction } from '../../scenario/describeAction.js';
import type { TraceEntry } from './trace.js';

/** Fields every entry has: views show them in columns of their own, so an entry's text leaves them out. */
const STAMP = new Set(['seq', 'vt', 'db', 'server', 'term', 'type', 'source', 'local']);

/**
 * An entry's own fields as one short line, the same in the page's event log and the CLI's evidence:
 * `jobName=email jobId=12 attempt=1`, or an action in words (`crash a`, `enqueue 5 × work on b`).
 */
export function entryDetails(entry: TraceEntry): string {
  if (entry.type === 'action') return describeAction(entry.action, entry.target);
  if (entry.type === 'actionFailed') return `${describeAction(entry.action, entry.target)}: ${entry.error}`;
  const parts: string[] = [];
  for (const [key, value] of Object.entries(entry)) {
    if (STAMP.has(key) || value === undefined) continue;
    parts.push(
      `${key}=${typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)}`,
    );
  }
  return parts.join(' ');
}
