/**
 * Hazard H10 (the reference keeps jobs in the enqueuing server's memory and hands all but one of them to
 * the shared table at each election tick): how many reach the table and when, what a stop leaves behind,
 * and what an election tick that cannot reach the database reports. With H10 off nothing stays local.
 * Real coordinators on the real shared sql.js database, in virtual time.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { defineJob } from '../../../src/core';
import { RunLog, TestCluster } from '../../support/testCluster';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

async function create(hazards: ['distributeKeepsOne'] | []) {
  const log = new RunLog(() => cluster!.time);
  cluster = await TestCluster.create({
    jobs: [
      defineJob({ name: 'work', run: (p, ctx) => log.record(ctx, p) }),
      // Keeps a one-slot worker busy, so that jobs enqueued meanwhile wait in its memory.
      defineJob({ name: 'block', timeoutMs: 120_000, run: (p, ctx) => ctx.sleep(30_000) }),
    ],
    serverOptions: { hazards, concurrency: 1 },
  });
  return { c: cluster, log };
}

/** Server `a`, leading, its only slot taken by a 30 s job. */
async function busyServer(c: TestCluster) {
  const a = await c.addServer('a');
  await c.run(1_000);
  await a.coordinator.enqueue('block');
  await c.run(100);
  expect(a.coordinator.runningJobs().map((job) => job.jobName)).toEqual(['block']);
  return a;
}

const tableRows = (c: TestCluster) =>
  Number(c.rows("SELECT COUNT(*) AS n FROM distributedJobs WHERE enqueuedBy = 'a' AND name = 'work'")[0]!.n);

describe('H10 distributeKeepsOne', () => {
  test('on: the election tick hands all but one of five waiting jobs to the table; the one kept runs on its server', async () => {
    const { c, log } = await create(['distributeKeepsOne']);
    const a = await busyServer(c);
    await c.addServer('b');
    for (let i = 0; i < 5; i++) await a.coordinator.enqueue('work', { i });
    expect(tableRows(c)).toBe(0);
    // The next election tick (5 s after the election) distributes, oldest first.
    await c.run(5_000);
    expect(tableRows(c)).toBe(4);
    expect(log.runs.map((run) => [run.server, run.params])).toEqual([0, 1, 2, 3].map((i) => ['b', { i }]));
    await c.run(60_000);
    expect(tableRows(c)).toBe(4);
    expect(log.runs.at(-1)).toMatchObject({ server: 'a', params: { i: 4 } });
    expect(log.runs).toHaveLength(5);
  });

  test('on: a single waiting job is never handed over, and a stop reports it left in memory', async () => {
    const { c, log } = await create(['distributeKeepsOne']);
    const a = await busyServer(c);
    await a.coordinator.enqueue('work');
    await c.run(20_000);
    expect(tableRows(c)).toBe(0);
    expect(log.runs).toEqual([]);
    const stopping = a.coordinator.stop({ graceMs: 0 });
    await c.run(100);
    // The waiting job, and the abandoned block given back to the memory it came from.
    expect((await stopping).leftInLocalQueue).toBe(2);
  });

  test('off: every job goes to the table at once, and a stop leaves nothing in memory', async () => {
    const { c } = await create([]);
    const a = await busyServer(c);
    for (let i = 0; i < 5; i++) await a.coordinator.enqueue('work', { i });
    expect(tableRows(c)).toBe(5);
    const stopping = a.coordinator.stop({ graceMs: 0 });
    await c.run(100);
    expect((await stopping).leftInLocalQueue).toBe(0);
  });

  test('on: an election tick cut off from the database reports the failed hand-over', async () => {
    const { c } = await create(['distributeKeepsOne']);
    const a = await busyServer(c);
    for (let i = 0; i < 3; i++) await a.coordinator.enqueue('work', { i });
    a.connection.sever('cable pulled');
    await c.run(5_000);
    const tickErrors = c.ofType('error').filter((e) => e.where === 'tick');
    expect(tickErrors[0]).toMatchObject({ serverId: 'a', error: expect.stringContaining('cable pulled') });
    // Not asserted: the job whose hand-over failed is not put back (3 enqueued, 2 run once healed); an
    // open question for the hazard's model, reported to the hub.
  });

  test('on: a take from memory and the table together never runs more jobs than the concurrency', async () => {
    const { c } = await create(['distributeKeepsOne']);
    const a = await c.addServer('a', { concurrency: 2 });
    await c.run(1_000);
    await a.coordinator.enqueue('block');
    await a.coordinator.enqueue('block');
    await c.run(100);
    // While a is full: five jobs in the table (from a server without jobs), one in a's memory.
    const web = await c.addServer('web', { withoutJobs: true });
    for (let i = 0; i < 5; i++) await web.coordinator.enqueue('block', { i });
    await a.coordinator.enqueue('block', { local: true });
    let most = 0;
    for (let t = 0; t < 40_000; t += 100) {
      await c.run(100);
      most = Math.max(most, a.coordinator.runningJobs().length);
    }
    expect(most).toBe(2);
  });
});
