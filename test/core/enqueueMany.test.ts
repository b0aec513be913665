/**
 * enqueueMany: one job per entry, all checked before any is added, ids in order. Distributed, the batch is
 * one transaction (all or none) and runs once each; in single mode, the same answers from memory.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { InvalidParamsError, UnknownJobError, type JobDefinition } from '../../src/core';
import { singleServer, TestCluster } from '../support/testCluster';

const ran: unknown[] = [];
const JOBS: readonly JobDefinition[] = [{ name: 'email', run: (params) => void ran.push(params) }];

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
  ran.length = 0;
});

describe('enqueueMany on a distributed coordinator', () => {
  test('adds one job per params in one transaction, returns their ids in order, and each runs once', async () => {
    cluster = await TestCluster.create({ jobs: JOBS });
    const a = await cluster.addServer('a');
    await cluster.addServer('b');
    await cluster.run(100);
    const ids = await a.coordinator.enqueueMany('email', [{ to: 1 }, { to: 2 }, { to: 3 }]);
    expect(cluster.rows('SELECT id, params FROM distributedJobs ORDER BY id')).toEqual(
      ids.map((id, i) => ({ id: Number(id), params: JSON.stringify({ to: i + 1 }) })),
    );
    await cluster.run(1_000);
    expect([...ran].sort((x, y) => (x as { to: number }).to - (y as { to: number }).to)).toEqual([
      { to: 1 },
      { to: 2 },
      { to: 3 },
    ]);
    expect(cluster.ofType('enqueued').map((e) => e.jobId)).toEqual(ids);
  });

  test('the batch is one transaction: one lock request, no statement outside it', async () => {
    cluster = await TestCluster.create({ jobs: JOBS });
    // Without jobs, a server neither claims nor elects: what it asks of its connection is the batch's.
    const web = await cluster.addServer('web', { withoutJobs: true });
    await cluster.run(100);
    const asked = { locks: 0, lone: 0 };
    const { query, run, lock } = web.connection;
    Object.assign(web.connection, {
      query: (...args: Parameters<typeof query>) => (asked.lone++, query.apply(web.connection, args)),
      run: (...args: Parameters<typeof run>) => (asked.lone++, run.apply(web.connection, args)),
      lock: (...args: Parameters<typeof lock>) => (asked.locks++, lock.apply(web.connection, args)),
    });
    const ids = await web.coordinator.enqueueMany('email', [{ to: 1 }, { to: 2 }, { to: 3 }]);
    expect(ids).toHaveLength(3);
    expect(asked).toEqual({ locks: 1, lone: 0 });
  });

  test('a bad entry anywhere rejects the whole batch at once, naming it, and adds nothing', async () => {
    cluster = await TestCluster.create({ jobs: JOBS });
    const a = await cluster.addServer('a');
    await cluster.run(100);
    const notJson = { when: new Date(0) } as unknown as Record<string, never>;
    await expect(a.coordinator.enqueueMany('email', [{ to: 1 }, notJson])).rejects.toThrow(
      InvalidParamsError,
    );
    await expect(a.coordinator.enqueueMany('sms', [{ to: 1 }])).rejects.toThrow(UnknownJobError);
    expect(cluster.rows('SELECT COUNT(*) AS n FROM distributedJobs')).toEqual([{ n: 0 }]);
    expect(await a.coordinator.enqueueMany('email', [])).toEqual([]);
  });
});

describe('enqueueMany on a single-server coordinator', () => {
  test('the same answers: ids in order, a bad entry rejects the batch before any is queued', async () => {
    const { time, coordinator, events } = singleServer({ jobs: JOBS });
    await coordinator.start();
    const notJson = { n: Number.NaN } as unknown as Record<string, never>;
    await expect(coordinator.enqueueMany('email', [{ to: 1 }, notJson])).rejects.toThrow(InvalidParamsError);
    expect(events.filter((e) => e.type === 'enqueued')).toEqual([]);
    const ids = await coordinator.enqueueMany('email', [{ to: 1 }, { to: 2 }]);
    expect(events.filter((e) => e.type === 'enqueued').map((e) => (e as { jobId: string }).jobId)).toEqual(
      ids,
    );
    await time.advance(1_000);
    expect(ran).toEqual([{ to: 1 }, { to: 2 }]);
    await coordinator.stop();
  });
});
