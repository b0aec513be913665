import { entryDetails } from '../../sim/trace/entryText';
import type { TraceEntry } from '../../sim/trace/trace';

export { entryDetails };

/** Whether an entry matches the log's text filter (type, server or details, case-insensitive). */
export function matchesText(entry: TraceEntry, needle: string): boolean {
  if (!needle) return true;
  return (
    entry.type.toLowerCase().includes(needle) ||
    (entry.server ?? '').toLowerCase().includes(needle) ||
    entryDetails(entry).toLowerCase().includes(needle)
  );
}
