/**
 * Three real coordinators in one Node process, on the system clock and a real database: what the
 * real-run tests drive. Every event of every server goes to one list, in the order they happened.
 */
import {
  defineJob,
  DistributedJobCoordinator,
  type CoordinatorEvent,
  type Database,
} from '../../../src/core';
import { CryptoEntropy, SystemClock } from '../../../src/adapters';

/** Short enough that a takeover is well under a second, long enough for a busy 2-core machine. */
export const REAL_TIMINGS = {
  heartbeatIntervalMs: 100,
  leadershipTimeoutMs: 300,
  claimLeaseMs: 2_000,
  pollIntervalMs: 200,
} as const;

export interface RealCluster {
  servers: DistributedJobCoordinator[];
  events: CoordinatorEvent[];
  /** How many times each job's body ran, by its `n` param. */
  runs: Map<number, number>;
}

export function realCluster(databases: readonly Database[]): RealCluster {
  const events: CoordinatorEvent[] = [];
  const runs = new Map<number, number>();
  const work = defineJob({
    name: 'work',
    maxAttempts: 1,
    run: async ({ n }) => {
      runs.set(Number(n), (runs.get(Number(n)) ?? 0) + 1);
      await new Promise((done) => setTimeout(done, 5));
    },
  });
  const servers = databases.map(
    (database, i) =>
      new DistributedJobCoordinator({
        serverId: `s${i + 1}`,
        clock: new SystemClock(),
        entropy: new CryptoEntropy(),
        database,
        jobs: [work],
        concurrency: 4,
        stopGraceMs: 2_000,
        onEvent: (event) => events.push(event),
        ...REAL_TIMINGS,
      }),
  );
  return { servers, events, runs };
}

/** Polls `condition` every 20 ms until it holds, or fails after `timeoutMs` saying what it waited for. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 20));
  }
}

/** Which server holds the lease now, as the events say: the last `elected` not followed by its end. */
export function currentLeader(events: readonly CoordinatorEvent[]): string | undefined {
  let leader: string | undefined;
  for (const event of events) {
    if (event.type === 'elected') leader = event.serverId;
    else if (
      (event.type === 'steppedDown' || event.type === 'released' || event.type === 'stopped') &&
      event.serverId === leader
    ) {
      leader = undefined;
    }
  }
  return leader;
}
