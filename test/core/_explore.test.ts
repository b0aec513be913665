import { test } from 'vitest';
import { TestCluster } from '../support/testCluster';
import { defineJob } from '../../src/core';

test('explore', async () => {
  const tick = defineJob({ name: 'tick', run: () => {}, schedules: [{ cron: '* * * * * *' }] });
  const c = await TestCluster.create({ jobs: [tick] });
  try {
    await c.addServer('a');
    await c.addServer('b');
    await c.run(12_000);
    for (const e of c.events.filter((e) => e.type !== 'claimed' && e.type !== 'completed' && e.type !== 'cronFired')) console.log(e.vt - 1_767_225_600_000, e.serverId, JSON.stringify(e));
    console.log(c.rows('SELECT id, tickAt, createdAt, enqueuedBy, term, status FROM distributedJobs'));
  } finally {
    await c.close();
  }
});
