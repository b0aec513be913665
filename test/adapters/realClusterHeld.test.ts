/**
 * A server paused holding its turn on a SQLite file (`RealCluster.pause` between transactions) and then
 * crashed or restarted: the turn went with its process, so a later resume gives nothing back to the new
 * one, which never held anything (a `release` to it would end a hold of its own).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { RealCluster, type HistoryEntry } from '../../src/adapters/cluster/realCluster';
import { eventsOf } from './support/clusterHistory';
import { CONCURRENCY, FAULT_JOBS, STOP_GRACE_MS, TENTH_TIMINGS } from './support/faultRun';
import { waitFor } from './support/realCluster';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function pausedHolding(): Promise<RealCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'adapters-held-'));
  cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
  const cluster = new RealCluster({
    servers: 2,
    database: { kind: 'sqlite', path: join(dir, 'cluster.sqlite') },
    timings: TENTH_TIMINGS,
    jobs: FAULT_JOBS,
    stopGraceMs: STOP_GRACE_MS,
    concurrency: CONCURRENCY,
  });
  cleanup.push(() => cluster.close());
  await cluster.start();
  await cluster.pause('s1', { betweenTransactions: true });
  expect(commandsTo(cluster, 's1', 0)).toContain('hold');
  return cluster;
}

/** The commands the parent sent `serverId` from the `from`-th entry of the history on. */
const commandsTo = (cluster: RealCluster, serverId: string, from: number) =>
  cluster.history
    .slice(from)
    .flatMap((e: HistoryEntry) =>
      e.kind === 'command' && e.serverId === serverId ? [e.command.command] : [],
    );

/** The new process works: an enqueue through it is accepted. */
async function expectWorking(cluster: RealCluster, serverId: string) {
  const from = cluster.history.length;
  cluster.enqueue(serverId, 1);
  await waitFor(`an enqueue through ${serverId} to be accepted`, () =>
    eventsOf(cluster, 'enqueued', from).some((e) => e.serverId === serverId),
  );
}

describe('a server paused holding its turn on the file, then its process gone', () => {
  test.each([
    ['crashed, restarted', ['crash', 'restart'] as const],
    ['restarted while paused', ['restart'] as const],
  ])('%s, resumed: nothing is given back to the new process', { timeout: 60_000 }, async (_, faults) => {
    const cluster = await pausedHolding();
    for (const fault of faults) await cluster[fault]('s1');
    const restarted = cluster.history.length;
    cluster.resume('s1');
    expect(commandsTo(cluster, 's1', restarted)).toEqual([]);
    await expectWorking(cluster, 's1');
  });

  test('paused and resumed, the same process: its turn is given back', { timeout: 60_000 }, async () => {
    const cluster = await pausedHolding();
    const paused = cluster.history.length;
    cluster.resume('s1');
    expect(commandsTo(cluster, 's1', paused)).toEqual(['release']);
    await expectWorking(cluster, 's1');
  });
});
