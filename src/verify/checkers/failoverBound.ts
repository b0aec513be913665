import type { RunResult } from '../../sim/runResult';
import type { TraceEntry } from '../../sim/trace/trace';
import { indexRun, isEvent, isProcess, type ActionEntry, type EventEntry } from './runIndex';
import { candidate, makeReport, skippedReport, type Candidate, type InvariantReport } from './types';

/** Slack over the bound for database latency, ms. */
export const FAILOVER_SLACK_MS = 50;

interface Leadership {
  server: string;
  term: number;
  elected: EventEntry<'elected'>;
  lastBeat: TraceEntry;
  /** Database time of the last renewal: the last heartbeat's, or the election's read of the lease. */
  lastBeatDb: number;
  lost: boolean;
}

/**
 * I5 failover bound. Leadership is followed through `elected`, `heartbeat`, `steppedDown`, `released`
 * and `processEnded`. A leader is lost when a crash, pause or cut-off action hits the server that leads
 * at that moment. From there, the first of two things decides:
 * - a `heartbeat` of the same leader in the same term: it came back before anyone took over; nothing to measure;
 * - the next `elected` (any server, a higher term): the failover took `elected.dbNow` (the database time at
 *   which the new leader read the lease) minus the lost leader's last heartbeat (database time of its
 *   `heartbeat` entry, or of its election's read if it never beat), or the same on virtual time if shorter
 *   (a database clock set forward mid-failover lengthens it on that clock only). It must not exceed
 *   leadershipTimeoutMs + heartbeatIntervalMs + 50 ms.
 * With no election at all, the bound is broken if the run went past it. A loss is judged only if another
 * server with jobs was running, not stopping, paused or cut off, from the loss to the deadline: otherwise
 * no new leader was possible. Every measured delay is in `measurements.failoverMs`.
 */
export function checkFailoverBound(result: RunResult): InvariantReport {
  const run = indexRun(result);
  if (run.elections.length === 0 && result.scenario.mode === 'single') {
    return skippedReport('I5', 'single-server mode: no leader election');
  }
  const { leadershipTimeoutMs, heartbeatIntervalMs } = result.timings;
  const boundMs = leadershipTimeoutMs + heartbeatIntervalMs + FAILOVER_SLACK_MS;

  const losses: {
    leadership: Leadership;
    action: ActionEntry<'crash' | 'pause' | 'cutOff'>;
    position: number;
  }[] = [];
  let leader: Leadership | undefined;
  run.trace.forEach((entry, position) => {
    if (isEvent(entry, 'elected') && entry.server !== null) {
      leader = {
        server: entry.server,
        term: entry.term,
        elected: entry,
        lastBeat: entry,
        lastBeatDb: entry.dbNow,
        lost: false,
      };
    } else if (!leader || entry.server !== leader.server) {
      return;
    } else if (isEvent(entry, 'heartbeat') && entry.term === leader.term) {
      leader.lastBeat = entry;
      leader.lastBeatDb = entry.db;
    } else if (isEvent(entry, 'steppedDown', 'released') && entry.term === leader.term) {
      leader = undefined;
    } else if (isProcess(entry, 'processEnded')) {
      leader = undefined;
    } else if (run.appliedAction(entry, 'crash', 'pause', 'cutOff') && !leader.lost) {
      leader.lost = true;
      losses.push({ leadership: { ...leader }, action: entry, position });
    }
  });

  const candidates: Candidate[] = [];
  const failoverMs: number[] = [];
  let survived = 0;
  let impossible = 0;
  let unfinished = 0;
  for (const { leadership, action, position } of losses) {
    let next: EventEntry<'elected'> | undefined;
    let cameBack = false;
    for (const entry of run.trace.slice(position + 1)) {
      if (isEvent(entry, 'elected') && entry.term > leadership.term) {
        next = entry;
        break;
      }
      if (
        isEvent(entry, 'heartbeat') &&
        entry.server === leadership.server &&
        entry.term === leadership.term
      ) {
        cameBack = true;
        break;
      }
    }
    if (cameBack) {
      survived++;
      continue;
    }
    const lastBeatVt = isEvent(leadership.lastBeat, 'elected')
      ? run.electionStartVt(leadership.lastBeat)
      : leadership.lastBeat.vt;
    // A database clock set forward during the failover would make it look long on that clock alone.
    const deadlineVt = Math.max(run.dbToVt(leadership.lastBeatDb + boundMs), lastBeatVt + boundMs);
    const possible = run.candidatesThroughout(action.vt, deadlineVt, leadership.server).length > 0;
    const how = `${action.action.type} of leader ${leadership.server} (term ${leadership.term}) at ${action.vt}`;
    if (next) {
      const delay = Math.min(next.dbNow - leadership.lastBeatDb, run.electionStartVt(next) - lastBeatVt);
      failoverMs.push(delay);
      // A database clock set back during the lease makes the lease itself last longer, on every clock;
      // no coordinator can beat that. What it owes is an election within one interval of the lease's end.
      const expiredVt = run.dbToVtAfter(leadership.lastBeatDb + leadershipTimeoutMs, lastBeatVt);
      const lateAfterExpiry = run.electionStartVt(next) - expiredVt;
      if (!possible) impossible++;
      else if (delay > boundMs && lateAfterExpiry > heartbeatIntervalMs + FAILOVER_SLACK_MS) {
        candidates.push(
          candidate(
            `failover took ${delay} ms after the ${how}: ${next.server} was elected (term ${next.term}) ${delay} ms ` +
              `after the last heartbeat, over the bound of ${boundMs} ms (leadership timeout ${leadershipTimeoutMs} + ` +
              `heartbeat interval ${heartbeatIntervalMs} + ${FAILOVER_SLACK_MS})`,
            next.vt,
            [leadership.lastBeat, action, next],
          ),
        );
      }
    } else if (!possible) {
      impossible++;
    } else if (result.endedAt > deadlineVt) {
      candidates.push(
        candidate(
          `no new leader was elected after the ${how}, though the run went on ${result.endedAt - deadlineVt} ms past the ` +
            `bound of ${boundMs} ms after its last heartbeat`,
          deadlineVt,
          [leadership.lastBeat, action],
        ),
      );
    } else {
      unfinished++;
    }
  }

  const measurements = {
    failoverMs,
    leaderLosses: losses.length,
    leaderCameBack: survived,
    noCandidate: impossible,
    runEndedFirst: unfinished,
    boundMs,
  };
  if (losses.length === 0) {
    return makeReport('I5', [], measurements, 'no leader was crashed, paused or cut off');
  }
  if (candidates.length === 0 && losses.length === survived + impossible + unfinished) {
    return makeReport(
      'I5',
      [],
      measurements,
      'no leader loss could be judged (it came back, no other server could lead, or the run ended first)',
    );
  }
  return makeReport('I5', candidates, measurements);
}
