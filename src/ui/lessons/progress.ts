/**
 * The learner's progress, kept in the browser (localStorage): which lessons are done, and that the page was
 * visited before (a first visit opens lesson 1). Storage may be missing (private mode, a sandboxed iframe),
 * full, or hold anything: every read falls back to a fresh start and every write may fail silently.
 */

export const PROGRESS_KEY = 'coordinator-playground.lessons.v1';

export interface Progress {
  /** Lesson ids finished, each with the number of steps it had. */
  done: string[];
  /** The page was opened before: no onboarding. */
  visited: boolean;
}

export type StorageLike = Pick<Storage, 'getItem' | 'setItem'>;

export function emptyProgress(): Progress {
  return { done: [], visited: false };
}

/** The storage of this page, or null where touching it throws (blocked cookies, a sandbox). */
export function pageStorage(): StorageLike | null {
  try {
    const storage = globalThis.localStorage;
    return storage ?? null;
  } catch {
    return null;
  }
}

export function readProgress(storage: StorageLike | null): Progress {
  if (!storage) return emptyProgress();
  let text: string | null;
  try {
    text = storage.getItem(PROGRESS_KEY);
  } catch {
    return emptyProgress();
  }
  if (text === null) return emptyProgress();
  try {
    const value: unknown = JSON.parse(text);
    if (!value || typeof value !== 'object') return { ...emptyProgress(), visited: true };
    const record = value as Record<string, unknown>;
    const done = Array.isArray(record.done)
      ? [...new Set(record.done.filter((id): id is string => typeof id === 'string' && id.length <= 40))]
      : [];
    return { done, visited: true };
  } catch {
    // Something else wrote there, or it was cut short: the visitor was here, but nothing of it can be read.
    return { ...emptyProgress(), visited: true };
  }
}

/** Writes progress; false where storage refused (the page goes on, progress lasts only this visit). */
export function writeProgress(storage: StorageLike | null, progress: Progress): boolean {
  if (!storage) return false;
  try {
    storage.setItem(PROGRESS_KEY, JSON.stringify({ done: progress.done, visited: true }));
    return true;
  } catch {
    return false;
  }
}

export function markDone(progress: Progress, id: string): Progress {
  return progress.done.includes(id) ? progress : { ...progress, done: [...progress.done, id] };
}
