import type { TraceEntry } from '../../sim/trace/trace.js';
import { isEvent, isProcess, type EventEntry } from '../fold/entries.js';
import type { RunFold } from '../fold/runFold.js';
import { candidate, type Candidate } from './types.js';

/** A claim of a job, from its `claimed` to its end (if any). */
export interface Claim {
  entry: EventEntry<'claimed'>;
  server: string;
  attempt: number;
  token: string | null;
  end?: { entry: TraceEntry; by: 'holder' | 'reclaim' | 'overlap' };
}

export function tokenText(claim: Claim): string {
  return claim.token === null ? '' : `, token ${claim.token}`;
}

/** How a later entry settles an overlap: not yet, provably a violation, not provable, or on the database clock. */
export type Verdict =
  | { kind: 'violation'; violation: Candidate }
  | { kind: 'unproven' }
  | { kind: 'dbAt'; entry: EventEntry<'failed'> | EventEntry<'released-claim'> }
  | undefined;

/**
 * A second claim was recorded while the first one looked live. Decides, from the entries after the second
 * claim as they come, whether the first claim provably was still live in the database when the second was
 * made. Because an event is recorded only when its answer arrives, that is so only if the first claim's
 * end cannot have been written before the second claim: the end is a completion, a rejection, a lost claim
 * or a reclaim of the first holder, or a failure or release whose write provably came later (see
 * RunFold.writeLowerBoundVt), or there is no end at all while the holder lived.
 */
export class Overlap {
  private readonly holder: string;
  private readonly holderGeneration: number;

  constructor(
    private readonly fold: RunFold,
    readonly first: Claim,
    readonly second: EventEntry<'claimed'>,
    readonly key: string,
    /** The second claim's position in the trace: the order in which this overlap's candidate counts. */
    readonly rank: number,
  ) {
    this.holder = first.server;
    this.holderGeneration = fold.generation(first.entry);
  }

  /** An entry after the second claim: the verdict it gives, or undefined while it is still open. */
  step(entry: TraceEntry): Verdict {
    const { fold, holder, second, first } = this;
    if (entry.server === holder && isProcess(entry) && fold.generation(entry) >= this.holderGeneration) {
      // The holder's process ended (or restarted) without ending the claim. Its end write may have been in
      // flight only if it ended within a few latencies of the second claim.
      if (fold.writeLowerBoundVt(entry, 2) > second.vt) {
        return this.violation(`${holder} still held it and its process ended later, at ${entry.vt}`, entry);
      }
      return { kind: 'unproven' };
    }
    if (entry.source !== 'coordinator' || fold.jobKey(entry) !== this.key) return undefined;
    if (isEvent(entry, 'reclaimed') && entry.previousHolder === holder && second.server !== holder) {
      return this.violation(`the database reclaimed ${holder}'s claim only later, at ${entry.vt}`, entry);
    }
    if (entry.server !== holder) return undefined;
    if (isEvent(entry, 'completed')) {
      return this.violation(`${holder} then completed it, at ${entry.vt}`, entry);
    }
    if (isEvent(entry, 'completionRejected') && entry.attempt === first.attempt) {
      return this.violation(`${holder}'s completion was rejected at ${entry.vt} without any reclaim`, entry);
    }
    if (isEvent(entry, 'claimLost') && entry.attempt === first.attempt) {
      return this.violation(`${holder} lost its claim at ${entry.vt} without any reclaim`, entry);
    }
    if (isEvent(entry, 'failed') && entry.attempt === first.attempt) {
      if (entry.outcome === 'rejected' || entry.outcome === 'dropped') {
        return this.violation(
          `${holder}'s failure (${entry.outcome}) at ${entry.vt} came after the second claim`,
          entry,
        );
      }
      return this.writtenAfter(
        entry,
        `${holder} gave it back (failed, ${entry.outcome}) only at ${entry.vt}`,
      );
    }
    if (isEvent(entry, 'released-claim')) {
      return this.writtenAfter(entry, `${holder} released it only at ${entry.vt}`);
    }
    return undefined;
  }

  /** The verdict at the end of the trace so far, with no entry having settled it. */
  end(): Candidate {
    return this.candidate(`${this.holder} never gave it back`);
  }

  /** The verdict on a failure or release that carries its database time (see writtenAfter), at the end. */
  judgeDbAt(entry: EventEntry<'failed'> | EventEntry<'released-claim'>): Candidate | undefined {
    if (this.fold.dbToVtAfter(entry.dbAt!, this.first.entry.vt) <= this.second.vt) return undefined;
    return this.candidate(this.dbAtWhy(entry), entry);
  }

  /**
   * Whether the write behind a `failed` or `released-claim` entry provably ran after the second claim. With
   * `dbAt` (the database's clock when it was written) that is exact: the earliest moment after the first
   * claim at which the database read that time; it is read on the database clock, so it is judged at the
   * end. Without it, the entry's time less two round trips, which misses a statement's wait in the lock
   * queue (found by the soak: a release that waited for the lock looked later than the claim that followed
   * it).
   */
  private writtenAfter(entry: EventEntry<'failed'> | EventEntry<'released-claim'>, why: string): Verdict {
    if (entry.dbAt !== undefined) return { kind: 'dbAt', entry };
    if (this.fold.writeLowerBoundVt(entry, 2) > this.second.vt) return this.violation(why, entry);
    return { kind: 'unproven' };
  }

  private dbAtWhy(entry: EventEntry<'failed'> | EventEntry<'released-claim'>): string {
    return entry.type === 'failed'
      ? `${this.holder} gave it back (failed, ${entry.outcome}) only at ${entry.vt}`
      : `${this.holder} released it only at ${entry.vt}`;
  }

  private violation(why: string, proof: TraceEntry): Verdict {
    return { kind: 'violation', violation: this.candidate(why, proof) };
  }

  private candidate(why: string, proof?: TraceEntry): Candidate {
    const { second, first, holder } = this;
    const message =
      `job ${this.key} claimed by ${second.server} (attempt ${second.attempt}${second.token ? `, token ${second.token}` : ''}) ` +
      `while ${holder}'s claim (attempt ${first.attempt}${tokenText(first)}) was still live: ${why}`;
    return candidate(message, second.vt, [first.entry, second, proof]);
  }
}
