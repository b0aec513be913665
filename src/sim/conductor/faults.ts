import { DEFAULT_JOB_TIMEOUT_MS } from '../../core/job.js';
import type { FaultAction } from '../../scenario/faultActions.js';
import type { Action, ActionBody, JobModel, Scenario } from '../../scenario/types.js';
import type { ResolvedTimings } from '../runResult.js';
import type { DatabaseClock } from '../time/databaseClock.js';
import type { VirtualTime } from '../time/virtualTime.js';
import type { Host, Hosts } from './hosts.js';
import type { Network } from './network.js';
import type { Processes } from './processes.js';

/** What heal() would do now: the actions to apply, and the servers to restart once their stop is over. */
export interface HealPlan {
  actions: ActionBody[];
  /** Servers still stopping: they cannot restart yet, and heal() restarts them when their stop ends. */
  afterStop: string[];
}

export interface FaultsSetup {
  scenario: Scenario;
  timings: ResolvedTimings;
  time: VirtualTime;
  dbClock: DatabaseClock;
  hosts: Hosts;
  network: Network;
  processes: Processes;
  /** Applies an action as the conductor does (recorded, refusal recorded): heal's actions are actions too. */
  apply: (action: ActionBody) => void;
}

/**
 * Carries out the faults, each with the same primitives whoever asks (a scenario, the playground, heal):
 * a crash ends the process; a stop asks it to stop and ends it once it has; a pause holds every message to
 * the server (the network looks at `paused`); a cut-off severs its connection. Then heal ends them all, and
 * livenessMs says how long the healed cluster is given to finish its jobs.
 */
export class Faults {
  /** Set by heal(): from then on the cluster is left to recover, and a process whose start fails is retried. */
  private healing = false;

  constructor(private readonly setup: FaultsSetup) {}

  carryOut(action: FaultAction): void {
    const { hosts, network, processes } = this.setup;
    switch (action.type) {
      case 'crash':
        return processes.end(hosts.live(action.server), 'crashed', 'crash', true);
      case 'stop': {
        const host = hosts.live(action.server);
        host.state.process = 'stopping';
        return processes.command(host, { type: 'stop', graceMs: action.graceMs }, () => {
          processes.end(host, 'stopped', 'stop', false);
          if (host.restartWhenStopped) this.setup.apply({ type: 'restart', server: host.spec.id });
        });
      }
      case 'restart': {
        const host = hosts.host(action.server);
        if (host.state.process === 'running' || host.state.process === 'stopping')
          throw new Error(`server "${host.spec.id}" is running`);
        return processes.start(host.spec);
      }
      case 'pause':
        hosts.live(action.server).state.paused = true;
        return;
      case 'resume': {
        const host = hosts.host(action.server);
        host.state.paused = false;
        return network.releaseHeld(host);
      }
      case 'cutOff': {
        const host = hosts.live(action.server);
        host.state.cutOff = true;
        return network.cutOff(host);
      }
      case 'heal': {
        const host = hosts.host(action.server);
        host.state.cutOff = false;
        return network.reconnect(host);
      }
      case 'setClock': {
        const host = hosts.host(action.server);
        if (action.offsetMs !== undefined) host.clock.setOffset(action.offsetMs);
        if (action.rate !== undefined) host.clock.setRate(action.rate);
        host.spec = { ...host.spec, offsetMs: host.clock.offset(), rate: host.clock.rate() };
        if (host.state.process === 'running')
          processes.command(host, { type: 'setClock', offsetMs: action.offsetMs, rate: action.rate });
        return;
      }
      case 'setDatabaseSkew':
        return this.setup.dbClock.setSkew(action.skewMs);
    }
  }

  /**
   * What heal() would do now, server by server: resume a paused one, heal a cut-off one, restart an ended
   * one; a stopping one can only be restarted once its stop has ended.
   */
  healPlan(): HealPlan {
    const plan: HealPlan = { actions: [], afterStop: [] };
    for (const host of this.setup.hosts.values()) {
      const server = host.spec.id;
      if (host.state.paused) plan.actions.push({ type: 'resume', server });
      if (host.state.cutOff) plan.actions.push({ type: 'heal', server });
      if (host.state.process === 'crashed' || host.state.process === 'stopped')
        plan.actions.push({ type: 'restart', server });
      if (host.state.process === 'stopping') plan.afterStop.push(server);
    }
    return plan;
  }

  /**
   * Ends every fault (see healPlan): what follows is the liveness phase, in which jobs must finish. From
   * now on a process whose start fails is started again. Usable at any time, as often as wanted.
   */
  heal(): void {
    this.healing = true;
    // Applying one server's actions changes no other server's state there and then, so the plan made
    // first is what looking at each server in turn would do.
    const plan = this.healPlan();
    for (const action of plan.actions) this.setup.apply(action);
    for (const server of plan.afterStop) this.setup.hosts.host(server).restartWhenStopped = true;
  }

  /** After a heal, a start that fails because of an earlier fault is tried again a second later. */
  onStartFailed(host: Host, generation: number): void {
    // Found by the soak: a server cut off while paused failed its start 1 ms after the heal.
    if (!this.healing) return;
    this.setup.time.setTimer(1_000, () => {
      if (host.state.generation === generation && host.state.process === 'crashed')
        this.setup.apply({ type: 'restart', server: host.spec.id });
    });
  }

  /**
   * How long a healed cluster needs to finish what was left: a failover, a claim lease, the retries, and
   * as long again as the scenario sets the database's clock back, since leases, claims and retries are
   * measured on that clock (found by the soak: a claim lost in a cut-off expired 39 s late, after the
   * database clock was set back 39 s, and its job finished 1 ms after the run). The retries are sized by
   * the longest attempt, which a job's timeout cuts short (see longestAttemptMs).
   */
  livenessMs(actions: readonly Action[] = this.setup.scenario.actions): number {
    const { leadershipTimeoutMs, heartbeatIntervalMs, claimLeaseMs } = this.setup.timings;
    const { jobs, ownJobNames } = this.setup.processes;
    const longest = longestAttemptMs(jobs, actions, ownJobNames);
    // Retries with backoff (1, 2, 4 ... s) only where an attempt can fail; otherwise one attempt is left.
    const attempts = attemptsCanFail(jobs, actions, ownJobNames) ? 70_000 + 6 * longest : longest;
    return (
      leadershipTimeoutMs +
      2 * heartbeatIntervalMs +
      claimLeaseMs +
      attempts +
      databaseSetBackMs(actions, this.setup.scenario.database?.skewMs ?? 0)
    );
  }
}

/**
 * The longest one attempt of any job can take: its duration, cut short by its timeout (an attempt past it
 * fails and is retried). A `setJob` may lengthen a job during the run: its duration counts too. Found by
 * the bounded-inputs review: a job of a day with a 2 s timeout gave six virtual days of liveness phase.
 * `jobs` are the jobs as the run has left them so far; `actions` may change them later; `ownJobs` name the
 * jobs that run the user's own code, whose attempts may last up to their timeout.
 */
export function longestAttemptMs(
  jobs: readonly JobModel[],
  actions: readonly Action[],
  ownJobs: ReadonlySet<string> = new Set(),
): number {
  const timeouts = new Map(jobs.map((job) => [job.name, job.timeoutMs ?? DEFAULT_JOB_TIMEOUT_MS]));
  // The user's own run() (RunOptions.jobs) may take as long as its timeout lets it.
  const attempt = (job: string, durationMs: number | undefined) =>
    Math.min(
      ownJobs.has(job) ? Number.POSITIVE_INFINITY : (durationMs ?? 0),
      timeouts.get(job) ?? DEFAULT_JOB_TIMEOUT_MS,
    );
  let longest = 0;
  for (const job of jobs) longest = Math.max(longest, attempt(job.name, job.durationMs));
  for (const action of actions)
    if (action.type === 'setJob') longest = Math.max(longest, attempt(action.job, action.durationMs));
  return longest;
}

/**
 * Whether any attempt can fail, and so be retried after a backoff: a job with a failure rate or an
 * attempt as long as its timeout, now or after a `setJob`, or one that runs the user's own code.
 */
export function attemptsCanFail(
  jobs: readonly JobModel[],
  actions: readonly Action[],
  ownJobs: ReadonlySet<string> = new Set(),
): boolean {
  if (ownJobs.size > 0) return true;
  const timeouts = new Map(jobs.map((job) => [job.name, job.timeoutMs ?? DEFAULT_JOB_TIMEOUT_MS]));
  const fails = (job: string, durationMs: number | undefined, failureRate: number | undefined) =>
    (failureRate ?? 0) > 0 || (durationMs ?? 0) >= (timeouts.get(job) ?? DEFAULT_JOB_TIMEOUT_MS);
  return (
    jobs.some((job) => fails(job.name, job.durationMs, job.failureRate)) ||
    actions.some(
      (action) => action.type === 'setJob' && fails(action.job, action.durationMs, action.failureRate),
    )
  );
}

/** How far, in all, the scenario's actions set the database clock back (known before the run). */
function databaseSetBackMs(actions: readonly Action[], initialSkewMs: number): number {
  let skew = initialSkewMs;
  let back = 0;
  const changes = actions
    .filter((action) => action.type === 'setDatabaseSkew')
    .sort((a, b) => a.atMs - b.atMs);
  for (const change of changes) {
    back += Math.max(0, skew - change.skewMs);
    skew = change.skewMs;
  }
  return back;
}
