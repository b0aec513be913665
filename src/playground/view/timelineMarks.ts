import { describeAction } from '../../scenario/describeAction';
import { isFault } from '../../scenario/faultActions';
import type { ActionType } from '../../scenario/types';
import type { TraceEntry } from '../../sim/trace/trace';

/**
 * What the playground's space-time diagram draws: one mark per trace entry worth seeing (leadership,
 * heartbeats, claims, completions, cron ticks, faults), small enough to keep for a whole run. Lock waits,
 * statements and other database chatter stay in the event log.
 */
export interface TimelineMark {
  seq: number;
  /** Virtual ms since the start of the run. */
  atMs: number;
  server: string | null;
  kind: TimelineKind;
  /** The leadership term: the new one for `elected`, the one held for heartbeats and step-downs. */
  term: number | null;
  /** One line for a tooltip. */
  label: string;
  /**
   * The action's type, for `fault`, `action` and `actionFailed` marks: what the timeline draws a glyph for
   * (crash, pause, cutOff...), never read back out of the label's words.
   */
  action?: ActionType;
}

export type TimelineKind =
  | 'elected'
  | 'heartbeat'
  | 'leadershipEnded'
  | 'claimed'
  | 'completed'
  | 'failed'
  | 'cronFired'
  | 'fenced'
  | 'processStarted'
  | 'processEnded'
  | 'fault'
  | 'action'
  | 'actionFailed';

/** The marks of `entries` from index `from` on. `epoch` is the virtual time at the start of the run. */
export function timelineMarks(entries: readonly TraceEntry[], from = 0, epoch?: number): TimelineMark[] {
  const start = epoch ?? entries[0]?.vt ?? 0;
  const marks: TimelineMark[] = [];
  for (let index = from; index < entries.length; index++) {
    const entry = entries[index]!;
    const found = markOf(entry);
    if (found) {
      marks.push({
        seq: entry.seq,
        atMs: entry.vt - start,
        server: entry.server,
        kind: found.kind,
        term: found.term ?? entry.term,
        label: found.label,
        ...(found.action === undefined ? {} : { action: found.action }),
      });
    }
  }
  return marks;
}

function markOf(
  entry: TraceEntry,
): { kind: TimelineKind; label: string; term?: number; action?: ActionType } | undefined {
  switch (entry.type) {
    case 'elected':
      return { kind: 'elected', term: entry.term, label: `elected, term ${entry.term}` };
    case 'heartbeat':
      return { kind: 'heartbeat', term: entry.term, label: `heartbeat, term ${entry.term}` };
    case 'steppedDown':
      return { kind: 'leadershipEnded', term: entry.term, label: `stepped down (${entry.reason})` };
    case 'released':
      return { kind: 'leadershipEnded', term: entry.term, label: `released leadership, term ${entry.term}` };
    case 'claimed':
      return {
        kind: 'claimed',
        label: `claimed ${entry.jobName} #${entry.jobId} (attempt ${entry.attempt})`,
      };
    case 'completed':
      return { kind: 'completed', label: `completed ${entry.jobName} #${entry.jobId}` };
    case 'failed':
      return {
        kind: 'failed',
        label: `${entry.jobName} #${entry.jobId} failed (${entry.outcome}): ${entry.error}`,
      };
    case 'cronFired':
      return { kind: 'cronFired', label: `cron ${entry.scheduleKey} fired job #${entry.jobId}` };
    case 'fenced':
      return { kind: 'fenced', label: `fenced: ${entry.what} (term ${entry.term})` };
    case 'processStarted':
      return { kind: 'processStarted', label: `process ${entry.generation} started (${entry.reason})` };
    case 'processEnded':
      return { kind: 'processEnded', label: `process ${entry.generation} ended (${entry.reason})` };
    case 'action':
      return {
        kind: isFault(entry.action) ? 'fault' : 'action',
        label: describeAction(entry.action, entry.target),
        action: entry.action.type,
      };
    case 'actionFailed':
      return {
        kind: 'actionFailed',
        label: `${describeAction(entry.action, entry.target)} failed: ${entry.error}`,
        action: entry.action.type,
      };
    default:
      return undefined;
  }
}
