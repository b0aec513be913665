/**
 * What the job source reports about a claim once it leaves the worker's hands: a lapsed claim taken back
 * (queued again, or dead), a failure's retry or dead letter with the database's time of the write, a
 * claim that cannot be renewed because the database is out of reach, and no "claim lost" for a job that
 * already failed. Real coordinators on the real shared sql.js database, in virtual time.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { defineJob, type JobDefinition } from '../../../src/core';
import { RunLog, TestCluster } from '../../support/testCluster';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

async function create(jobs: (log: RunLog) => JobDefinition[]) {
  const log = new RunLog(() => cluster!.time);
  cluster = await TestCluster.create({ jobs: jobs(log) });
  return { c: cluster, log };
}

const long = (log: RunLog) =>
  defineJob({
    name: 'long',
    timeoutMs: 300_000,
    run: async (p, ctx) => {
      log.record(ctx, p);
      await ctx.sleep(60_000);
    },
  });

describe('a claim whose server died', () => {
  test('is taken back by the next claim after its lease, queued again with attempts left, naming the dead holder', async () => {
    const { c, log } = await create((log) => [long(log)]);
    await c.addServer('a');
    await c.run(100);
    const jobId = await c.server('a').coordinator.enqueue('long');
    await c.run(100);
    c.crash('a');
    await c.addServer('b');
    await c.run(40_000);
    expect(c.ofType('reclaimed')).toEqual([
      expect.objectContaining({
        serverId: 'b',
        jobId,
        jobName: 'long',
        previousHolder: 'a',
        outcome: 'queued',
      }),
    ]);
    expect(log.runs.map((run) => [run.server, run.attempt])).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
  });
});

describe('a failure', () => {
  const failing = (log: RunLog) =>
    defineJob({
      name: 'failing',
      maxAttempts: 2,
      backoff: { baseMs: 60_000, jitter: 0 },
      run: (p, ctx) => {
        log.record(ctx, p);
        throw new Error('no luck');
      },
    });

  test('reports its retry with the delay and the database time of the write; the last one is dead, with no retry', async () => {
    const { c } = await create((log) => [failing(log)]);
    await c.addServer('a');
    await c.run(100);
    await c.server('a').coordinator.enqueue('failing');
    await c.run(100);
    const [retry] = c.ofType('failed');
    expect(retry).toEqual(
      expect.objectContaining({ attempt: 1, outcome: 'retry', retryInMs: 60_000, dbAt: retry!.vt }),
    );
    expect(c.rows('SELECT status, runAt FROM distributedJobs')).toEqual([
      { status: 'queued', runAt: retry!.dbAt! + 60_000 },
    ]);
    await c.run(61_000);
    const dead = c.ofType('failed')[1]!;
    expect(dead).toMatchObject({ attempt: 2, outcome: 'dead', error: expect.stringContaining('no luck') });
    expect(dead.dbAt).toBe(dead.vt);
    expect(dead).not.toHaveProperty('retryInMs');
  });

  test('is not followed by a "claim lost" when the renewal runs after it', async () => {
    const { c } = await create((log) => [failing(log)]);
    await c.addServer('a');
    await c.run(100);
    await c.server('a').coordinator.enqueue('failing');
    // Claims are renewed every 10 s (a third of the 30 s lease).
    await c.run(25_000);
    expect(c.ofType('failed')).toHaveLength(1);
    expect(c.ofType('claimLost')).toEqual([]);
  });

  test('whose claim was taken over is rejected, with no retry announced', async () => {
    const { c } = await create(() => [
      defineJob({
        name: 'slowFail',
        maxAttempts: 3,
        timeoutMs: 300_000,
        run: async (p, ctx) => {
          await ctx.sleep(40_000);
          throw new Error('too late');
        },
      }),
    ]);
    const a = await c.addServer('a');
    await c.run(100);
    await a.coordinator.enqueue('slowFail');
    await c.run(100);
    // a's timers stall past the claim's lease; b takes the claim over meanwhile.
    a.clock.holdTimers();
    await c.addServer('b');
    await c.run(35_000);
    expect(c.ofType('reclaimed')).toHaveLength(1);
    a.clock.releaseTimers();
    await c.run(10_000);
    const rejected = c.ofType('failed').find((e) => e.serverId === 'a');
    expect(rejected).toMatchObject({ outcome: 'rejected', attempt: 1 });
    expect(rejected).not.toHaveProperty('retryInMs');
  });
});

describe('a running job whose server is cut off from the database', () => {
  test('reports each renewal that fails, naming the cause', async () => {
    const { c } = await create((log) => [long(log)]);
    const a = await c.addServer('a');
    await c.run(100);
    await a.coordinator.enqueue('long');
    await c.run(100);
    a.connection.sever('cable pulled');
    await c.run(21_000);
    const renewErrors = c.ofType('error').filter((e) => e.where === 'renew');
    expect(renewErrors).toHaveLength(2);
    expect(renewErrors[0]).toMatchObject({ serverId: 'a', error: expect.stringContaining('cable pulled') });
  });
});

describe('H9 oneClaimPerTick', () => {
  test('on: one job per election tick, only while idle, and never an error', async () => {
    cluster = await TestCluster.create({
      jobs: [defineJob({ name: 'block', timeoutMs: 120_000, run: (p, ctx) => ctx.sleep(12_000) })],
      serverOptions: { hazards: ['oneClaimPerTick'] },
    });
    const c = cluster;
    const a = await c.addServer('a');
    await c.run(100);
    for (let i = 0; i < 3; i++) await a.coordinator.enqueue('block', { i });
    await c.run(40_000);
    const claimed = c.ofType('claimed').map((e) => e.vt - c.ofType('elected')[0]!.vt);
    // Ticks every 5 s; a 12 s job keeps the server busy for two of them.
    expect(claimed).toEqual([5_000, 20_000, 35_000]);
    expect(c.ofType('error')).toEqual([]);
  });
});
