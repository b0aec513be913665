import type { TraceEntry } from '../../sim/trace/trace.js';
import { isEvent, isProcess, type EventEntry } from './entries.js';

/**
 * Which job each job event is about, entry by entry: the database id, or `id@server` (`#generation` after
 * a restart) for a job that lived in one server's memory (single-server mode, or hazard H10), whose ids
 * start again in every process. Also each server entry's process generation, and where each job entered
 * the run.
 */
export class JobKeys {
  /** Where each job entered the run: its `enqueued`, or for a cron job its `cronFired`. */
  readonly origins = new Map<string, EventEntry<'enqueued' | 'cronFired'>>();
  /** Jobs that lived in one server's memory (single-server mode, or hazard H10). */
  readonly localJobs = new Set<string>();
  /** By seq (dense: seq is the position in the trace). */
  private readonly keys: (string | undefined)[] = [];
  private readonly generations: (number | undefined)[] = [];
  /** The current process generation of each server. */
  private readonly current = new Map<string, number>();

  push(entry: TraceEntry): void {
    if (entry.server === null) return;
    if (isProcess(entry, 'processStarted')) this.current.set(entry.server, entry.generation);
    const gen = this.current.get(entry.server) ?? 1;
    this.generations[entry.seq] = gen;
    if (entry.source !== 'coordinator' || !('jobId' in entry)) return;
    const local = `${entry.jobId}@${entry.server}${gen > 1 ? `#${gen}` : ''}`;
    let key: string;
    if (isEvent(entry, 'enqueued') && entry.target === 'local') {
      this.localJobs.add(local);
      key = local;
    } else if (isEvent(entry, 'reclaimed')) {
      key = entry.jobId;
    } else {
      key = this.localJobs.has(local) ? local : entry.jobId;
    }
    this.keys[entry.seq] = key;
    if (isEvent(entry, 'enqueued', 'cronFired') && !this.origins.has(key)) this.origins.set(key, entry);
  }

  /** The job an entry is about, or undefined for entries about no job. */
  jobKey(entry: TraceEntry): string | undefined {
    return this.keys[entry.seq];
  }

  /** The process generation of a server's entry (1 before any restart). */
  generation(entry: TraceEntry): number {
    return this.generations[entry.seq] ?? 1;
  }
}
