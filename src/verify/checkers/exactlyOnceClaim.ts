import type { RunResult } from '../../sim/runResult.js';
import type { TraceEntry } from '../../sim/trace/trace.js';
import { isEvent, isProcess, type EventEntry } from '../fold/entries.js';
import type { CheckContext, InvariantReducer } from '../fold/reducer.js';
import type { RunFold } from '../fold/runFold.js';
import { checkWith } from '../fold/foldRunner.js';
import { Overlap, tokenText, type Claim } from './claimOverlap.js';
import { candidate, makeReport, type Candidate, type InvariantReport } from './types.js';

/**
 * I1 exactly-once claim.
 *
 * 1. No job is held by two live claims at once. A claim starts at `claimed` and ends at the holder's
 *    `completed`, `completionRejected`, `failed` (same server and attempt), `released-claim`, `claimLost`,
 *    or a `reclaimed` of the job (which the database emits only once the lease expired; a reclaim whose
 *    transaction was rolled back does not count). The holder's process ending does not end it.
 *    Because an event is recorded only when its answer arrives, a second claim recorded before the first
 *    claim's end is a violation only if that end's write cannot have happened before the second claim
 *    (see Overlap). A holder that died before the second claim may have made its write just before
 *    dying, unanswered: that overlap is accepted and counted (`unprovenOverlaps`).
 * 2. A completion (or an accepted failure, retry or dead) comes from the job's current claim: the latest
 *    `claimed` of the job, from the same server and attempt, not ended by a reclaim.
 * 3. A job whose claim was never disturbed (no reclaim, lost claim or released claim, and its holder never
 *    crashed, paused, cut off, stopped or ended while holding it) is claimed once per attempt: attempts
 *    1, 2, ... n in order (consecutive from its first claim for a job that did not enter through
 *    `enqueued` or `cronFired`, such as a row re-inserted under hazard H8).
 *
 * As a reducer: rules 1 and 2 are judged at the entries that settle them (an overlap at the entry that
 * proves it, or at the end if its proof is on the database clock or never comes); rule 3 at the end,
 * since a job can be disturbed at any time.
 */
export class ExactlyOnceClaim implements InvariantReducer {
  readonly id = 'I1';
  readonly found: Candidate[] = [];
  /** The position of each found candidate's cause: ties of time and seq go to the earlier cause. */
  private readonly ranks: number[] = [];
  private fold!: RunFold;
  private readonly jobs = new Map<string, JobClaims>();
  private open: Overlap[] = [];
  private readonly atDbTime: {
    overlap: Overlap;
    entry: EventEntry<'failed'> | EventEntry<'released-claim'>;
  }[] = [];
  /** Completions of jobs never claimed: their evidence names the job's origin, which may come later. */
  private readonly neverClaimed: { key: string; server: string; entry: TraceEntry; rank: number }[] = [];
  /** The last `processEnded` of each server, by seq. */
  private readonly lastEnded = new Map<string, number>();
  private position = 0;
  private claims = 0;
  private unproven = 0;

  start(context: CheckContext): void {
    this.fold = context.fold;
  }

  step(entry: TraceEntry): void {
    const position = this.position++;
    this.settleOverlaps(entry);
    this.apply(entry, position);
  }

  finish(): InvariantReport {
    // Never-claimed completions (rank NaN in `found`) are built again below, with their origin.
    const ranked = this.found.flatMap((found, index) => {
      const rank = this.ranks[index]!;
      return Number.isNaN(rank) ? [] : [{ rank, found }];
    });
    const origins = this.fold.jobs.origins;
    for (const { key, server, entry, rank } of this.neverClaimed) {
      const message = `job ${key}: completion accepted from ${server}, but the job was never claimed`;
      ranked.push({ rank, found: candidate(message, entry.vt, [origins.get(key), entry]) });
    }
    let unproven = this.unproven;
    for (const { overlap, entry } of this.atDbTime) {
      const found = overlap.judgeDbAt(entry);
      if (found) ranked.push({ rank: overlap.rank, found });
      else unproven++;
    }
    for (const overlap of this.open) ranked.push({ rank: overlap.rank, found: overlap.end() });
    // Rule 3 came last, after every entry, job by job.
    let rank = this.position;
    for (const [key, state] of this.jobs) {
      rank++;
      if (state.disturbed || state.claims.length === 0) continue;
      const found = checkAttempts(key, state.claims, origins.has(key));
      if (found) ranked.push({ rank, found });
    }
    ranked.sort((a, b) => a.rank - b.rank);
    const jobs = [...this.jobs.values()];
    const skipped = this.claims === 0 && ranked.length === 0 ? 'no job was claimed' : undefined;
    return makeReport(
      'I1',
      ranked.map((item) => item.found),
      {
        claims: this.claims,
        jobs: jobs.filter((state) => state.claims.length > 0).length,
        disturbedJobs: jobs.filter((state) => state.disturbed).length,
        unprovenOverlaps: unproven,
      },
      skipped,
      skipped === undefined ? undefined : 'claim',
    );
  }

  private settleOverlaps(entry: TraceEntry): void {
    if (this.open.length === 0) return;
    this.open = this.open.filter((overlap) => {
      const verdict = overlap.step(entry);
      if (!verdict) return true;
      if (verdict.kind === 'violation') this.report(overlap.rank, verdict.violation);
      else if (verdict.kind === 'unproven') this.unproven++;
      else this.atDbTime.push({ overlap, entry: verdict.entry });
      return false;
    });
  }

  private report(rank: number, found: Candidate): void {
    this.found.push(found);
    this.ranks.push(rank);
  }

  private job(key: string): JobClaims {
    let found = this.jobs.get(key);
    if (!found) this.jobs.set(key, (found = { claims: [], disturbed: false }));
    return found;
  }

  private disturbHolder(server: string): void {
    for (const state of this.jobs.values()) {
      const live = liveClaim(state);
      if (live && live.server === server) state.disturbed = true;
    }
  }

  private apply(entry: TraceEntry, position: number): void {
    const fold = this.fold;
    if (entry.server !== null && fold.appliedAction(entry, 'crash', 'pause', 'cutOff', 'stop')) {
      this.disturbHolder(entry.action.server);
      return;
    }
    if (isProcess(entry, 'processEnded') && entry.server !== null) {
      this.lastEnded.set(entry.server, entry.seq);
      this.disturbHolder(entry.server);
      return;
    }
    if (entry.source !== 'coordinator' || entry.server === null) return;
    const key = fold.jobKey(entry);
    if (key === undefined) return;
    const state = this.job(key);
    const server = entry.server;

    if (isEvent(entry, 'claimed')) {
      this.claims++;
      const previous = liveClaim(state);
      if (previous) {
        // The holder died between its claim and the second one: it may have failed or released the job
        // just before, with the answer lost. Not provable either way.
        if ((this.lastEnded.get(previous.server) ?? -1) > previous.entry.seq) this.unproven++;
        else this.open.push(new Overlap(fold, previous, entry, key, position));
        previous.end = { entry, by: 'overlap' };
        state.disturbed = true;
      }
      state.claims.push({ entry, server, attempt: entry.attempt, token: entry.token });
    } else if (isEvent(entry, 'completed') || (isEvent(entry, 'failed') && acceptedFailure(entry))) {
      this.judgeOutcome(state, key, server, entry, position);
      endOwn(state, server, entry.attempt, entry);
    } else if (isEvent(entry, 'completionRejected', 'failed', 'claimLost')) {
      endOwn(state, server, entry.attempt, entry);
    } else if (isEvent(entry, 'released-claim')) {
      const live = liveClaim(state);
      if (live && live.server === server) live.end = { entry, by: 'holder' };
      state.disturbed = true;
    } else if (isEvent(entry, 'reclaimed')) {
      if (fold.rolledBackReclaim(entry)) return;
      const live = liveClaim(state);
      if (live) live.end = { entry, by: 'reclaim' };
      state.disturbed = true;
    }
    if (isEvent(entry, 'claimLost')) state.disturbed = true;
  }

  /** Rule 2: an accepted completion or failure comes from the job's current claim. */
  private judgeOutcome(
    state: JobClaims,
    key: string,
    server: string,
    entry: EventEntry<'completed'> | EventEntry<'failed'>,
    position: number,
  ): void {
    const latest = state.claims[state.claims.length - 1];
    if (!latest) {
      if (entry.type === 'completed') {
        this.neverClaimed.push({ key, server, entry, rank: position });
        // Judged now; its evidence (the job's origin, which a late answer can record after) at the end.
        this.found.push(
          candidate(
            `job ${key}: completion accepted from ${server}, but the job was never claimed`,
            entry.vt,
            [entry],
          ),
        );
        this.ranks.push(Number.NaN);
      }
      return;
    }
    const what = entry.type === 'completed' ? 'completion' : `failure (${entry.outcome})`;
    const own = [...state.claims].reverse().find((c) => c.server === server && c.attempt === entry.attempt);
    // A claim overtaken by a newer one was judged when the newer one came (a late answer, or a violation).
    if (own?.end?.by === 'overlap') return;
    if (latest.server !== server || latest.attempt !== entry.attempt) {
      this.report(
        position,
        candidate(
          `job ${key}: ${what} accepted from ${server} attempt ${entry.attempt}, which is not the current claim ` +
            `(the current claim is ${latest.server} attempt ${latest.attempt}${tokenText(latest)})`,
          entry.vt,
          [own?.entry, latest.entry, entry],
        ),
      );
    } else if (latest.end?.by === 'reclaim') {
      this.report(
        position,
        candidate(
          `job ${key}: ${what} accepted from ${server} attempt ${entry.attempt}${tokenText(latest)} after its claim ` +
            `was reclaimed at ${latest.end.entry.vt}`,
          entry.vt,
          [latest.entry, latest.end.entry, entry],
        ),
      );
    }
  }
}

/** I1 on a finished run. */
export function checkExactlyOnceClaim(result: RunResult): InvariantReport {
  return checkWith(new ExactlyOnceClaim(), result);
}

interface JobClaims {
  claims: Claim[];
  disturbed: boolean;
}

function liveClaim(state: JobClaims): Claim | undefined {
  const last = state.claims[state.claims.length - 1];
  return last && !last.end ? last : undefined;
}

function endOwn(state: JobClaims, server: string, attempt: number, entry: TraceEntry): void {
  const live = liveClaim(state);
  if (live && live.server === server && live.attempt === attempt) live.end = { entry, by: 'holder' };
}

function acceptedFailure(entry: EventEntry<'failed'>): boolean {
  return entry.outcome === 'retry' || entry.outcome === 'dead';
}

/** Attempts of an undisturbed job's claims: 1..n (or consecutive from the first), each claimed once. */
function checkAttempts(key: string, claims: readonly Claim[], entered: boolean): Candidate | undefined {
  const first = claims[0]!;
  if (entered && first.attempt !== 1) {
    return candidate(
      `job ${key}: its first claim (by ${first.server}) is attempt ${first.attempt}, expected attempt 1`,
      first.entry.vt,
      [first.entry],
    );
  }
  for (let i = 1; i < claims.length; i++) {
    const previous = claims[i - 1]!;
    const claim = claims[i]!;
    if (claim.attempt === previous.attempt + 1) continue;
    const why =
      claim.attempt === previous.attempt
        ? `attempt ${claim.attempt} claimed twice (by ${previous.server}, then by ${claim.server})`
        : `claimed as attempt ${claim.attempt} by ${claim.server} right after attempt ${previous.attempt} by ${previous.server}`;
    return candidate(`job ${key}: ${why}, though no claim of it was ever disturbed`, claim.entry.vt, [
      previous.entry,
      claim.entry,
    ]);
  }
  return undefined;
}
