/**
 * The coordinator for real: three DistributedJobCoordinators in one process on the system clock, against
 * PostgreSQL and against a SQLite file. One leader is elected, every job is claimed and completed exactly
 * once, and when the leader stops another takes over.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { SqliteFileDatabase } from '../../src/adapters/sqliteFile/index.js';
import type { Database } from '../../src/core';
import { postgresSchema } from './support/postgres';
import { currentLeader, realCluster, waitFor, type RealCluster } from './support/realCluster';

const JOBS = 60;

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

async function runCluster(databases: readonly Database[]): Promise<RealCluster> {
  const cluster = realCluster(databases);
  const { servers, events, runs } = cluster;
  const stopAll = () => Promise.all(servers.map((server) => server.stop({ graceMs: 500 })));
  const previous = cleanup;
  cleanup = async () => {
    await stopAll();
    await previous?.();
  };
  await Promise.all(servers.map((server) => server.start()));
  await waitFor('a leader', () => currentLeader(events) !== undefined);

  // Jobs enqueued on every server, while all three claim.
  for (let n = 0; n < JOBS; n++) await servers[n % servers.length]!.enqueue('work', { n });
  await waitFor(`${JOBS} completions`, () => events.filter((e) => e.type === 'completed').length >= JOBS);

  const elected = events.filter((e) => e.type === 'elected');
  expect(elected.length).toBe(1);
  const claimedIds = events.filter((e) => e.type === 'claimed').map((e) => (e as { jobId: string }).jobId);
  const completedIds = events
    .filter((e) => e.type === 'completed')
    .map((e) => (e as { jobId: string }).jobId);
  expect(new Set(claimedIds).size).toBe(JOBS);
  expect(claimedIds.length).toBe(JOBS);
  expect(completedIds.length).toBe(JOBS);
  expect([...runs.values()].every((count) => count === 1)).toBe(true);
  expect(runs.size).toBe(JOBS);
  // More than one server did the work: the claims really were shared.
  const claimers = new Set(events.filter((e) => e.type === 'claimed').map((e) => e.serverId));
  expect(claimers.size).toBeGreaterThan(1);

  // The leader stops gracefully: it releases the lease, and another server leads within the handover bound.
  const leaderId = currentLeader(events)!;
  const leader = servers.find((server) => server.serverId === leaderId)!;
  const stoppedAt = Date.now();
  const report = await leader.stop({ graceMs: 500 });
  expect(report.releasedLeadership).toBe(true);
  await waitFor('a new leader', () => {
    const next = currentLeader(events);
    return next !== undefined && next !== leaderId;
  });
  const handoverMs = Date.now() - stoppedAt;
  // I6: a released lease is taken within a second (the release notifies the followers).
  expect(handoverMs).toBeLessThan(1_000);
  const terms = events.filter((e) => e.type === 'elected').map((e) => (e as { term: number }).term);
  expect(terms).toEqual([terms[0], terms[0]! + 1]);

  // The cluster still works after the handover.
  await servers.find((server) => server.serverId !== leaderId)!.enqueue('work', { n: JOBS });
  await waitFor(
    'the job enqueued after the handover to complete',
    () => events.filter((e) => e.type === 'completed').length === JOBS + 1,
  );
  expect(runs.get(JOBS)).toBe(1);
  return cluster;
}

describe('three real coordinators on the system clock', () => {
  test('on PostgreSQL: one leader, every job once, and a takeover when the leader stops', async () => {
    const pg = await postgresSchema('realrun');
    cleanup = () => pg.dispose();
    const databases = [];
    for (let i = 1; i <= 3; i++) databases.push(await pg.open({ name: `s${i}` }));
    const { events } = await runCluster(databases);
    const rows = await databases[0]!.query(
      "SELECT COUNT(*) AS n FROM distributedJobs WHERE status = 'completed'",
    );
    expect(Number(rows[0]!.n)).toBe(JOBS + 1);
    expect(events.some((e) => e.type === 'error')).toBe(false);
  });

  test('on a SQLite file: one leader, every job once, and a takeover when the leader stops', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'adapters-realrun-'));
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
    const path = join(dir, 'cluster.sqlite');
    const databases: SqliteFileDatabase[] = [];
    for (let i = 1; i <= 3; i++) databases.push(await SqliteFileDatabase.open({ path, name: `s${i}` }));
    const previous = cleanup;
    cleanup = async () => {
      for (const database of databases) database.close();
      await previous();
    };
    const { events } = await runCluster(databases);
    const rows = await databases[0]!.query(
      "SELECT COUNT(*) AS n FROM distributedJobs WHERE status = 'completed'",
    );
    expect(Number(rows[0]!.n)).toBe(JOBS + 1);
    expect(events.some((e) => e.type === 'error')).toBe(false);
  });
});
