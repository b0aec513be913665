import { DistributedJobCoordinator } from '../../core/distributed/distributedJobCoordinator.js';
import { SingleServerJobCoordinator, type JobCoordinator } from '../../core/jobCoordinator.js';
import type { CoordinatorEvent } from '../../core/events.js';
import type { Command, FromServer, ServerConfig, ToServer } from './protocol.js';
import { toWireError } from './protocol.js';
import { RemoteClock } from './remoteClock.js';
import { RemoteDatabase } from './remoteDatabase.js';
import { SeededEntropy } from '../seededEntropy.js';
import { ownJobDefinition, simulatedJobs, type JobBehaviour } from './simulatedJobs.js';
import type { JobDefinition } from '../../core/job.js';

/**
 * One simulated server process: a real coordinator from src/core, on a clock and a database that answer
 * through messages. It has no timers, no database and no notion of time of its own; it reacts to each
 * message from the conductor and answers with requests. The same class runs in this thread or inside a
 * Web Worker; only who calls `handle` and who receives `send` differs.
 */
export class ServerRuntime {
  readonly clock: RemoteClock;
  private readonly database: RemoteDatabase;
  private readonly coordinator: JobCoordinator;
  private readonly behaviours = new Map<string, JobBehaviour>();

  constructor(
    readonly config: ServerConfig,
    startVt: number,
    private readonly send: (message: FromServer) => void,
    ownJobs: ReadonlyMap<string, JobDefinition> = new Map(),
  ) {
    this.clock = new RemoteClock(startVt, config.offsetMs, config.rate, send);
    this.database = new RemoteDatabase(send);
    const entropy = new SeededEntropy(config.seed);
    // The user's own jobs (in this thread only) take the place of the scenario's model of the same name.
    const simulated = simulatedJobs(
      config.jobs.filter((model) => !ownJobs.has(model.name)),
      this.behaviours,
      entropy.fork(),
    );
    const jobs = config.jobs.map((model) => {
      const own = ownJobs.get(model.name);
      return own ? ownJobDefinition(model, own) : simulated.find((job) => job.name === model.name)!;
    });
    const common = {
      serverId: config.id,
      clock: this.clock,
      entropy,
      jobs,
      withoutJobs: config.withoutJobs,
      hazards: config.hazards,
      ...config.coordinator,
      // The term rides along so the trace can stamp every entry with it.
      onEvent: (event: CoordinatorEvent) =>
        send({ kind: 'event', event, term: this.coordinator?.term ?? null }),
    };
    this.coordinator =
      config.mode === 'single'
        ? new SingleServerJobCoordinator(common)
        : new DistributedJobCoordinator({ ...common, database: this.database });
  }

  get isLeader(): boolean {
    return this.coordinator.isLeader;
  }

  get term(): number | null {
    return this.coordinator.term;
  }

  get state() {
    return this.coordinator.state;
  }

  runningJobs() {
    return this.coordinator.runningJobs();
  }

  handle(message: ToServer): void {
    this.clock.observe(message.vt);
    if (message.kind === 'timer') this.clock.fire(message.id);
    else if (message.kind === 'command') void this.run(message.id, message.command);
    else this.database.handle(message);
  }

  private async run(id: number, command: Command): Promise<void> {
    try {
      await this.execute(command);
      this.send({ kind: 'commandDone', id });
    } catch (error) {
      this.send({ kind: 'commandDone', id, error: toWireError(error) });
    }
  }

  private async execute(command: Command): Promise<void> {
    switch (command.type) {
      case 'start':
        return this.coordinator.start();
      case 'stop':
        await this.coordinator.stop({ graceMs: command.graceMs });
        return;
      case 'enqueue':
        if (command.count === 1) await this.coordinator.enqueue(command.job, command.params);
        else
          await this.coordinator.enqueueMany(
            command.job,
            Array.from({ length: command.count }, () => command.params ?? {}),
          );
        return;
      case 'setClock':
        return this.clock.set(command.offsetMs, command.rate);
      case 'setJob': {
        const behaviour = this.behaviours.get(command.job);
        if (!behaviour) throw new Error(`setJob: no job "${command.job}"`);
        if (command.durationMs !== undefined) behaviour.durationMs = command.durationMs;
        if (command.failureRate !== undefined) behaviour.failureRate = command.failureRate;
        return;
      }
      case 'addSchedule':
        return this.coordinator.addSchedule(command.job, { cron: command.cron, params: command.params });
      case 'setHazards':
        return this.coordinator.setHazards(command.hazards);
    }
  }
}
