import type { JobDefinition } from '../../core/job.js';
import type { SharedSqlJsDatabase } from '../../db/index.js';
import { jobModels } from '../ownJobs.js';
import type { ActionBody, HazardList, JobModel, Scenario, ServerSpec } from '../../scenario/types.js';
import type { Command, FromServer, ServerConfig } from '../server/protocol.js';
import type { TransportFactory } from '../server/transport.js';
import { deriveSeed } from '../seededEntropy.js';
import { serverClock } from '../time/serverClock.js';
import { DEFAULT_EPOCH_MS, type VirtualTime } from '../time/virtualTime.js';
import { endProcess as endState, hasEnded, newServerState } from '../trace/serverState.js';
import type { Host, Hosts } from './hosts.js';
import { newLink, type Network } from './network.js';
import type { Observation } from './observation.js';

/** The actions about what the servers run rather than about faults. */
export type WorkloadAction = Extract<
  ActionBody,
  { type: 'addServer' | 'enqueue' | 'setJob' | 'addSchedule' | 'setHazards' }
>;

export interface ProcessesSetup {
  scenario: Scenario;
  seed: number;
  time: VirtualTime;
  db: SharedSqlJsDatabase;
  hosts: Hosts;
  network: Network;
  observation: Observation;
  transport: TransportFactory;
  /** The user's own jobs (the transport is the in-thread one that runs them). */
  ownJobs: ReadonlyMap<string, JobDefinition>;
  /** Told when a process's coordinator could not start (the process has just been ended as crashed). */
  onStartFailed: (host: Host, generation: number) => void;
}

/**
 * Server processes: each start is a new generation with its own transport, connection and seed; each end
 * (a crash, or a stop once it has finished) lets go of everything the process had. Also what every process
 * runs, the cluster's jobs and hazards, and the commands that change them, since a process starts with
 * what the run has been told so far.
 */
export class Processes {
  /** The jobs as the run's actions left them: a process that starts now gets these. */
  readonly jobs: JobModel[];
  private hazards: HazardList;
  /** Commands sent and not yet answered, by server, process generation and id. */
  private readonly commands = new Map<string, { command: Command; onDone?: (() => void) | undefined }>();

  /** The jobs that run the user's own code (RunOptions.jobs) rather than the scenario's model. */
  readonly ownJobNames: ReadonlySet<string>;

  constructor(private readonly setup: ProcessesSetup) {
    this.jobs = jobModels(setup.scenario.jobs, setup.ownJobs);
    this.ownJobNames = new Set(setup.ownJobs.keys());
    this.hazards = [...(setup.scenario.hazards ?? [])];
  }

  start(spec: ServerSpec): void {
    const { scenario, seed, time, db, hosts, network, observation } = this.setup;
    const previous = hosts.get(spec.id);
    const generation = (previous?.state.generation ?? 0) + 1;
    const hazards = previous?.hazards ?? [...this.hazards];
    const clock = serverClock(time, { offsetMs: spec.offsetMs ?? 0, rate: spec.rate ?? 1 });
    const config: ServerConfig = {
      id: spec.id,
      generation,
      seed: deriveSeed(seed, 'server', spec.id, generation),
      mode: scenario.mode ?? 'distributed',
      withoutJobs: spec.withoutJobs ?? false,
      offsetMs: spec.offsetMs ?? 0,
      rate: spec.rate ?? 1,
      coordinator: scenario.coordinator ?? {},
      hazards,
      jobs: structuredClone(this.jobs),
    };
    // The process is made before its host is put in place: a factory that throws (in this thread, a
    // coordinator refusing its configuration, say a bad cron once H13 is off) leaves the server as it was,
    // ended, and the action that started it is recorded as failed. Registered first, the host stood as
    // "running" with no process, and whatever reached it next (an enqueue, the run's dispose) threw a
    // TypeError (found by the fuzz suite). What the process asks for while it is made waits until its host
    // is in place, and is then heard in order, as before.
    const heard: { host?: Host; early: FromServer[] } = { early: [] };
    const transport = this.setup.transport(config, time.now(), (message) => {
      if (heard.host) network.onRequest(heard.host, generation, message);
      else heard.early.push(message);
    });
    const host: Host = {
      spec,
      state: newServerState(spec.id, { withoutJobs: spec.withoutJobs ?? false, generation }),
      transport,
      link: newLink(db.connect(spec.id)),
      nextCommand: 1,
      clock,
      hazards,
      restartWhenStopped: false,
    };
    hosts.set(host);
    heard.host = host;
    for (const message of heard.early) network.onRequest(host, generation, message);
    observation.record(spec.id, {
      source: 'process',
      type: 'processStarted',
      generation,
      reason: previous ? 'restart' : 'start',
    });
    this.command(host, { type: 'start' });
  }

  /** Ends the current process of a host: a crash (no cleanup, its transaction rolled back) or after a stop. */
  end(host: Host, state: 'crashed' | 'stopped', reason: string, record: boolean): void {
    if (hasEnded(host.state)) return;
    host.state.process = state;
    host.transport.terminate();
    this.setup.network.disconnect(host, reason);
    // Only now: what severing the connection recorded (its rollback) still carries the term it ended.
    endState(host.state, state);
    if (record || state === 'stopped') {
      this.setup.observation.record(host.spec.id, {
        source: 'process',
        type: 'processEnded',
        generation: host.state.generation,
        reason,
      });
    }
  }

  command(host: Host, command: Command, onDone?: () => void): void {
    const id = host.nextCommand++;
    const generation = host.state.generation;
    this.commands.set(`${host.spec.id}#${generation}#${id}`, { command, onDone });
    this.setup.network.deliverLater(host, generation, 0, { kind: 'command', id, command });
  }

  /** A command's answer: a refusal is recorded as the action it came from having failed. */
  commandDone(host: Host, generation: number, message: Extract<FromServer, { kind: 'commandDone' }>): void {
    const key = `${host.spec.id}#${generation}#${message.id}`;
    const pending = this.commands.get(key);
    this.commands.delete(key);
    if (message.error && pending) {
      this.setup.observation.record(host.spec.id, {
        source: 'action',
        type: 'actionFailed',
        action: {
          atMs: this.setup.time.now() - DEFAULT_EPOCH_MS,
          ...commandAction(host.spec.id, pending.command),
        },
        error: message.error.message,
      });
      // A process whose coordinator could not start (its migrations timed out behind a stalled lock
      // holder, or it was cut off) is dead: say so, so that heal() starts it again (found by the
      // property suite: it stayed "running" with nothing running, and its jobs were never done).
      if (pending.command.type === 'start') {
        this.end(host, 'crashed', `start failed: ${message.error.message}`, true);
        this.setup.onStartFailed(host, generation);
        return;
      }
    }
    pending?.onDone?.();
  }

  /** Adds a server, or changes what the servers run: the running ones are told, later ones start with it. */
  carryOut(action: WorkloadAction): void {
    const { hosts } = this.setup;
    switch (action.type) {
      case 'addServer':
        if (hosts.has(action.server.id)) throw new Error(`server "${action.server.id}" exists already`);
        return this.start(action.server);
      case 'enqueue':
        return this.command(hosts.live(action.server), {
          type: 'enqueue',
          job: action.job,
          params: action.params ?? {},
          count: action.count ?? 1,
        });
      case 'setJob': {
        if (this.ownJobNames.has(action.job))
          throw new Error(
            `job "${action.job}" runs its own run() (RunOptions.jobs): durationMs and failureRate model only the scenario's jobs`,
          );
        const job = this.job(action.job);
        if (action.durationMs !== undefined) job.durationMs = action.durationMs;
        if (action.failureRate !== undefined) job.failureRate = action.failureRate;
        for (const host of hosts.running())
          this.command(host, {
            type: 'setJob',
            job: action.job,
            durationMs: action.durationMs,
            failureRate: action.failureRate,
          });
        return;
      }
      case 'addSchedule': {
        const job = this.job(action.job);
        job.schedules = [...(job.schedules ?? []), { cron: action.cron, params: action.params }];
        for (const host of hosts.running())
          this.command(host, {
            type: 'addSchedule',
            job: action.job,
            cron: action.cron,
            params: action.params,
          });
        return;
      }
      case 'setHazards': {
        const targets = action.servers ? action.servers.map((id) => hosts.host(id)) : [...hosts.values()];
        if (!action.servers) this.hazards = [...action.hazards];
        for (const host of targets) {
          host.hazards = [...action.hazards];
          if (host.state.process === 'running')
            this.command(host, { type: 'setHazards', hazards: action.hazards });
        }
        return;
      }
    }
  }

  private job(name: string): JobModel {
    const job = this.jobs.find((model) => model.name === name);
    if (!job) throw new Error(`no job "${name}"`);
    return job;
  }
}

/** The action a failed command came from, for the trace. */
function commandAction(server: string, command: Command): ActionBody {
  switch (command.type) {
    case 'start':
      return { type: 'restart', server };
    case 'stop':
      return { type: 'stop', server, graceMs: command.graceMs };
    case 'enqueue':
      return { type: 'enqueue', server, job: command.job, params: command.params, count: command.count };
    case 'setClock':
      return { type: 'setClock', server, offsetMs: command.offsetMs, rate: command.rate };
    case 'setJob':
      return {
        type: 'setJob',
        job: command.job,
        durationMs: command.durationMs,
        failureRate: command.failureRate,
      };
    case 'addSchedule':
      return { type: 'addSchedule', job: command.job, cron: command.cron, params: command.params };
    case 'setHazards':
      return { type: 'setHazards', hazards: command.hazards, servers: [server] };
  }
}
