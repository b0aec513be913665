import type { CoordinatorEventBody } from '../../../src/core/events';
import type { Row } from '../../../src/core/ports';
import type { DatabaseEvent } from '../../../src/db/events';
import type { RunResult } from '../../../src/sim/runResult';
import type { ActionBody, Scenario } from '../../../src/scenario/types';
import type { TraceEntry } from '../../../src/sim/trace/trace';

type DbBody = DatabaseEvent extends infer T ? (T extends unknown ? Omit<T, 'connection'> : never) : never;

/**
 * Builds a synthetic run by hand: trace entries in order (seq = position), the database clock at
 * virtual time plus `skew`, and the final tables. Times are small numbers of ms from 0.
 */
export class RunBuilder {
  readonly entries: TraceEntry[] = [];
  skew = 0;
  scenario: Scenario = {
    version: 1,
    seed: 1,
    durationMs: 60_000,
    jobs: [{ name: 'work' }],
    servers: [{ id: 'a' }, { id: 'b' }],
    actions: [],
  };
  timings = {
    heartbeatIntervalMs: 1_000,
    leadershipTimeoutMs: 3_000,
    claimLeaseMs: 5_000,
    pollIntervalMs: 1_000,
    stopGraceMs: 1_000,
  };
  endedAt: number | undefined;
  healedAt: number | null = 0;
  final: RunResult['final'] = {
    distributedJobs: [],
    jobCronTicks: [],
    jobSchedules: [],
    leadJobCoordinators: [],
  };
  /** The term stamp each server's coordinator entries get (as the conductor stamps them). */
  private readonly terms = new Map<string, number | null>();

  private push(vt: number, server: string | null, body: object): TraceEntry {
    const entry = {
      seq: this.entries.length,
      vt,
      db: vt + this.skew,
      server,
      term: server === null ? null : (this.terms.get(server) ?? null),
      ...body,
    } as TraceEntry;
    this.entries.push(entry);
    return entry;
  }

  /** A coordinator event of `server` at `vt`. */
  event(vt: number, server: string, body: CoordinatorEventBody): TraceEntry {
    const entry = this.push(vt, server, { ...body, source: 'coordinator', local: vt });
    if (body.type === 'elected') this.terms.set(server, body.term);
    if (body.type === 'steppedDown' || body.type === 'released') this.terms.set(server, null);
    return entry;
  }

  action(vt: number, action: ActionBody): TraceEntry {
    const server = 'server' in action && typeof action.server === 'string' ? action.server : null;
    return this.push(vt, server, { source: 'action', type: 'action', action: { atMs: vt, ...action } });
  }

  process(
    vt: number,
    server: string,
    type: 'processStarted' | 'processEnded',
    reason: string,
    generation = 1,
  ) {
    if (type === 'processEnded') this.terms.set(server, null);
    return this.push(vt, server, { source: 'process', type, generation, reason });
  }

  database(vt: number, server: string, body: DbBody): TraceEntry {
    return this.push(vt, server, { ...body, source: 'database' });
  }

  // --- shorthands ---

  elected(vt: number, server: string, term: number, dbNow = vt + this.skew) {
    return this.event(vt, server, {
      type: 'elected',
      term,
      dbNow,
      previousHolder: null,
      previousHeartbeatAt: null,
    });
  }

  heartbeat(vt: number, server: string, term: number) {
    return this.event(vt, server, { type: 'heartbeat', term });
  }

  enqueued(
    vt: number,
    server: string,
    jobId: string,
    target: 'local' | 'shared' = 'shared',
    jobName = 'work',
  ) {
    return this.event(vt, server, { type: 'enqueued', jobId, jobName, target });
  }

  claimed(
    vt: number,
    server: string,
    jobId: string,
    attempt: number,
    token: string | null = `${server}:claim/${jobId}/${attempt}`,
  ) {
    return this.event(vt, server, { type: 'claimed', jobId, jobName: 'work', attempt, token });
  }

  completed(vt: number, server: string, jobId: string, attempt: number) {
    return this.event(vt, server, { type: 'completed', jobId, jobName: 'work', attempt });
  }

  failed(
    vt: number,
    server: string,
    jobId: string,
    attempt: number,
    outcome: 'retry' | 'dead' | 'dropped' | 'rejected' = 'retry',
  ) {
    return this.event(vt, server, {
      type: 'failed',
      jobId,
      jobName: 'work',
      attempt,
      error: 'boom',
      outcome,
    });
  }

  reclaimed(vt: number, server: string, jobId: string, previousHolder: string) {
    return this.event(vt, server, {
      type: 'reclaimed',
      jobId,
      jobName: 'work',
      previousHolder,
      outcome: 'queued',
    });
  }

  cronFired(
    vt: number,
    server: string,
    scheduleKey: string,
    tickAt: number,
    jobId: string,
    term: number | null = 1,
  ) {
    return this.event(vt, server, { type: 'cronFired', scheduleKey, tickAt, jobId, term });
  }

  /** A distributedJobs row. */
  row(id: number, status: string, extra: Row = {}): Row {
    const row: Row = {
      id,
      name: 'work',
      params: '{}',
      createdAt: 0,
      runAt: 0,
      status,
      attempts: 1,
      maxAttempts: 5,
      claimedBy: null,
      claimToken: null,
      claimExpiresAt: null,
      completedAt: null,
      lastError: null,
      enqueuedBy: 'a',
      scheduleKey: null,
      tickAt: null,
      term: null,
      ...extra,
    };
    this.final.distributedJobs.push(row);
    return row;
  }

  build(): RunResult {
    const last = this.entries[this.entries.length - 1];
    return {
      scenario: this.scenario,
      seed: this.scenario.seed,
      trace: this.entries,
      timings: this.timings,
      endedAt: this.endedAt ?? (last ? last.vt + 10_000 : 10_000),
      healedAt: this.healedAt,
      final: this.final,
    };
  }
}

/** The seqs of a report's evidence. */
export function seqs(entries: readonly TraceEntry[] | undefined): number[] {
  return (entries ?? []).map((entry) => entry.seq);
}
