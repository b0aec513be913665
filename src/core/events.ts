/**
 * What a coordinator reports about itself. Each event carries the server's id and its own clock's time;
 * the simulation adds virtual and database time when it records them into a trace.
 */
export type CoordinatorEventBody =
  | { type: 'started'; mode: 'single' | 'distributed'; withoutJobs: boolean }
  | { type: 'stopped'; report: StopReport }
  | { type: 'crashed'; error: string }
  | {
      type: 'elected';
      term: number;
      dbNow: number;
      previousHolder: string | null;
      previousHeartbeatAt: number | null;
    }
  | { type: 'heartbeat'; term: number }
  | { type: 'steppedDown'; term: number; reason: string }
  | { type: 'released'; term: number }
  | { type: 'enqueued'; jobId: string; jobName: string; target: 'local' | 'shared' }
  | { type: 'claimed'; jobId: string; jobName: string; attempt: number; token: string | null }
  | {
      type: 'reclaimed';
      jobId: string;
      jobName: string;
      previousHolder: string | null;
      outcome: 'queued' | 'dead';
    }
  | { type: 'claimLost'; jobId: string; jobName: string; attempt: number }
  | { type: 'completed'; jobId: string; jobName: string; attempt: number }
  | { type: 'completionRejected'; jobId: string; jobName: string; attempt: number }
  | {
      type: 'failed';
      jobId: string;
      jobName: string;
      attempt: number;
      error: string;
      outcome: 'retry' | 'dead' | 'dropped' | 'rejected';
      retryInMs?: number;
      /** The database's clock when the failure was written, where the source knows it. */
      dbAt?: number;
    }
  /** `dbAt`: the database's clock when the release was written (the event itself comes later). */
  | { type: 'released-claim'; jobId: string; jobName: string; dbAt?: number }
  | { type: 'cronFired'; scheduleKey: string; tickAt: number; jobId: string; term: number | null }
  | { type: 'cronSkipped'; scheduleKey: string; count: number }
  | { type: 'fenced'; term: number; what: string }
  | { type: 'migrated'; versions: number[] }
  | { type: 'hazardsChanged'; hazards: string[] }
  | { type: 'scheduleAdded'; scheduleKey: string }
  | { type: 'error'; where: string; error: string };

export type CoordinatorEvent = CoordinatorEventBody & { serverId: string; at: number };
export type EventSink = (event: CoordinatorEvent) => void;

/** What a graceful stop did: what finished within the grace period and what did not. */
export interface StopReport {
  /** Jobs that were running when stop began and finished within the grace period. */
  finished: number;
  /** Jobs still running when the grace period ended: released for another server, or requeued locally. */
  abandoned: { jobId: string; jobName: string; attempt: number }[];
  /** Jobs left in this server's in-memory queue (single-server mode loses them when the process ends). */
  leftInLocalQueue: number;
  /** Whether this server held leadership and released it. */
  releasedLeadership: boolean;
}

/** Stamps events with the server's id and clock, and keeps a faulty sink from breaking the coordinator. */
export class Emitter {
  constructor(
    readonly serverId: string,
    private readonly now: () => number,
    private readonly sink: EventSink | undefined,
  ) {}

  emit(body: CoordinatorEventBody): void {
    if (!this.sink) return;
    try {
      this.sink({ ...body, serverId: this.serverId, at: this.now() } as CoordinatorEvent);
    } catch {
      // An observer's bug must not change what the coordinator does.
    }
  }
}
