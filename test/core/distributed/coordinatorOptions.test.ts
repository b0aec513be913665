/**
 * What a user of the distributed coordinator sees before any job runs: options refused with a message that
 * names the option, what `started` and `enqueued` say, and which server says it is scheduling.
 * Real coordinators on the real shared sql.js database, in virtual time.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { defineJob, InvalidOptionError, type Database } from '../../../src/core';
import { TestCluster } from '../../support/testCluster';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

const quick = defineJob({ name: 'quick', run: () => {} });

async function create(): Promise<TestCluster> {
  cluster = await TestCluster.create({ jobs: [quick] });
  return cluster;
}

describe('options are refused at construction, naming the option', () => {
  test('a missing database, or something that is not a Database connection', async () => {
    const c = await create();
    const notADatabase = { query: () => Promise.resolve([]) } as unknown as Database;
    for (const database of [undefined as unknown as Database, notADatabase]) {
      const refused = c.addServer('a', { database });
      await expect(refused).rejects.toThrow(InvalidOptionError);
      await expect(refused).rejects.toThrow('database: expected a Database connection');
    }
  });

  test.each([
    ['heartbeatIntervalMs', 9, 'heartbeatIntervalMs: expected a number from 10 to 3600000, got 9'],
    ['leadershipTimeoutMs', 5, 'leadershipTimeoutMs: expected a number from 10 to 86400000, got 5'],
    ['claimLeaseMs', 29, 'claimLeaseMs: expected a number from 30 to 86400000, got 29'],
    ['pollIntervalMs', 0, 'pollIntervalMs: expected a number from 1 to 3600000, got 0'],
  ])('%s out of range is refused with its name and range', async (option, value, message) => {
    const c = await create();
    await expect(c.addServer('a', { [option]: value })).rejects.toThrow(message);
  });

  test('a leadership timeout that does not exceed the heartbeat interval is refused, equal included', async () => {
    const c = await create();
    for (const leadershipTimeoutMs of [4_000, 5_000]) {
      await expect(c.addServer('a', { heartbeatIntervalMs: 5_000, leadershipTimeoutMs })).rejects.toThrow(
        `leadershipTimeoutMs (${leadershipTimeoutMs}) must exceed heartbeatIntervalMs (5000)`,
      );
    }
    // Just above is fine.
    const server = await c.addServer('a', { heartbeatIntervalMs: 5_000, leadershipTimeoutMs: 5_001 });
    expect(server.coordinator.state).toBe('running');
  });

  test('options left undefined take the defaults', async () => {
    const c = await create();
    const server = await c.addServer('a', { heartbeatIntervalMs: undefined, leadershipTimeoutMs: undefined });
    await c.run(11_000);
    // The default heartbeat interval is 5 s.
    expect(c.ofType('heartbeat').map((beat) => beat.vt - c.ofType('elected')[0]!.vt)).toEqual([
      5_000, 10_000,
    ]);
    expect(server.coordinator.isLeader).toBe(true);
  });
});

describe('what a started server says', () => {
  test('started names the distributed mode and whether the server runs jobs', async () => {
    const c = await create();
    await c.addServer('worker');
    await c.addServer('web', { withoutJobs: true });
    expect(
      c.ofType('started').map(({ serverId, mode, withoutJobs }) => ({ serverId, mode, withoutJobs })),
    ).toEqual([
      { serverId: 'worker', mode: 'distributed', withoutJobs: false },
      { serverId: 'web', mode: 'distributed', withoutJobs: true },
    ]);
  });

  test('only the leader says it is scheduling; a follower and a server without jobs do not', async () => {
    const c = await create();
    const leader = await c.addServer('a');
    const follower = await c.addServer('b');
    const web = await c.addServer('web', { withoutJobs: true });
    await c.run(1_000);
    expect(c.leaders()).toEqual(['a']);
    expect(leader.coordinator.isScheduling).toBe(true);
    expect(follower.coordinator.isScheduling).toBe(false);
    expect(web.coordinator.isScheduling).toBe(false);
    await leader.coordinator.stop();
    expect(leader.coordinator.isScheduling).toBe(false);
  });
});

describe('what enqueue says', () => {
  test('a job enqueued goes to the shared table: its id is the row id, and the event says shared', async () => {
    const c = await create();
    const server = await c.addServer('a');
    const id = await server.coordinator.enqueue('quick', { n: 1 });
    expect(c.rows('SELECT id, enqueuedBy FROM distributedJobs')).toEqual([
      { id: Number(id), enqueuedBy: 'a' },
    ]);
    expect(c.ofType('enqueued')).toEqual([
      expect.objectContaining({ serverId: 'a', jobId: id, jobName: 'quick', target: 'shared' }),
    ]);
  });

  test('under H10 a job enqueued stays in memory: a local id, and the event says local', async () => {
    const c = await create();
    const server = await c.addServer('a', { hazards: ['distributeKeepsOne'] });
    const id = await server.coordinator.enqueue('quick');
    expect(id).toMatch(/^local-\d+$/);
    expect(c.rows('SELECT id FROM distributedJobs')).toEqual([]);
    expect(c.ofType('enqueued')).toEqual([
      expect.objectContaining({ serverId: 'a', jobId: id, jobName: 'quick', target: 'local' }),
    ]);
  });
});
