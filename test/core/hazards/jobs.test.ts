/**
 * Every weakness of the reference (reference/pinstripe.md, H1-H14) is a hazard switch that is off by
 * default. For each one, the same scenario on the same seed is run twice against the real coordinators and
 * the real shared sql.js database in virtual time: with the hazard on, the reference's failure happens; with
 * it off, it does not. The assertions are about what a user would notice: who leads over time, jobs that
 * run twice or never, jobs lost, servers that die.
 *
 * This file: claims, distribution, failures and the lock (H8-H12).
 */
import { describe, expect, it } from 'vitest';
import { defineJob, type HazardSelection } from '../../../src/core';
import { serverLock } from '../../../src/core/distributed/serverLock';
import { SharedSqlJsDatabase } from '../../../src/db';
import { databaseClock, DEFAULT_EPOCH_MS, VirtualTime } from '../../../src/sim/time/virtualTime';
import { cluster, countBy, figures, open, rel, settled, work } from './support';

describe('H8 deleteOnClaim: the server running a long job crashes', () => {
  async function crashWhileRunning(hazards: HazardSelection) {
    const { cluster: c, log } = await cluster(
      (log) => [
        defineJob({
          name: 'long',
          timeoutMs: 120_000,
          run: async (params, context) => {
            log.record(context, params);
            await context.sleep(60_000);
          },
        }),
      ],
      { hazards },
    );
    await c.addServer('a');
    await c.addServer('b');
    await c.run(1_000);
    const jobId = await c.server('a').coordinator.enqueue('long');
    await c.run(1_000);
    expect(log.runs).toHaveLength(1);
    const runner = log.runs[0]!.server;
    c.crash(runner);
    await c.run(150_000);
    const completed = c.ofType('completed');
    const rows = c.rows('SELECT status, attempts FROM distributedJobs');
    figures(`H8 ${JSON.stringify(hazards)}`, {
      crashed: runner,
      runs: log.runs.map((run) => `${run.server}@${rel(run.vt)}#${run.attempt}`),
      completed: completed.length,
      rows,
    });
    return { jobId, runner, runs: log.runs, completed, rows };
  }

  it('on: the job is never run again, and its row is gone', async () => {
    const { runs, completed, rows } = await crashWhileRunning(['deleteOnClaim']);
    expect(runs).toHaveLength(1);
    expect(completed).toEqual([]);
    expect(rows).toEqual([]);
  });

  it('off: another server runs it again once the claim lease lapses, and it completes', async () => {
    const { runner, runs, completed, rows } = await crashWhileRunning([]);
    expect(runs).toHaveLength(2);
    expect(runs[1]!.server).not.toBe(runner);
    expect(runs[1]!.attempt).toBe(2);
    // The claim was made at 1 s with a 30 s lease.
    expect(rel(runs[1]!.vt)).toBeGreaterThanOrEqual(31_000);
    expect(rel(runs[1]!.vt)).toBeLessThanOrEqual(36_000);
    expect(completed).toHaveLength(1);
    expect(rows).toEqual([{ status: 'completed', attempts: 2 }]);
  });
});

/** A job that takes `ms` on the server's clock and records where it ran. */

describe('H9 oneClaimPerTick: 100 quick jobs on two servers', () => {
  async function drain(hazards: HazardSelection) {
    const { cluster: c } = await cluster((log) => [work(log, 0)], { hazards });
    await c.addServer('a');
    await c.addServer('b');
    await c.run(500);
    const enqueuedAt = c.time.now();
    await Promise.all(
      Array.from({ length: 100 }, (_, i) => c.server('a').coordinator.enqueue('work', { i })),
    );
    await c.run(60_000);
    const completed = c.ofType('completed').filter((e) => e.vt <= enqueuedAt + 60_000);
    const lastMs = completed.length ? Math.max(...completed.map((e) => e.vt)) - enqueuedAt : undefined;
    figures(`H9 ${JSON.stringify(hazards)}`, {
      completedIn60s: completed.length,
      lastCompletedAfterMs: lastMs,
    });
    return { completed, lastMs };
  }

  it('on: the cluster drains at most one job per server per 5 s tick', async () => {
    const { completed } = await drain(['oneClaimPerTick']);
    expect(completed.length).toBeLessThanOrEqual(2 * 13);
    expect(completed.length).toBeGreaterThanOrEqual(20);
  });

  it('off: all 100 are done within a few seconds', async () => {
    const { completed, lastMs } = await drain([]);
    expect(completed).toHaveLength(100);
    expect(lastMs).toBeLessThanOrEqual(3_000);
  });
});

describe('H10 distributeKeepsOne: 60 jobs of 100 ms enqueued on one server of three', () => {
  async function spread(hazards: HazardSelection) {
    const { cluster: c, log } = await cluster((log) => [work(log, 100)], { hazards });
    await c.addServer('a');
    await c.addServer('b');
    await c.addServer('c');
    await c.run(1_000);
    await Promise.all(Array.from({ length: 60 }, (_, i) => c.server('a').coordinator.enqueue('work', { i })));
    await c.run(20_000);
    const perServer = Object.fromEntries(countBy(log.runs, (run) => run.server));
    const lastMs = Math.max(...log.runs.map((run) => run.vt)) + 100 - c.time.now() + 20_000;
    figures(`H10 ${JSON.stringify(hazards)}`, {
      perServer,
      lastFinishedAfterMs: lastMs,
      runs: log.runs.length,
    });
    return { perServer, runs: log.runs };
  }

  it('on: (nearly) every job runs on the server that enqueued it', async () => {
    const { perServer, runs } = await spread(['distributeKeepsOne']);
    expect(runs).toHaveLength(60);
    expect(perServer.a).toBeGreaterThanOrEqual(55);
  });

  it('off: the jobs spread over all three servers', async () => {
    const { perServer, runs } = await spread([]);
    expect(runs).toHaveLength(60);
    for (const id of ['a', 'b', 'c']) expect(perServer[id]).toBeGreaterThanOrEqual(12);
  });
});

describe('H11 droppedFailures: a job that fails once, then would succeed', () => {
  async function flaky(hazards: HazardSelection) {
    const { cluster: c, log } = await cluster(
      (log) => [
        defineJob({
          name: 'flaky',
          run: (params, context) => {
            log.record(context, params);
            if (context.attempt === 1) throw new Error('smtp timeout');
          },
        }),
      ],
      { hazards },
    );
    await c.addServer('a');
    await c.addServer('b');
    await c.run(500);
    await c.server('a').coordinator.enqueue('flaky');
    await c.run(30_000);
    const failed = c.ofType('failed');
    const rows = c.rows('SELECT status, attempts, lastError FROM distributedJobs');
    figures(`H11 ${JSON.stringify(hazards)}`, {
      runs: log.runs.map((run) => `${run.server}@${rel(run.vt)}#${run.attempt}`),
      failed: failed.map((e) => e.outcome),
      rows,
    });
    return { runs: log.runs, failed, completed: c.ofType('completed'), rows };
  }

  it('on: it runs once, is dropped, and its row is gone', async () => {
    const { runs, failed, completed, rows } = await flaky(['droppedFailures']);
    expect(runs).toHaveLength(1);
    expect(failed).toEqual([expect.objectContaining({ outcome: 'dropped', error: 'Error: smtp timeout' })]);
    expect(completed).toEqual([]);
    expect(rows).toEqual([]);
  });

  it('off: it is retried after a backoff and completes', async () => {
    const { runs, failed, completed, rows } = await flaky([]);
    expect(runs.map((run) => run.attempt)).toEqual([1, 2]);
    expect(runs[1]!.vt - runs[0]!.vt).toBeGreaterThanOrEqual(900);
    expect(failed).toEqual([expect.objectContaining({ outcome: 'retry' })]);
    expect(completed).toHaveLength(1);
    expect(rows).toEqual([{ status: 'completed', attempts: 2, lastError: 'Error: smtp timeout' }]);
  });
});

describe('H12 lockWaitersInheritErrors: the lock holder throws with two waiters queued behind it', () => {
  async function holderThrows(inherit: boolean) {
    const time = new VirtualTime(DEFAULT_EPOCH_MS);
    const db = await SharedSqlJsDatabase.open({ clock: databaseClock(time) });
    open.push({ close: () => db.close() });
    const connection = db.connect('server');
    await connection.run('CREATE TABLE notes (text TEXT)');
    const locked = serverLock(connection, () => inherit);
    const ran: string[] = [];
    const holderError = new Error('holder failed');
    const holder = locked(async (tx) => {
      await tx.run("INSERT INTO notes VALUES ('holder')");
      throw holderError;
    });
    const waiters = ['first', 'second'].map((name) =>
      locked(async (tx) => {
        ran.push(name);
        await tx.run('INSERT INTO notes VALUES (?)', [name]);
        return name;
      }),
    );
    const outcomes = await Promise.allSettled([holder, ...waiters]);
    const notes = db.inspect('SELECT text FROM notes').map((row) => row.text);
    return { outcomes, ran, notes, holderError };
  }

  it("on: both waiters fail with the holder's error and never run", async () => {
    const { outcomes, ran, notes, holderError } = await holderThrows(true);
    expect(outcomes).toEqual([
      { status: 'rejected', reason: holderError },
      { status: 'rejected', reason: holderError },
      { status: 'rejected', reason: holderError },
    ]);
    expect(ran).toEqual([]);
    expect(notes).toEqual([]);
  });

  it('off: the holder alone fails; both waiters run in turn and succeed', async () => {
    const { outcomes, ran, notes, holderError } = await holderThrows(false);
    expect(outcomes).toEqual([
      { status: 'rejected', reason: holderError },
      { status: 'fulfilled', value: 'first' },
      { status: 'fulfilled', value: 'second' },
    ]);
    expect(ran).toEqual(['first', 'second']);
    expect(notes).toEqual(['first', 'second']);
  });

  /**
   * Through a coordinator: with H1 the election throws inside the lock on every tick once the leader has
   * stopped. A server that starts then runs its first election and its first claim together, the claim
   * queued behind the election's transaction; a job is waiting in the table.
   */
  async function newServerAfterRelease(hazards: HazardSelection) {
    const { cluster: c, log } = await cluster((log) => [work(log, 0)], { hazards });
    await c.addServer('a');
    await c.run(1_000);
    await settled(c, c.server('a').coordinator.stop());
    const web = await c.addServer('web', { withoutJobs: true });
    await web.coordinator.enqueue('work');
    await c.run(1_000);
    await c.addServer('c');
    await c.run(60_000);
    const claimErrors = c.ofType('error').filter((e) => e.serverId === 'c' && e.where === 'claim');
    const electionErrors = c.ofType('error').filter((e) => e.serverId === 'c' && e.where === 'election');
    figures(`H12 coordinator ${JSON.stringify(hazards)}`, {
      runs: log.runs.map((run) => `${run.server}@${rel(run.vt)}`),
      claimErrors: claimErrors.length,
      electionErrors: electionErrors.length,
    });
    return { runs: log.runs, claimErrors, electionErrors };
  }

  it("on (with H1): the claim fails with the election's error, and the job waits a poll interval", async () => {
    const { runs, claimErrors, electionErrors } = await newServerAfterRelease([
      'lockWaitersInheritErrors',
      'H1',
    ]);
    expect(electionErrors.length).toBeGreaterThanOrEqual(12);
    expect(claimErrors).toEqual([
      expect.objectContaining({ vt: DEFAULT_EPOCH_MS + 2_000, error: electionErrors[0]!.error }),
    ]);
    expect(claimErrors[0]!.error).toMatch(/lastHeartbeatAt is null/);
    expect(runs).toEqual([expect.objectContaining({ server: 'c', vt: DEFAULT_EPOCH_MS + 7_000 })]);
  });

  it('off (H1 alone): the election fails, but the claim does not: the job runs at once', async () => {
    const { runs, claimErrors, electionErrors } = await newServerAfterRelease(['H1']);
    expect(runs).toEqual([expect.objectContaining({ server: 'c', vt: DEFAULT_EPOCH_MS + 2_000 })]);
    expect(electionErrors.length).toBeGreaterThanOrEqual(12);
    expect(claimErrors).toEqual([]);
  });
});
