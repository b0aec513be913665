/**
 * Hazard H8 (the reference deletes a job's row when it claims it) for everything but a crash: a job that
 * completes, fails, is given back at stop, or cannot be read. Its server holds no token, so each outcome
 * that keeps the job is a new row: what a user sees is that the job still completes, retries, dies or runs
 * again as it would without the hazard, with its tick and its attempt count kept.
 * Real coordinators on the real shared sql.js database, in virtual time.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { defineJob, type JobDefinition } from '../../../src/core';
import { DEFAULT_EPOCH_MS } from '../../../src/sim/time/virtualTime';
import { RunLog, TestCluster } from '../../support/testCluster';

const H8 = { hazards: ['deleteOnClaim' as const] };
/** Once a minute at second 30: the first tick of a run is DEFAULT_EPOCH_MS + 30 s. */
const AT_SECOND_30 = '30 * * * * *';
const FIRST_TICK = DEFAULT_EPOCH_MS + 30_000;

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

async function create(jobs: (log: RunLog) => JobDefinition[]) {
  const log = new RunLog(() => cluster!.time);
  cluster = await TestCluster.create({ jobs: jobs(log), serverOptions: H8 });
  return { c: cluster, log };
}

const rows = (c: TestCluster) =>
  c.rows('SELECT name, status, attempts, tickAt, enqueuedBy, lastError FROM distributedJobs ORDER BY id');

describe('H8 deleteOnClaim', () => {
  test('a job that succeeds completes, as attempt 1, and leaves no row', async () => {
    const { c, log } = await create((log) => [
      defineJob({ name: 'ok', run: (p, ctx) => log.record(ctx, p) }),
    ]);
    await c.addServer('a');
    await c.server('a').coordinator.enqueue('ok');
    await c.run(1_000);
    expect(log.runs.map((run) => run.attempt)).toEqual([1]);
    expect(c.ofType('completed')).toEqual([expect.objectContaining({ jobName: 'ok', attempt: 1 })]);
    expect(c.ofType('completionRejected')).toEqual([]);
    expect(rows(c)).toEqual([]);
  });

  test('a failing cron job comes back as a new row for its retry, then as a dead row, its tick kept', async () => {
    const { c, log } = await create((log) => [
      defineJob({
        name: 'flaky',
        maxAttempts: 2,
        backoff: { baseMs: 2_000, jitter: 0 },
        schedules: [{ cron: AT_SECOND_30 }],
        run: (p, ctx) => {
          log.record(ctx, p);
          throw new Error(`attempt ${ctx.attempt} failed`);
        },
      }),
    ]);
    await c.addServer('a');
    await c.run(30_500);
    // The first attempt failed: its row was deleted at the claim, and its retry is a new row.
    expect(log.runs.map((run) => [run.attempt, run.tickAt])).toEqual([[1, FIRST_TICK]]);
    expect(rows(c)).toEqual([
      {
        name: 'flaky',
        status: 'queued',
        attempts: 1,
        tickAt: FIRST_TICK,
        enqueuedBy: 'a',
        lastError: expect.stringContaining('attempt 1 failed'),
      },
    ]);
    // Under H8 a take says nothing of when the next row falls due: the retry waits for the next poll (5 s).
    await c.run(6_000);
    expect(log.runs.map((run) => [run.attempt, run.tickAt])).toEqual([
      [1, FIRST_TICK],
      [2, FIRST_TICK],
    ]);
    expect(rows(c)).toEqual([
      expect.objectContaining({
        status: 'dead',
        attempts: 2,
        tickAt: FIRST_TICK,
        lastError: expect.stringContaining('attempt 2 failed'),
      }),
    ]);
    expect(
      c
        .ofType('failed')
        .map(({ attempt, outcome, retryInMs, error }) => ({ attempt, outcome, retryInMs, error })),
    ).toEqual([
      { attempt: 1, outcome: 'retry', retryInMs: 2_000, error: expect.stringContaining('attempt 1 failed') },
      {
        attempt: 2,
        outcome: 'dead',
        retryInMs: 2_000 * 2,
        error: expect.stringContaining('attempt 2 failed'),
      },
    ]);
  });

  test('a job still running when its server stops is given back as a new row, due at once, and runs again elsewhere as attempt 2', async () => {
    const { c, log } = await create((log) => [
      defineJob({
        name: 'long',
        timeoutMs: 120_000,
        schedules: [{ cron: AT_SECOND_30 }],
        run: async (p, ctx) => {
          log.record(ctx, p);
          if (ctx.serverId === 'a') await ctx.sleep(60_000);
        },
      }),
    ]);
    await c.addServer('a');
    await c.run(30_500);
    expect(log.runs.map((run) => run.server)).toEqual(['a']);
    expect(rows(c)).toEqual([]);
    const stopping = c.server('a').coordinator.stop({ graceMs: 0 });
    await c.run(100);
    const report = await stopping;
    expect(report.abandoned).toEqual([expect.objectContaining({ jobName: 'long', attempt: 1 })]);
    expect(rows(c)).toEqual([
      { name: 'long', status: 'queued', attempts: 1, tickAt: FIRST_TICK, enqueuedBy: 'a', lastError: null },
    ]);
    await c.addServer('b');
    await c.run(1_000);
    expect(log.runs.map((run) => [run.server, run.attempt, run.tickAt])).toEqual([
      ['a', 1, FIRST_TICK],
      ['b', 2, FIRST_TICK],
    ]);
  });

  test('a row whose params are not a JSON object is deleted unrun: no job ever sees its text as params', async () => {
    const { c, log } = await create((log) => [defineJob({ name: 'j', run: (p, ctx) => log.record(ctx, p) })]);
    const a = await c.addServer('a');
    await a.connection.run(
      "INSERT INTO distributedJobs (name, params, createdAt, runAt, maxAttempts) VALUES ('j', '[1, 2]', 0, 0, 3)",
    );
    await a.coordinator.enqueue('j', { fine: true });
    await c.run(1_000);
    expect(log.runs.map((run) => run.params)).toEqual([{ fine: true }]);
    expect(rows(c)).toEqual([]);
  });
});
