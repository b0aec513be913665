/**
 * The coordinator's own tests use the harness the package ships (src/testing: `TestCluster`, whose faults
 * mean what the conductor's do, and `FaultableClock`, whose held timers are NOT the conductor's pause: see
 * its comment). What stays here is for these tests only: a single-server coordinator on virtual time and a
 * log of job runs for exactly-once assertions.
 */
import { SingleServerJobCoordinator, type JobDefinition, type JobCoordinatorOptions } from '../../src/core';
import {
  DEFAULT_EPOCH_MS,
  FaultableClock,
  SeededEntropy,
  VirtualTime,
  serverClock,
  type RecordedEvent,
} from '../../src/testing';

export {
  FaultableClock,
  TestCluster,
  type RecordedEvent,
  type TestServer,
  type TestClusterOptions,
} from '../../src/testing';

/** A single-server coordinator on its own virtual time, for single-mode tests. */
export function singleServer(
  options: Partial<JobCoordinatorOptions> & {
    jobs: readonly JobDefinition[];
    time?: VirtualTime;
    offsetMs?: number;
  },
) {
  const time = options.time ?? new VirtualTime(DEFAULT_EPOCH_MS);
  const clock = new FaultableClock(serverClock(time, { offsetMs: options.offsetMs }), time);
  const events: RecordedEvent[] = [];
  const coordinator = new SingleServerJobCoordinator({
    serverId: 'solo',
    entropy: new SeededEntropy(7),
    onEvent: (event) => events.push({ ...event, vt: time.now() }),
    ...options,
    clock,
  });
  return { time, clock, events, coordinator };
}

/** Records every run of every job, by server, for exactly-once assertions. */
export class RunLog {
  readonly runs: {
    server: string;
    jobId: string;
    name: string;
    params: unknown;
    attempt: number;
    tickAt?: number;
    vt: number;
  }[] = [];
  constructor(private readonly time: VirtualTime | (() => VirtualTime)) {}
  record(
    context: {
      serverId: string;
      jobId: string;
      jobName: string;
      attempt: number;
      tickAt: number | undefined;
    },
    params: unknown,
  ) {
    const time = typeof this.time === 'function' ? this.time() : this.time;
    this.runs.push({
      server: context.serverId,
      jobId: context.jobId,
      name: context.jobName,
      params,
      attempt: context.attempt,
      tickAt: context.tickAt,
      vt: time.now(),
    });
  }
}
