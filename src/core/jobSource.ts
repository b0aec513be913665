import type { JsonObject } from './json.js';

/**
 * One attempt of one job, handed to the worker by a source. The source knows how the job is held (an
 * in-memory entry, or a database claim with a token) and how to settle it.
 */
export interface ClaimedJob {
  readonly id: string;
  readonly name: string;
  readonly params: JsonObject;
  /** This attempt's number, 1 for the first. */
  readonly attempt: number;
  readonly tickAt: number | undefined;
  /** The claim's token in the shared table; null for jobs held in memory (or deleted on claim, H8). */
  readonly token: string | null;
  /** Set by the source when the claim was lost (its lease lapsed and another server took the job). */
  lost: boolean;
}

export interface TakeResult {
  jobs: ClaimedJob[];
  /** How long until a job that is waiting (a retry after backoff) becomes due, when the source knows. */
  nextDueInMs?: number | undefined;
}

export interface JobSource {
  /** Takes up to `max` due jobs. */
  take(max: number): Promise<TakeResult>;
  /** Records success. Resolves false when the source refused it (the claim was no longer current). */
  complete(job: ClaimedJob): Promise<boolean>;
  /** Records a failed attempt; the source decides between a retry, a dead letter, or dropping it. */
  fail(job: ClaimedJob, error: unknown, maxAttempts: number, retryInMs: number): Promise<void>;
  /**
   * Hands back a job this server will not finish: one abandoned at a graceful stop (`started`: the attempt
   * counts as made), or one whose claim landed after the stop began and never ran (it does not count).
   */
  release(job: ClaimedJob, started: boolean): Promise<{ dbAt?: number } | void>;
  /** Calls `listener` when new work may be available. Returns a function that stops it. */
  onWork(listener: () => void): () => void;
}
