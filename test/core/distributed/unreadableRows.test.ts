/**
 * A row in the shared table whose params are valid JSON but not a JSON object (null, a number, a string,
 * an array) is not run with those params: it is kept as dead, naming why, and claiming goes on. A job
 * enqueued (not scheduled) is told it has no tick. Real coordinators on the real shared sql.js database.
 */
import { afterEach, expect, test } from 'vitest';
import { defineJob } from '../../../src/core';
import { RunLog, TestCluster } from '../../support/testCluster';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

test.each(['null', '5', '"text"', '[1, 2]'])(
  'params %s are not a JSON object: the row is dead with the reason, and the next job runs',
  async (params) => {
    const log = new RunLog(() => cluster!.time);
    cluster = await TestCluster.create({
      jobs: [defineJob({ name: 'j', run: (p, ctx) => log.record(ctx, p) })],
    });
    const c = cluster;
    const a = await c.addServer('a');
    await a.connection.run(
      "INSERT INTO distributedJobs (name, params, createdAt, runAt, maxAttempts) VALUES ('j', ?, 0, 0, 3)",
      [params],
    );
    await a.coordinator.enqueue('j', { fine: true });
    await c.run(1_000);
    expect(log.runs.map((run) => [run.params, run.tickAt])).toEqual([[{ fine: true }, undefined]]);
    expect(c.rows('SELECT status, lastError FROM distributedJobs WHERE params = ?', [params])).toEqual([
      { status: 'dead', lastError: expect.stringMatching(/^params column of job \d+ is not a JSON object$/) },
    ]);
  },
);
