/**
 * The life of a job in the shared table as a user sees it: when it runs, how often, on which attempt,
 * what a stop hands back, what a timeout or an unknown name does, and what the job's context tells it.
 * Real coordinators on the real shared sql.js database, in virtual time.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { DEFAULT_MAX_ATTEMPTS, type JobDefinition } from '../../src/core';
import { RunLog, TestCluster } from '../support/testCluster';

const SECOND = 1000;
let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

async function servers(
  ids: string[],
  jobs: readonly JobDefinition[],
  serverOptions = {},
  clock: { offsetMs?: number } = {},
) {
  cluster = await TestCluster.create({ jobs, serverOptions });
  for (const id of ids) await cluster.addServer(id, clock);
  await cluster.run(100);
  return cluster;
}

const table = (c: TestCluster) =>
  c.rows('SELECT status, attempts, lastError FROM distributedJobs ORDER BY id');

describe('when jobs run', () => {
  test('a full server takes the next job the moment a slot frees, not at its next poll', async () => {
    const log = new RunLog(() => cluster!.time);
    const c = await servers(
      ['a'],
      [{ name: 'step', run: async (p, ctx) => (log.record(ctx, p), await ctx.sleep(1_000)) }],
      { concurrency: 1, pollIntervalMs: 60_000 },
    );
    for (let i = 0; i < 3; i++) await c.server('a').coordinator.enqueue('step', { i });
    const start = c.time.now();
    await c.run(5 * SECOND);
    expect(log.runs.map((run) => (run.params as { i: number }).i)).toEqual([0, 1, 2]);
    const gaps = log.runs.slice(1).map((run, index) => run.vt - log.runs[index]!.vt);
    // Each starts as the one before ends (plus the database's latency), never a poll interval later.
    for (const gap of gaps) {
      expect(gap).toBeGreaterThanOrEqual(1_000);
      expect(gap).toBeLessThan(1_100);
    }
    expect(log.runs[0]!.vt - start).toBeLessThan(100);
  });

  test('a server runs at most `concurrency` jobs at once, and runs them all', async () => {
    let running = 0;
    let peak = 0;
    const c = await servers(
      ['a'],
      [
        {
          name: 'wide',
          run: async (_p, ctx) => {
            peak = Math.max(peak, ++running);
            await ctx.sleep(500);
            running--;
          },
        },
      ],
      { concurrency: 3 },
    );
    for (let i = 0; i < 10; i++) await c.server('a').coordinator.enqueue('wide', { i });
    await c.run(5 * SECOND);
    expect(peak).toBe(3);
    expect(c.ofType('completed')).toHaveLength(10);
  });

  test('a retry runs when its backoff is up, even when the poll interval is much longer', async () => {
    const log = new RunLog(() => cluster!.time);
    const c = await servers(
      ['a'],
      [
        {
          name: 'flaky',
          maxAttempts: 2,
          run: (p, ctx) => {
            log.record(ctx, p);
            if (ctx.attempt === 1) throw new Error('first try fails');
          },
        },
      ],
      { pollIntervalMs: 60_000, backoff: { baseMs: 3_000, jitter: 0 } },
    );
    await c.server('a').coordinator.enqueue('flaky');
    await c.run(10 * SECOND);
    expect(log.runs.map((run) => run.attempt)).toEqual([1, 2]);
    const wait = log.runs[1]!.vt - log.runs[0]!.vt;
    expect(wait).toBeGreaterThanOrEqual(3_000);
    expect(wait).toBeLessThan(3_100);
    expect(c.ofType('failed')).toEqual([
      expect.objectContaining({
        outcome: 'retry',
        retryInMs: 3_000,
        attempt: 1,
        error: 'Error: first try fails',
      }),
    ]);
    expect(table(c)).toEqual([{ status: 'completed', attempts: 2, lastError: 'Error: first try fails' }]);
  });
});

describe('a job that runs long', () => {
  test('keeps its claim for as long as it runs on a live server: renewed, never reclaimed, run once', async () => {
    const log = new RunLog(() => cluster!.time);
    const c = await servers(
      ['a', 'b'],
      [{ name: 'long', run: async (p, ctx) => (log.record(ctx, p), await ctx.sleep(40_000)) }],
      { claimLeaseMs: 6_000 },
    );
    await c.server('a').coordinator.enqueue('long');
    await c.run(50 * SECOND);
    expect(log.runs).toHaveLength(1);
    expect(c.ofType('reclaimed')).toEqual([]);
    expect(c.ofType('claimLost')).toEqual([]);
    expect(table(c)).toEqual([{ status: 'completed', attempts: 1, lastError: null }]);
  });

  test('learns that its claim was lost when its server stalled past the lease: ctx.cancelled turns true', async () => {
    const seen: { server: string; cancelled: boolean }[] = [];
    const c = await servers(
      ['a', 'b'],
      [
        {
          name: 'watch',
          run: async (_p, ctx) => {
            await ctx.sleep(20_000);
            seen.push({ server: ctx.serverId, cancelled: ctx.cancelled });
          },
        },
      ],
      { claimLeaseMs: 6_000 },
    );
    await c.server('a').coordinator.enqueue('watch');
    await c.run(100);
    const first = c.ofType('claimed')[0]!.serverId;
    c.server(first).clock.holdTimers();
    await c.run(10 * SECOND); // the other server reclaims the job and runs it again
    c.server(first).clock.releaseTimers();
    await c.run(30 * SECOND);
    expect(c.ofType('claimLost')).toEqual([
      expect.objectContaining({ serverId: first, attempt: 1, jobName: 'watch' }),
    ]);
    expect(seen).toContainEqual({ server: first, cancelled: true });
    expect(seen.filter((entry) => entry.server !== first)).toEqual([
      { server: first === 'a' ? 'b' : 'a', cancelled: false },
    ]);
  });

  test('past its timeout fails with a message naming the job and the timeout, and ctx.cancelled turns true', async () => {
    let cancelledAfterTimeout: boolean | undefined;
    const c = await servers(
      ['a'],
      [
        {
          name: 'hang',
          timeoutMs: 2_000,
          maxAttempts: 1,
          run: async (_p, ctx) => {
            await ctx.sleep(3_000);
            cancelledAfterTimeout = ctx.cancelled;
          },
        },
      ],
    );
    await c.server('a').coordinator.enqueue('hang');
    await c.run(10 * SECOND);
    expect(c.ofType('failed')).toEqual([
      expect.objectContaining({ outcome: 'dead', error: expect.stringMatching(/hang.*2000 ms/) }),
    ]);
    expect(cancelledAfterTimeout).toBe(true);
    // Its late end, after the timeout decided, counts for nothing: neither a completion nor a refused one.
    expect(c.ofType('completed')).toEqual([]);
    expect(c.ofType('completionRejected')).toEqual([]);
  });
});

describe('what a job is told', () => {
  test("its id, name, attempt, allowed attempts, server and the server's clock; and it can enqueue more work", async () => {
    const contexts: unknown[] = [];
    const c = await servers(
      ['a'],
      [
        {
          name: 'parent',
          maxAttempts: 4,
          run: async (_p, ctx) => {
            contexts.push({
              jobId: ctx.jobId,
              jobName: ctx.jobName,
              attempt: ctx.attempt,
              maxAttempts: ctx.maxAttempts,
              serverId: ctx.serverId,
              tickAt: ctx.tickAt,
              cancelled: ctx.cancelled,
              // The server's own clock, 5 s ahead of the cluster's here.
              clockAhead: ctx.now() - cluster!.time.now(),
            });
            await ctx.enqueue('child', { from: ctx.jobId });
          },
        },
        { name: 'child', run: (p) => void contexts.push(p) },
      ],
      {},
      { offsetMs: 5_000 },
    );
    const id = await c.server('a').coordinator.enqueue('parent');
    await c.run(2 * SECOND);
    expect(contexts).toEqual([
      {
        jobId: id,
        jobName: 'parent',
        attempt: 1,
        maxAttempts: 4,
        serverId: 'a',
        tickAt: undefined,
        cancelled: false,
        clockAhead: 5_000,
      },
      { from: id },
    ]);
  });

  test('a job whose name this server does not know fails, naming the jobs it knows, and is retried at once until dead', async () => {
    const c = await servers(['a'], [{ name: 'known', run: () => {} }]);
    await c
      .server('a')
      .connection.run(
        "INSERT INTO distributedJobs (name, params, createdAt, runAt, maxAttempts) VALUES ('ghost', '{}', 0, 0, 1)",
      );
    await c.server('a').coordinator.enqueue('known');
    await c.run(2 * SECOND);
    // Another server may know it (a rolling deploy): the default attempts, with no backoff to wait out.
    const failures = c.ofType('failed');
    expect(failures.map((event) => event.outcome)).toEqual([
      ...Array(DEFAULT_MAX_ATTEMPTS - 1).fill('retry'),
      'dead',
    ]);
    for (const failure of failures) {
      expect(failure).toMatchObject({
        jobName: 'ghost',
        error: 'UnknownJobError: unknown job "ghost"; defined jobs: known',
      });
    }
    expect(failures.slice(0, -1).map((event) => event.retryInMs)).toEqual(
      Array(DEFAULT_MAX_ATTEMPTS - 1).fill(0),
    );
    expect(c.ofType('completed').map((event) => event.jobName)).toEqual(['known']);
  });
});

describe('stopping a server with jobs running', () => {
  test('jobs that finish within the grace period count as finished', async () => {
    const c = await servers(['a'], [{ name: 'short', run: (_p, ctx) => ctx.sleep(1_000) }]);
    await c.server('a').coordinator.enqueue('short');
    await c.server('a').coordinator.enqueue('short');
    await c.run(100);
    const stopping = c.server('a').coordinator.stop({ graceMs: 5_000 });
    await c.run(2 * SECOND);
    const report = await stopping;
    expect(report).toMatchObject({ finished: 2, abandoned: [] });
    expect(table(c).map((row) => row.status)).toEqual(['completed', 'completed']);
  });

  test('jobs still running after the grace period are handed back and run again elsewhere, as their second attempt', async () => {
    const log = new RunLog(() => cluster!.time);
    const c = await servers(
      ['a'],
      [{ name: 'slow', run: async (p, ctx) => (log.record(ctx, p), await ctx.sleep(10_000)) }],
    );
    const id = await c.server('a').coordinator.enqueue('slow');
    await c.run(100);
    const stopping = c.server('a').coordinator.stop({ graceMs: 1_000 });
    await c.run(1_500);
    const report = await stopping;
    expect(report).toMatchObject({ finished: 0, abandoned: [{ jobId: id, jobName: 'slow', attempt: 1 }] });
    expect(c.ofType('released-claim')).toEqual([
      expect.objectContaining({ jobId: id, jobName: 'slow', dbAt: expect.any(Number) }),
    ]);
    expect(table(c)).toEqual([{ status: 'queued', attempts: 1, lastError: null }]);
    await c.addServer('b');
    await c.run(15 * SECOND);
    expect(log.runs.map((run) => [run.server, run.attempt])).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect(table(c)).toEqual([{ status: 'completed', attempts: 2, lastError: null }]);
    // The abandoned run ended on a's side long ago in its eyes: its late end is not reported as anything.
    expect(c.ofType('completed').map((event) => event.serverId)).toEqual(['b']);
    expect(c.ofType('completionRejected')).toEqual([]);
  });
});

describe('a server that dies or stalls with a claim', () => {
  test('a job on its last attempt whose server dies is dead-lettered when the claim is reclaimed, not run again', async () => {
    const log = new RunLog(() => cluster!.time);
    const c = await servers(
      ['a', 'b'],
      [
        {
          name: 'once',
          maxAttempts: 1,
          run: async (p, ctx) => (log.record(ctx, p), await ctx.sleep(20_000)),
        },
        { name: 'nudge', run: () => {} },
      ],
      { claimLeaseMs: 6_000 },
    );
    const id = await c.server('a').coordinator.enqueue('once');
    await c.run(100);
    const victim = log.runs[0]!.server;
    c.crash(victim);
    await c.run(8 * SECOND);
    const survivor = victim === 'a' ? 'b' : 'a';
    await c.server(survivor).coordinator.enqueue('nudge'); // a claim by anyone reclaims expired claims
    await c.run(2 * SECOND);
    expect(c.ofType('reclaimed')).toEqual([
      expect.objectContaining({ serverId: survivor, jobId: id, previousHolder: victim, outcome: 'dead' }),
    ]);
    expect(log.runs).toHaveLength(1);
    expect(c.rows('SELECT status FROM distributedJobs WHERE id = ?', [Number(id)])).toEqual([
      { status: 'dead' },
    ]);
  });

  test("a stalled server's failure after its claim was taken over is refused, and the job's retry stands", async () => {
    const c = await servers(
      ['a', 'b'],
      [
        {
          name: 'stall',
          maxAttempts: 3,
          run: async (_p, ctx) => {
            await ctx.sleep(ctx.attempt === 1 ? 15_000 : 100);
            if (ctx.attempt === 1) throw new Error('late failure');
          },
        },
      ],
      { claimLeaseMs: 6_000 },
    );
    await c.server('a').coordinator.enqueue('stall');
    await c.run(100);
    const first = c.ofType('claimed')[0]!.serverId;
    c.server(first).clock.holdTimers();
    await c.run(12 * SECOND); // the other server reclaims it and completes attempt 2
    c.server(first).clock.releaseTimers();
    await c.run(10 * SECOND);
    expect(c.ofType('failed')).toEqual([
      expect.objectContaining({
        serverId: first,
        attempt: 1,
        outcome: 'rejected',
        error: 'Error: late failure',
      }),
    ]);
    // The row keeps why attempt 1 ended (its lease ran out), not the refused late failure.
    expect(table(c)).toEqual([
      { status: 'completed', attempts: 2, lastError: `claim lease expired: ${first} stopped renewing` },
    ]);
  });

  test('a job that rejects fails like one that throws, with its error', async () => {
    const c = await servers(
      ['a'],
      [{ name: 'rejects', maxAttempts: 1, run: () => Promise.reject(new RangeError('no such thing')) }],
    );
    await c.server('a').coordinator.enqueue('rejects');
    await c.run(SECOND);
    expect(table(c)).toEqual([{ status: 'dead', attempts: 1, lastError: 'RangeError: no such thing' }]);
    expect(c.ofType('failed')).toEqual([expect.objectContaining({ outcome: 'dead', attempt: 1 })]);
  });
});

test('a row nobody can read is reported as a dead failure naming the job and why', async () => {
  const c = await servers(['a'], [{ name: 'j', run: () => {} }]);
  await c
    .server('a')
    .connection.run(
      "INSERT INTO distributedJobs (name, params, createdAt, runAt, maxAttempts) VALUES ('j', '[1]', 0, 0, 3)",
    );
  await c.server('a').coordinator.enqueue('j');
  await c.run(SECOND);
  expect(c.ofType('failed')).toEqual([
    expect.objectContaining({
      jobName: 'j',
      attempt: 1,
      outcome: 'dead',
      error: expect.stringMatching(/params/),
    }),
  ]);
  expect(c.ofType('completed')).toHaveLength(1);
});

test('due jobs claimed together start in the order they came due, then by id', async () => {
  const c = await servers(['web'], [{ name: 'j', run: () => {} }], { withoutJobs: true });
  const now = Number(c.rows('SELECT db_now_ms() AS now')[0]!.now);
  // Ids 1-4, due out of id order: 3 and 4 first (a tie), then 2, then 1.
  for (const [i, dueAgo] of [
    [1, 1_000],
    [2, 2_000],
    [3, 3_000],
    [4, 3_000],
  ] as const) {
    await c
      .server('web')
      .connection.run(
        'INSERT INTO distributedJobs (name, params, createdAt, runAt, maxAttempts) VALUES (?, ?, ?, ?, 3)',
        ['j', JSON.stringify({ i }), now - 5_000, now - dueAgo],
      );
  }
  await c.addServer('worker', { withoutJobs: false, concurrency: 4 });
  await c.run(SECOND);
  expect(c.ofType('claimed').map((event) => event.jobId)).toEqual(['3', '4', '2', '1']);
});
