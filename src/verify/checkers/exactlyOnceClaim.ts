import type { RunResult } from '../../sim/runResult';
import type { TraceEntry } from '../../sim/trace/trace';
import { indexRun, isEvent, isProcess, type EventEntry, type RunIndex } from './runIndex';
import { candidate, makeReport, type Candidate, type InvariantReport } from './types';

/**
 * I1 exactly-once claim.
 *
 * 1. No job is held by two live claims at once. A claim starts at `claimed` and ends at the holder's
 *    `completed`, `completionRejected`, `failed` (same server and attempt), `released-claim`, `claimLost`,
 *    or a `reclaimed` of the job (which the database emits only once the lease expired; a reclaim whose
 *    transaction was rolled back does not count). The holder's process ending does not end it.
 *    Because an event is recorded only when its answer arrives, a second claim recorded before the first
 *    claim's end is a violation only if that end's write cannot have happened before the second claim:
 *    the end is a completion, a rejection, a lost claim or a reclaim of the first holder, or a failure or
 *    release whose write provably came later (see RunIndex.writeLowerBoundVt), or there is no end at all
 *    while the holder lived. A holder that died before the second claim may have made its write just before
 *    dying, unanswered: that overlap is accepted and counted (`unprovenOverlaps`).
 * 2. A completion (or an accepted failure, retry or dead) comes from the job's current claim: the latest
 *    `claimed` of the job, from the same server and attempt, not ended by a reclaim.
 * 3. A job whose claim was never disturbed (no reclaim, lost claim or released claim, and its holder never
 *    crashed, paused, cut off, stopped or ended while holding it) is claimed once per attempt: attempts
 *    1, 2, ... n in order (consecutive from its first claim for a job that did not enter through
 *    `enqueued` or `cronFired`, such as a row re-inserted under hazard H8).
 */
export function checkExactlyOnceClaim(result: RunResult): InvariantReport {
  const run = indexRun(result);
  const candidates: Candidate[] = [];
  const rolledBackReclaims = findRolledBackReclaims(run.trace);
  const jobs = new Map<string, JobClaims>();
  const job = (key: string) => {
    let found = jobs.get(key);
    if (!found) jobs.set(key, (found = { claims: [], disturbed: false }));
    return found;
  };
  let claims = 0;
  let unproven = 0;

  const disturbHolder = (server: string) => {
    for (const state of jobs.values()) {
      const live = liveClaim(state);
      if (live && live.server === server) state.disturbed = true;
    }
  };

  run.trace.forEach((entry, position) => {
    if (entry.server !== null && run.appliedAction(entry, 'crash', 'pause', 'cutOff', 'stop')) {
      disturbHolder(entry.action.server);
      return;
    }
    if (isProcess(entry, 'processEnded') && entry.server !== null) {
      disturbHolder(entry.server);
      return;
    }
    if (entry.source !== 'coordinator' || entry.server === null) return;
    const key = run.jobKey(entry);
    if (key === undefined) return;
    const state = job(key);
    const server = entry.server;

    if (isEvent(entry, 'claimed')) {
      claims++;
      const previous = liveClaim(state);
      if (previous) {
        const judged = judgeOverlap(run, previous, entry, position, key);
        if (judged.violation) candidates.push(judged.violation);
        else unproven++;
        previous.end = { entry, by: 'overlap' };
        state.disturbed = true;
      }
      state.claims.push({ entry, server, attempt: entry.attempt, token: entry.token });
    } else if (isEvent(entry, 'completed') || (isEvent(entry, 'failed') && acceptedFailure(entry))) {
      const latest = state.claims[state.claims.length - 1];
      if (!latest) {
        if (entry.type === 'completed') {
          candidates.push(
            candidate(
              `job ${key}: completion accepted from ${server}, but the job was never claimed`,
              entry.vt,
              [run.origins.get(key), entry],
            ),
          );
        }
        return;
      }
      const what = entry.type === 'completed' ? 'completion' : `failure (${describeOutcome(entry)})`;
      const own = [...state.claims].reverse().find((c) => c.server === server && c.attempt === entry.attempt);
      // A claim overtaken by a newer one was judged when the newer one came (a late answer, or a violation).
      if (own?.end?.by === 'overlap') return;
      if (latest.server !== server || latest.attempt !== entry.attempt) {
        candidates.push(
          candidate(
            `job ${key}: ${what} accepted from ${server} attempt ${entry.attempt}, which is not the current claim ` +
              `(the current claim is ${latest.server} attempt ${latest.attempt}${tokenText(latest)})`,
            entry.vt,
            [own?.entry, latest.entry, entry],
          ),
        );
      } else if (latest.end?.by === 'reclaim') {
        candidates.push(
          candidate(
            `job ${key}: ${what} accepted from ${server} attempt ${entry.attempt}${tokenText(latest)} after its claim ` +
              `was reclaimed at ${latest.end.entry.vt}`,
            entry.vt,
            [latest.entry, latest.end.entry, entry],
          ),
        );
      }
      endOwn(state, server, entry.attempt, entry);
    } else if (isEvent(entry, 'completionRejected', 'failed', 'claimLost')) {
      endOwn(state, server, entry.attempt, entry);
    } else if (isEvent(entry, 'released-claim')) {
      const live = liveClaim(state);
      if (live && live.server === server) live.end = { entry, by: 'holder' };
      state.disturbed = true;
    } else if (isEvent(entry, 'reclaimed')) {
      if (rolledBackReclaims.has(entry.seq)) return;
      const live = liveClaim(state);
      if (live) live.end = { entry, by: 'reclaim' };
      state.disturbed = true;
    }
    if (isEvent(entry, 'claimLost')) state.disturbed = true;
  });

  for (const [key, state] of jobs) {
    if (state.disturbed || state.claims.length === 0) continue;
    const found = checkAttempts(key, state.claims, run.origins.has(key));
    if (found) candidates.push(found);
  }

  return makeReport('I1', candidates, {
    claims,
    jobs: [...jobs.values()].filter((state) => state.claims.length > 0).length,
    disturbedJobs: [...jobs.values()].filter((state) => state.disturbed).length,
    unprovenOverlaps: unproven,
  });
}

interface Claim {
  entry: EventEntry<'claimed'>;
  server: string;
  attempt: number;
  token: string | null;
  end?: { entry: TraceEntry; by: 'holder' | 'reclaim' | 'overlap' };
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

function describeOutcome(entry: EventEntry<'failed'>): string {
  return entry.outcome;
}

function tokenText(claim: Claim): string {
  return claim.token === null ? '' : `, token ${claim.token}`;
}

/**
 * A second claim was recorded while the first one looked live. Decides whether the first claim provably
 * was still live in the database when the second was made.
 */
function judgeOverlap(
  run: RunIndex,
  first: Claim,
  second: EventEntry<'claimed'>,
  position: number,
  key: string,
): { violation?: Candidate } {
  const holder = first.server;
  const holderGeneration = run.generation(first.entry);
  const message = (why: string) =>
    `job ${key} claimed by ${second.server} (attempt ${second.attempt}${second.token ? `, token ${second.token}` : ''}) ` +
    `while ${holder}'s claim (attempt ${first.attempt}${tokenText(first)}) was still live: ${why}`;
  const violation = (why: string, proof?: TraceEntry) => ({
    violation: candidate(message(why), second.vt, [first.entry, second, proof]),
  });

  // The holder died between its claim and the second one: it may have failed or released the job just
  // before, with the answer lost. Not provable either way.
  const diedBefore = run.trace
    .slice(first.entry.seq + 1, position)
    .some((entry) => entry.server === holder && isProcess(entry, 'processEnded'));
  if (diedBefore) return {};

  for (const entry of run.trace.slice(position + 1)) {
    if (entry.server === holder && isProcess(entry) && run.generation(entry) >= holderGeneration) {
      // The holder's process ended (or restarted) without ending the claim. Its end write may have been in
      // flight only if it ended within a few latencies of the second claim.
      if (run.writeLowerBoundVt(entry, 2) > second.vt) {
        return violation(`${holder} still held it and its process ended later, at ${entry.vt}`, entry);
      }
      return {};
    }
    if (entry.source !== 'coordinator' || run.jobKey(entry) !== key) continue;
    if (isEvent(entry, 'reclaimed') && entry.previousHolder === holder && second.server !== holder) {
      return violation(`the database reclaimed ${holder}'s claim only later, at ${entry.vt}`, entry);
    }
    if (entry.server !== holder) continue;
    if (isEvent(entry, 'completed')) {
      return violation(`${holder} then completed it, at ${entry.vt}`, entry);
    }
    if (isEvent(entry, 'completionRejected') && entry.attempt === first.attempt) {
      return violation(`${holder}'s completion was rejected at ${entry.vt} without any reclaim`, entry);
    }
    if (isEvent(entry, 'claimLost') && entry.attempt === first.attempt) {
      return violation(`${holder} lost its claim at ${entry.vt} without any reclaim`, entry);
    }
    if (isEvent(entry, 'failed') && entry.attempt === first.attempt) {
      if (entry.outcome === 'rejected' || entry.outcome === 'dropped') {
        return violation(
          `${holder}'s failure (${entry.outcome}) at ${entry.vt} came after the second claim`,
          entry,
        );
      }
      if (writtenAfter(run, entry, first, second)) {
        return violation(`${holder} gave it back (failed, ${entry.outcome}) only at ${entry.vt}`, entry);
      }
      return {};
    }
    if (isEvent(entry, 'released-claim')) {
      if (writtenAfter(run, entry, first, second)) {
        return violation(`${holder} released it only at ${entry.vt}`, entry);
      }
      return {};
    }
  }
  return violation(`${holder} never gave it back`);
}

/**
 * Whether the write behind a `failed` or `released-claim` entry provably ran after the second claim. With
 * `dbAt` (the database's clock when it was written) that is exact: the earliest moment after the first
 * claim at which the database read that time. Without it, the entry's time less two round trips, which
 * misses a statement's wait in the lock queue (found by the soak: a release that waited for the lock
 * looked later than the claim that followed it).
 */
function writtenAfter(
  run: RunIndex,
  entry: EventEntry<'failed'> | EventEntry<'released-claim'>,
  first: Claim,
  second: EventEntry<'claimed'>,
): boolean {
  if (entry.dbAt !== undefined) return run.dbToVtAfter(entry.dbAt, first.entry.vt) > second.vt;
  return run.writeLowerBoundVt(entry, 2) > second.vt;
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

/**
 * `reclaimed` is emitted inside the claiming server's transaction. If that transaction was rolled back
 * (its server cut off or crashed before committing), the reclaim never happened.
 */
function findRolledBackReclaims(trace: readonly TraceEntry[]): Set<number> {
  const rolledBack = new Set<number>();
  trace.forEach((entry, index) => {
    if (!isEvent(entry, 'reclaimed')) return;
    for (const later of trace.slice(index + 1)) {
      if (later.source !== 'database') continue;
      if (later.type === 'rolledBack' && later.server === entry.server) {
        rolledBack.add(entry.seq);
        return;
      }
      if (later.type === 'lockReleased') {
        if (later.outcome === 'rollback' && later.server === entry.server) rolledBack.add(entry.seq);
        return;
      }
    }
  });
  return rolledBack;
}
