import { afterEach, describe, expect, test } from 'vitest';
import type { JobDefinition } from '../../src/core';
import { MIGRATIONS } from '../../src/core';
import { RunLog, TestCluster, type RecordedEvent } from '../support/testCluster';

const SECOND = 1000;
let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

async function threeServers(jobs: readonly JobDefinition[], serverOptions = {}) {
  cluster = await TestCluster.create({ jobs, serverOptions });
  for (const id of ['a', 'b', 'c']) await cluster.addServer(id);
  await cluster.run(100);
  return cluster;
}

function lastHeartbeatDbTime(c: TestCluster, serverId: string, term: number): number {
  // The lease row holds the db time of the last heartbeat that landed: read it from the events' vt
  // (the database clock has no skew in these tests), falling back to the election itself.
  const beats = c.events.filter((e) => e.serverId === serverId && e.type === 'heartbeat' && e.term === term);
  const elected = c.events.find((e) => e.serverId === serverId && e.type === 'elected' && e.term === term) as
    Extract<RecordedEvent, { type: 'elected' }> | undefined;
  return beats.at(-1)?.vt ?? elected!.dbNow;
}

describe('leader election', () => {
  test('three servers on one database elect exactly one leader, and it keeps leading', async () => {
    const c = await threeServers([]);
    expect(c.leaders()).toHaveLength(1);
    const [leader] = c.leaders();
    await c.run(120 * SECOND);
    expect(c.leaders()).toEqual([leader]);
    expect(c.ofType('elected')).toHaveLength(1);
    expect(c.ofType('elected')[0]).toMatchObject({ serverId: leader, term: 1 });
    // Heartbeats every 5 s for two minutes.
    expect(c.ofType('heartbeat').length).toBeGreaterThanOrEqual(23);
    expect(c.rows('SELECT jobCoordinatorId, term FROM leadJobCoordinators')).toEqual([
      { jobCoordinatorId: leader, term: 1 },
    ]);
  });

  test('after the leader crashes, a new leader is elected no sooner than 15 s and no later than 15 s + one interval after its last heartbeat', async () => {
    const c = await threeServers([]);
    await c.run(12_345);
    const [old] = c.leaders();
    const lastBeat = lastHeartbeatDbTime(c, old!, 1);
    c.crash(old!);
    await c.run(30 * SECOND);
    const elections = c.ofType('elected').filter((e) => e.term === 2);
    expect(elections).toHaveLength(1);
    const delay = elections[0]!.dbNow - lastBeat;
    expect(delay).toBeGreaterThan(15_000);
    expect(delay).toBeLessThanOrEqual(15_000 + 5_000);
    // Followers wake when the lease runs out, so the gap is the timeout itself, not up to an interval more.
    expect(delay).toBeLessThan(15_000 + 10);
    expect(elections[0]).toMatchObject({ previousHolder: old, term: 2 });
    expect(c.leaders()).toHaveLength(1);
    expect(c.leaders()).not.toContain(old);
  });

  test('a graceful stop of the leader hands leadership over within 1 s', async () => {
    const c = await threeServers([]);
    await c.run(7 * SECOND);
    const [old] = c.leaders();
    const stoppedAt = c.time.now();
    const report = await c.server(old!).coordinator.stop();
    expect(report.releasedLeadership).toBe(true);
    await c.run(2 * SECOND);
    const next = c.ofType('elected').find((e) => e.term === 2)!;
    expect(next).toBeDefined();
    expect(next.vt - stoppedAt).toBeLessThan(1_000);
    expect(c.leaders()).toHaveLength(1);
    expect(c.leaders()).not.toContain(old);
  });

  test('a leader whose clock is 20 s behind keeps its lease: the lease lives on the database clock', async () => {
    const c = await threeServers([]);
    const [leader] = c.leaders();
    c.server(leader!).clock.inner.setOffset(-20_000);
    await c.run(60 * SECOND);
    expect(c.leaders()).toEqual([leader]);
    expect(c.ofType('elected')).toHaveLength(1);
  });

  test('a leader cut off from the database steps down at its first failed heartbeat; another leads after the timeout', async () => {
    const c = await threeServers([]);
    const [old] = c.leaders();
    await c.run(SECOND);
    c.server(old!).connection.sever('cable pulled');
    await c.run(5 * SECOND);
    expect(c.server(old!).coordinator.isLeader).toBe(false);
    expect(c.ofType('steppedDown')[0]).toMatchObject({
      serverId: old,
      term: 1,
      reason: expect.stringContaining('heartbeat failed'),
    });
    await c.run(20 * SECOND);
    expect(c.leaders()).toHaveLength(1);
    expect(c.leaders()).not.toContain(old);
    // Healed, it rejoins as a follower.
    c.server(old!).connection.restore();
    await c.run(20 * SECOND);
    expect(c.leaders()).toHaveLength(1);
    expect(c.leaders()).not.toContain(old);
  });
});

describe('fencing', () => {
  test("a deposed leader's late push of scheduled jobs is refused by the database", async () => {
    const c = await threeServers([{ name: 'tick', schedules: [{ cron: '* * * * * *' }], run: () => {} }]);
    await c.run(3 * SECOND);
    const [old] = c.leaders();
    // A long stall (garbage collection, a stopped VM): no code of the leader runs for 25 s.
    c.server(old!).clock.holdTimers();
    await c.run(25 * SECOND);
    const newTerm = c.ofType('elected').find((e) => e.term === 2)!;
    expect(newTerm.serverId).not.toBe(old);
    // Its scheduler wakes first and tries to push the ticks it thinks are due.
    c.server(old!).clock.releaseTimers();
    await c.run(10 * SECOND);
    const fenced = c.ofType('fenced').filter((e) => e.serverId === old);
    expect(fenced.length).toBeGreaterThanOrEqual(1);
    expect(fenced[0]).toMatchObject({ term: 1 });
    expect(c.server(old!).coordinator.isLeader).toBe(false);
    const stale = c.rows('SELECT count(*) AS n FROM distributedJobs WHERE term = 1 AND createdAt > ?', [
      newTerm.dbNow,
    ]);
    expect(stale).toEqual([{ n: 0 }]);
    // Every tick has exactly one job.
    const perTick = c.rows(
      'SELECT tickAt, count(*) AS n FROM distributedJobs WHERE tickAt IS NOT NULL GROUP BY tickAt HAVING n > 1',
    );
    expect(perTick).toEqual([]);
  });
});

describe('jobs', () => {
  test('1000 jobs enqueued across 3 servers each complete exactly once, spread over the servers', async () => {
    const log = new RunLog(() => cluster!.time);
    // Each job takes a little time, as real ones do: a server at capacity leaves the rest to the others.
    const c = await threeServers([
      {
        name: 'work',
        run: (p, ctx) => {
          log.record(ctx, p);
          return ctx.sleep(20);
        },
      },
    ]);
    for (let i = 0; i < 1000; i++) await c.server(['a', 'b', 'c'][i % 3]!).coordinator.enqueue('work', { i });
    await c.run(10 * SECOND);
    expect(log.runs).toHaveLength(1000);
    expect(new Set(log.runs.map((r) => (r.params as { i: number }).i)).size).toBe(1000);
    expect(c.rows('SELECT status, count(*) AS n FROM distributedJobs GROUP BY status')).toEqual([
      { status: 'completed', n: 1000 },
    ]);
    const perServer = new Map<string, number>();
    for (const run of log.runs) perServer.set(run.server, (perServer.get(run.server) ?? 0) + 1);
    expect([...perServer.keys()].sort()).toEqual(['a', 'b', 'c']);
    for (const count of perServer.values()) expect(count).toBeGreaterThan(100);
  });

  test('jobs claimed by a server that dies run elsewhere once its claim lease lapses', async () => {
    const log = new RunLog(() => cluster!.time);
    const c = await threeServers(
      [
        {
          name: 'long',
          run: async (p, ctx) => {
            log.record(ctx, p);
            await ctx.sleep(2_000);
          },
        },
      ],
      { claimLeaseMs: 10_000, concurrency: 2 },
    );
    for (let i = 0; i < 6; i++) await c.server('a').coordinator.enqueue('long', { i });
    await c.run(500);
    const victim = log.runs[0]!.server;
    const held = log.runs.filter((r) => r.server === victim).map((r) => (r.params as { i: number }).i);
    expect(held.length).toBeGreaterThan(0);
    const crashedAt = c.time.now();
    c.crash(victim);
    await c.run(30 * SECOND);
    for (const i of held) {
      const reruns = log.runs.filter((r) => (r.params as { i: number }).i === i && r.server !== victim);
      expect(reruns).toHaveLength(1);
      expect(reruns[0]!.attempt).toBe(2);
      expect(reruns[0]!.vt - crashedAt).toBeGreaterThanOrEqual(10_000 - 500);
    }
    expect(c.rows('SELECT status, count(*) AS n FROM distributedJobs GROUP BY status')).toEqual([
      { status: 'completed', n: 6 },
    ]);
    expect(c.ofType('reclaimed').map((e) => e.previousHolder)).toEqual(held.map(() => victim));
  });

  test("a stalled server's completion after its claim was taken over is refused; the job completes once", async () => {
    const log = new RunLog(() => cluster!.time);
    const c = await threeServers(
      [
        {
          name: 'slow',
          run: async (p, ctx) => {
            log.record(ctx, p);
            await ctx.sleep(3_000);
          },
        },
      ],
      { claimLeaseMs: 6_000 },
    );
    await c.server('a').coordinator.enqueue('slow');
    await c.run(100);
    const first = log.runs[0]!.server;
    c.server(first).clock.holdTimers();
    await c.run(20 * SECOND);
    expect(log.runs).toHaveLength(2);
    c.server(first).clock.releaseTimers();
    await c.run(5 * SECOND);
    expect(c.ofType('completionRejected')).toEqual([
      expect.objectContaining({ serverId: first, attempt: 1 }),
    ]);
    expect(c.ofType('completed')).toHaveLength(1);
    expect(c.rows('SELECT status, attempts FROM distributedJobs')).toEqual([
      { status: 'completed', attempts: 2 },
    ]);
    // Each claim had its own token, naming its server: the stale one could not pass for the new one.
    const claims = c.ofType('claimed');
    expect(new Set(claims.map((e) => e.token)).size).toBe(2);
    claims.forEach((e) => expect(e.token).toMatch(new RegExp(`^${e.serverId}:`)));
  });

  test('a failing job is retried with backoff on any server, then kept as dead with its last error', async () => {
    let attempts = 0;
    const c = await threeServers(
      [
        {
          name: 'fail',
          maxAttempts: 3,
          run: () => {
            attempts++;
            throw new Error(`attempt ${attempts} failed`);
          },
        },
      ],
      { backoff: { baseMs: 1_000, jitter: 0 } },
    );
    await c.server('b').coordinator.enqueue('fail');
    await c.run(30 * SECOND);
    expect(attempts).toBe(3);
    expect(c.rows('SELECT status, attempts, lastError FROM distributedJobs')).toEqual([
      { status: 'dead', attempts: 3, lastError: 'Error: attempt 3 failed' },
    ]);
    expect(c.ofType('failed').map((e) => e.outcome)).toEqual(['retry', 'retry', 'dead']);
  });

  test('a server without jobs enqueues into the shared table and runs nothing itself', async () => {
    const log = new RunLog(() => cluster!.time);
    cluster = await TestCluster.create({
      jobs: [{ name: 'j', schedules: [{ cron: '* * * * * *' }], run: (p, ctx) => log.record(ctx, p) }],
    });
    const web = await cluster.addServer('web', { withoutJobs: true });
    await cluster.run(10 * SECOND);
    expect(cluster.leaders()).toEqual([]);
    for (let i = 0; i < 5; i++) await web.coordinator.enqueue('j', { i });
    expect(
      cluster.rows(
        "SELECT count(*) AS n FROM distributedJobs WHERE enqueuedBy = 'web' AND status = 'queued'",
      ),
    ).toEqual([{ n: 5 }]);
    await cluster.addServer('worker');
    await cluster.run(3 * SECOND);
    expect(log.runs.filter((r) => r.params && Object.keys(r.params).length > 0).map((r) => r.server)).toEqual(
      Array(5).fill('worker'),
    );
  });

  test('a row whose params are not JSON is dead-lettered with the reason, and claiming goes on', async () => {
    const log = new RunLog(() => cluster!.time);
    const c = await threeServers([{ name: 'j', run: (p, ctx) => log.record(ctx, p) }]);
    await c
      .server('a')
      .connection.run(
        "INSERT INTO distributedJobs (name, params, createdAt, runAt, maxAttempts) VALUES ('j', '{oops', 0, 0, 3)",
      );
    await c.server('a').coordinator.enqueue('j', { fine: true });
    await c.run(SECOND);
    expect(log.runs.map((r) => r.params)).toEqual([{ fine: true }]);
    expect(c.rows("SELECT status, lastError FROM distributedJobs WHERE params = '{oops'")).toEqual([
      { status: 'dead', lastError: expect.stringContaining('is not valid JSON') },
    ]);
  });
});

describe('cron across failover', () => {
  test('every tick of a per-second schedule yields exactly one job across a leader crash, with no gap', async () => {
    const c = await threeServers([{ name: 'tick', schedules: [{ cron: '* * * * * *' }], run: () => {} }]);
    const firstTick = Math.ceil((c.time.now() + 1) / SECOND) * SECOND;
    await c.run(10 * SECOND);
    c.crash(c.leaders()[0]!);
    await c.run(40 * SECOND);
    const lastTick = Math.floor((c.time.now() - 2 * SECOND) / SECOND) * SECOND;
    const ticks = c
      .rows(
        'SELECT tickAt, count(*) AS n FROM distributedJobs WHERE tickAt BETWEEN ? AND ? GROUP BY tickAt ORDER BY tickAt',
        [firstTick, lastTick],
      )
      .map((row) => ({ tickAt: Number(row.tickAt), n: Number(row.n) }));
    const expected = (lastTick - firstTick) / SECOND + 1;
    expect(ticks).toHaveLength(expected);
    expect(ticks.every((t) => t.n === 1)).toBe(true);
    // The ticks inside the ~15 s gap were fired late, by the new leader, under its term.
    const late = c.rows(
      'SELECT count(*) AS n FROM distributedJobs WHERE term = 2 AND createdAt - tickAt > 5000',
    );
    expect(Number(late[0]!.n)).toBeGreaterThanOrEqual(10);
  });

  test('the misfire policy decides the ticks missed while nobody led: skip fires none of them', async () => {
    const c = await threeServers([
      {
        name: 'tick',
        schedules: [{ cron: '* * * * * *', misfire: { kind: 'skip', thresholdMs: 2_000 } }],
        run: () => {},
      },
    ]);
    await c.run(5 * SECOND);
    c.crash(c.leaders()[0]!);
    await c.run(30 * SECOND);
    const late = c.rows('SELECT count(*) AS n FROM distributedJobs WHERE createdAt - tickAt > 2000');
    expect(late).toEqual([{ n: 0 }]);
    expect(c.ofType('cronSkipped').reduce((sum, e) => sum + e.count, 0)).toBeGreaterThanOrEqual(12);
  });
});

describe('schema', () => {
  test('migrations are versioned and idempotent: every server runs them, each applies once', async () => {
    const c = await threeServers([]);
    expect(c.rows('SELECT version, name FROM jobMigrations ORDER BY version')).toEqual(
      MIGRATIONS.map(({ version, name }) => ({ version, name })),
    );
    expect(c.ofType('migrated')).toHaveLength(1);
    const tables = c
      .rows("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .map((r) => r.name);
    expect(tables).toEqual(
      expect.arrayContaining(['leadJobCoordinators', 'distributedJobs', 'jobCronTicks', 'jobSchedules']),
    );
  });
});
