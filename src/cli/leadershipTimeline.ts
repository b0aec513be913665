import { ServerStateFold } from '../sim/trace/serverState.js';
import type { TraceEntry } from '../sim/trace/trace.js';
import type { ActionType, ServerSpec } from '../scenario/types.js';
import { DEFAULT_EPOCH_MS } from '../sim/time/virtualTime.js';
import type { LeadershipEvent, TimelineItem } from './summary.js';

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
