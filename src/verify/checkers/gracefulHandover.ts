import type { Scenario } from '../../scenario/types.js';
import type { RunResult } from '../../sim/runResult.js';
import type { TraceEntry } from '../../sim/trace/trace.js';
import { isEvent, isProcess, type EventEntry } from '../fold/entries.js';
import { checkWith } from '../fold/foldRunner.js';
import type { CheckContext, InvariantReducer, RunEnd } from '../fold/reducer.js';
import type { RunFold } from '../fold/runFold.js';
import { candidate, makeReport, skippedReport, type Candidate, type InvariantReport } from './types.js';

/** A graceful stop hands leadership over within this much virtual time. */
export const HANDOVER_BOUND_MS = 1_000;
/** The release is a transaction (update, notify, commit) recorded after its last answer. */
const RELEASE_ROUND_TRIPS = 3;

/**
 * I6 graceful handover. For every `released` (a leader freeing its lease on a graceful stop): the next
 * `elected` by another server (or by the same server's new process after a restart) must come within
 * 1000 ms of virtual time, provided another server with jobs was running, not stopping, paused or cut
 * off, throughout that second. Elections are matched by term (any election of a higher term), not by
 * trace position. A release of a term that another server had already superseded before the release was
 * written (its lease had expired unnoticed, say when the database clock jumped) hands nothing over and is
 * not judged (`supersededReleases`). With no election at all, the bound is broken if the run went past it.
 * Every measured delay is in `measurements.handoverMs`. A stop that does not release (the process ends
 * first) is a lost leader, I5's; leadership that never comes back after a release that could not be
 * judged here (no other server could lead then) is I8's.
 */
export class GracefulHandover implements InvariantReducer {
  readonly id = 'I6';
  /** A handover is judged against elections and candidates up to its deadline: at the end. */
  readonly found = [];
  private fold!: RunFold;
  private scenario!: Scenario;
  private readonly releases: EventEntry<'released'>[] = [];
  /** The seqs of each server's `processStarted` entries, in order. */
  private readonly starts = new Map<string, number[]>();

  start(context: CheckContext): void {
    ({ fold: this.fold, scenario: this.scenario } = context);
  }

  step(entry: TraceEntry): void {
    if (isEvent(entry, 'released') && entry.server !== null) this.releases.push(entry);
    if (entry.server !== null && isProcess(entry, 'processStarted')) {
      let list = this.starts.get(entry.server);
      if (!list) this.starts.set(entry.server, (list = []));
      list.push(entry.seq);
    }
  }

  finish(end: RunEnd): InvariantReport {
    return judge(this.fold, this.scenario, end, this.releases, (server, after, before) =>
      (this.starts.get(server) ?? []).some((seq) => seq > after && seq < before),
    );
  }
}

/** I6 on a finished run. */
export function checkGracefulHandover(result: RunResult): InvariantReport {
  return checkWith(new GracefulHandover(), result);
}

function judge(
  run: RunFold,
  scenario: Scenario,
  result: RunEnd,
  released: readonly EventEntry<'released'>[],
  startedBetween: (server: string, afterSeq: number, beforeSeq: number) => boolean,
): InvariantReport {
  if (run.elections.length === 0 && scenario.mode === 'single') {
    return skippedReport('I6', 'single-server mode: no leader election', undefined, 'leaderElection');
  }
  const candidates: Candidate[] = [];
  const handoverMs: number[] = [];
  let releases = 0;
  let judged = 0;
  let superseded = 0;
  released.forEach((released) => {
    if (released.server === null) return;
    releases++;
    const server = released.server;
    // The elections after this term, by anyone: by virtual time, since a late answer can record one
    // before the `released` that let it happen.
    const later = run.elections.filter((entry) => entry.term > released.term);
    const releasedFrom = run.writeLowerBoundVt(released, RELEASE_ROUND_TRIPS);
    if (later.some((entry) => run.electionStartVt(entry) < releasedFrom)) {
      // Another server had taken the lease before (the lease expired unnoticed): nothing was handed over.
      superseded++;
      return;
    }
    let next: EventEntry<'elected'> | undefined;
    for (const entry of later) {
      const restarted = startedBetween(server, released.seq, entry.seq);
      if (entry.server === server && !restarted) continue;
      if (!next || entry.vt < next.vt) next = entry;
    }
    const deadline = released.vt + HANDOVER_BOUND_MS;
    const possible = run.candidatesThroughout(released.vt, deadline, server).length > 0;
    if (next) handoverMs.push(Math.max(0, next.vt - released.vt));
    if (!possible) return;
    if (next) {
      judged++;
      const delay = Math.max(0, next.vt - released.vt);
      if (delay > HANDOVER_BOUND_MS) {
        candidates.push(
          candidate(
            `handover took ${delay} ms: ${server} released term ${released.term} at ${released.vt}, ${next.server} was ` +
              `elected (term ${next.term}) only at ${next.vt}, over the bound of ${HANDOVER_BOUND_MS} ms`,
            next.vt,
            [released, next],
          ),
        );
      }
    } else if (result.endedAt > deadline) {
      judged++;
      candidates.push(
        candidate(
          `no server was elected after ${server} released term ${released.term} at ${released.vt}, though the run ` +
            `went on ${result.endedAt - released.vt} ms`,
          deadline,
          [released],
        ),
      );
    }
  });
  const measurements = { handoverMs, releases, supersededReleases: superseded };
  if (judged === 0 && releases === 0) {
    return makeReport(
      'I6',
      [],
      measurements,
      'no leader released its lease (no graceful stop of a leader)',
      'release',
    );
  }
  if (judged === 0) {
    return makeReport(
      'I6',
      [],
      measurements,
      releases === superseded
        ? 'no release handed anything over (another server had taken the lease before each release)'
        : 'no release could be judged (no other server could lead in the second after it, or the run ended first)',
      'judgeableRelease',
    );
  }
  return makeReport('I6', candidates, measurements);
}
