/**
 * Issue 14 §6: PostgreSQL restarted in the middle of a run. On a server of the test's own
 * (`support/throwawayPostgres.ts`: initdb and pg_ctl on a free port, so the machine's shared server is
 * untouched), stopped with `pg_ctl stop -m fast` and started again:
 * - the adapter: what was open fails with a `ConnectionLostError` naming the connection and rolls back,
 *   the next use connects again (after a backoff while the server is down), LISTEN is subscribed again;
 * - a cluster of three real processes: they reconnect, a leader is elected again, no accepted job is
 *   lost or completed twice, and the property suites' checkers judge the history (the outage is every
 *   server cut off from the database).
 */
import { afterEach, describe, expect, test } from 'vitest';
import { ConnectionLostError } from '../../src/adapters';
import { PostgresDatabase } from '../../src/adapters/postgres/index.js';
import { ReconnectBackoff } from '../../src/adapters/postgres/reconnectBackoff';
import { migrate } from '../../src/core';
import { INSERT_JOB } from '../../src/core/distributed/sql/distributedJobsSql';
import { queryRows } from '../../src/core/distributed/sql/statement';
import {
  allDone,
  elections,
  eventsOf,
  expectEachJobCompletedOnce,
  expectInvariantsHold,
  expectTermsGrow,
  judge,
  recentHistory,
  startedCluster,
} from './support/clusterHistory';
import { waitFor } from './support/realCluster';
import { throwawayPostgres, type ThrowawayPostgres } from './support/throwawayPostgres';

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function ownServer(): Promise<ThrowawayPostgres> {
  const server = await throwawayPostgres();
  cleanup.push(() => server.dispose());
  return server;
}

describe('reconnecting after a failed attempt waits a backoff', () => {
  test('nothing at first, then 50 ms doubling to the longest, and nothing again once it worked', () => {
    let now = 1_000;
    const backoff = new ReconnectBackoff(50, 400, () => now);
    expect(backoff.remainingMs()).toBe(0);
    const delays = [];
    for (let i = 0; i < 5; i++) {
      backoff.failed();
      delays.push(backoff.remainingMs());
    }
    expect(delays).toEqual([50, 100, 200, 400, 400]);
    now += 150;
    expect(backoff.remainingMs()).toBe(250);
    backoff.succeeded();
    expect(backoff.remainingMs()).toBe(0);
  });
});

describe('PostgreSQL restarted under a running cluster', () => {
  test('the adapter: open work fails saying the connection was lost, the next use reconnects, LISTEN comes back', async () => {
    const server = await ownServer();
    const errors: string[] = [];
    const db = await PostgresDatabase.open({
      connectionString: server.url,
      schema: 'restart',
      name: 's1',
      reconnectMaxDelayMs: 200,
      onBackgroundError: (error) => errors.push(error.message),
    });
    cleanup.push(() => db.close());
    const other = await PostgresDatabase.open({
      connectionString: server.url,
      schema: 'restart',
      name: 's2',
    });
    cleanup.push(() => other.close());
    await migrate((fn) => db.lock(fn));
    let woken = 0;
    db.listen('jobs', () => woken++);
    await db.listening();

    // A transaction open when the server stops: it fails naming the connection, and nothing of it lands.
    let inside!: () => void;
    const entered = new Promise<void>((resolve) => (inside = resolve));
    const open = db
      .lock(async (tx) => {
        await queryRows(tx, INSERT_JOB, ['lost', '{}', 1, 's1']);
        inside();
        await sleep(400);
        await tx.query('SELECT 1');
      })
      .catch((error: unknown) => error);
    await entered;
    await server.stop('fast');
    const lost = await open;
    expect(lost).toBeInstanceOf(ConnectionLostError);
    expect((lost as Error).message).toMatch(/^connection "s1" lost: .*the next statement connects again/);

    // While it is down, a statement and a transaction fail at once with the same error, not a hang.
    for (const attempt of [() => db.query('SELECT 1'), () => db.lock(async (tx) => tx.query('SELECT 1'))]) {
      const started = Date.now();
      const error = await attempt().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectionLostError);
      expect((error as Error).message).toContain('connection "s1" lost: could not connect');
      expect(Date.now() - started).toBeLessThan(1_000);
    }

    await server.start();
    const wokenBefore = woken;
    expect((await db.query('SELECT COUNT(*) AS n FROM distributedJobs'))[0]!.n).toBe(0);
    // The listening connection came back by itself: it LISTENs again, and told its listener to look.
    await waitFor('the listener to be back', () => woken > wokenBefore, 5_000);
    const beforeNotify = woken;
    await other.notify('jobs');
    await waitFor('a notification after the restart', () => woken > beforeNotify, 3_000);
    expect(errors.some((message) => message.includes('listening connection lost'))).toBe(true);
  }, 30_000);

  // Real processes on real timers: on a loaded 2-core machine one run in several has missed a deadline (once
  // in CI), so a failure is tried again; a failure every time is a real one.
  test(
    'a cluster of three processes: they reconnect, a leader comes back, nothing is lost, every invariant holds',
    { retry: 2, timeout: 60_000 },
    async () => {
      const server = await ownServer();
      const { cluster, feed, facts } = await startedCluster({
        database: { kind: 'postgres', url: server.url, schema: 'cluster' },
        jobs: [{ name: 'demo', durationMs: 50, maxAttempts: 3 }],
        feed: { everyMs: 100, count: 2 },
        cleanup,
      });
      const { timings } = facts;
      await waitFor('jobs completing', () => eventsOf(cluster, 'completed').length >= 20, 10_000);

      // Down for longer than the lease: the leader cannot renew it, nobody can take it.
      const downFrom = cluster.history.length;
      cluster.databaseDown('pg_ctl stop -m fast');
      await server.stop('fast');
      await sleep(timings.leadershipTimeoutMs + 1_000);
      const electionsWhileDown = elections(cluster);
      await server.start();
      cluster.databaseUp('pg_ctl start');
      const upFrom = cluster.history.length;
      // Every server is still there (none died of the lost connections), and one leads again in time.
      expect(cluster.serverIds.every((id) => cluster.isRunning(id))).toBe(true);
      expect(
        eventsOf(cluster, 'steppedDown', downFrom).length,
        recentHistory(cluster, downFrom),
      ).toBeGreaterThan(0);
      await waitFor(
        'a leader after the restart',
        () => eventsOf(cluster, 'elected', upFrom).length > 0,
        5_000,
      );
      expect(elections(cluster)).toBeGreaterThan(electionsWhileDown);
      // Each server enqueues and completes again.
      await waitFor(
        'every server to enqueue after the restart',
        () =>
          cluster.serverIds.every((id) =>
            eventsOf(cluster, 'enqueued', upFrom).some((e) => e.serverId === id),
          ),
        5_000,
      );
      await sleep(1_000);

      feed.stop();
      await allDone(cluster, 'every accepted job');
      expectEachJobCompletedOnce(cluster);
      expectTermsGrow(cluster);
      // Long enough after the restart for I8 to judge that leadership came back and stayed.
      await sleep(timings.leadershipTimeoutMs + timings.heartbeatIntervalMs + 300);
      const reader = await PostgresDatabase.open({
        connectionString: server.url,
        schema: 'cluster',
        name: 'checker',
      });
      try {
        const { reports } = await judge(cluster, reader, facts);
        const byId = expectInvariantsHold(reports);
        expect(byId.get('I8')!.skipped).toBeUndefined();
        expect(byId.get('I2')!.skipped).toBeUndefined();
      } finally {
        await reader.close();
      }
    },
  );
});
