import type { CoordinatorEventBody } from '../../core/events.js';
import type { Action, ActionType } from '../../scenario/types.js';
import type { TraceEntry, TraceStamp } from '../../sim/trace/trace.js';

/** Narrowed kinds of trace entry, the guards that pick them out, and the readers of table columns. */

export type EventType = CoordinatorEventBody['type'];
export type EventEntry<T extends EventType = EventType> = TraceStamp &
  Extract<CoordinatorEventBody, { type: T }> & { source: 'coordinator'; local: number };
export type ProcessEntry = Extract<TraceEntry, { source: 'process' }>;
export type ActionEntry<T extends ActionType = ActionType> = Extract<TraceEntry, { source: 'action' }> & {
  action: Extract<Action, { type: T }>;
};

export function isEvent<T extends EventType>(entry: TraceEntry, ...types: T[]): entry is EventEntry<T> {
  return entry.source === 'coordinator' && (types as string[]).includes(entry.type);
}

export function isProcess(
  entry: TraceEntry,
  type?: 'processStarted' | 'processEnded',
): entry is ProcessEntry {
  return entry.source === 'process' && (type === undefined || entry.type === type);
}

/** An `action` entry (applied or not: whether the conductor refused it is the fold's to say). */
export function isActionEntry(entry: TraceEntry): entry is ActionEntry {
  return entry.source === 'action' && entry.type === 'action';
}

/** Whether `next` says that the action just before it was refused (the conductor records it right after). */
export function refuses(next: TraceEntry | undefined, action: ActionEntry): boolean {
  return (
    next !== undefined &&
    next.source === 'action' &&
    next.type === 'actionFailed' &&
    JSON.stringify(next.action) === JSON.stringify(action.action)
  );
}

/** An interval of virtual time, [from, to); `to` is Infinity while it is still open at the end of the run. */
export interface Span {
  from: number;
  to: number;
}

/** A row's column as a number, or null. */
export function num(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

/** A row's column as a string, or null. */
export function str(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}
