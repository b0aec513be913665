/**
 * What a user sees of the election beyond "one leader": who it names as the previous holder, when a
 * server gets its own lease back, what a stop frees, and that a follower's stop frees nothing.
 * Real coordinators on the real shared sql.js database, in virtual time.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { TestCluster } from '../support/testCluster';

const SECOND = 1000;
let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

async function servers(ids: string[], serverOptions = {}) {
  cluster = await TestCluster.create({ jobs: [], serverOptions });
  for (const id of ids) await cluster.addServer(id);
  await cluster.run(100);
  return cluster;
}

const lease = (c: TestCluster) =>
  c.rows('SELECT jobCoordinatorId, lastHeartbeatAt, term FROM leadJobCoordinators')[0];

describe('the lease a leader holds', () => {
  test('the first leader of a database has term 1 and no previous holder, and its lease is written on the database clock', async () => {
    const c = await servers(['a']);
    expect(c.ofType('elected')).toEqual([
      expect.objectContaining({
        serverId: 'a',
        term: 1,
        previousHolder: null,
        previousHeartbeatAt: null,
        dbNow: c.ofType('elected')[0]!.vt,
      }),
    ]);
    expect(lease(c)).toEqual({ jobCoordinatorId: 'a', lastHeartbeatAt: c.ofType('elected')[0]!.vt, term: 1 });
  });

  test('each heartbeat moves the lease forward, every interval', async () => {
    const c = await servers(['a'], { heartbeatIntervalMs: 2_000 });
    const electedAt = c.ofType('elected')[0]!.vt;
    await c.run(10 * SECOND);
    const beats = c.ofType('heartbeat');
    expect(beats.map((beat) => beat.vt - electedAt)).toEqual([2_000, 4_000, 6_000, 8_000, 10_000]);
    expect(beats.every((beat) => beat.term === 1)).toBe(true);
    expect(lease(c)).toMatchObject({ jobCoordinatorId: 'a', lastHeartbeatAt: beats.at(-1)!.vt });
  });

  test('the successor of a crashed leader names it and its last heartbeat', async () => {
    const c = await servers(['a', 'b']);
    await c.run(7 * SECOND);
    const [old] = c.leaders();
    const lastBeat = lease(c)!.lastHeartbeatAt;
    c.crash(old!);
    await c.run(25 * SECOND);
    expect(c.ofType('elected').filter((e) => e.term === 2)).toEqual([
      expect.objectContaining({ previousHolder: old, previousHeartbeatAt: lastBeat, term: 2 }),
    ]);
  });

  test('a server restarted under the same id takes its own lease back at once, without waiting out the timeout', async () => {
    const c = await servers(['a', 'b']);
    await c.run(3 * SECOND);
    const [old] = c.leaders();
    c.crash(old!);
    await c.run(SECOND);
    const restartedAt = c.time.now();
    await c.addServer(old!);
    await c.run(SECOND);
    const again = c.ofType('elected').filter((e) => e.term === 2);
    expect(again).toEqual([expect.objectContaining({ serverId: old, previousHolder: old })]);
    expect(again[0]!.vt - restartedAt).toBeLessThan(SECOND);
  });
});

describe('stopping', () => {
  test("a leader's stop frees the lease (keeping its term) and says so; a follower's stop frees nothing", async () => {
    const c = await servers(['a', 'b']);
    const [leader] = c.leaders();
    const follower = leader === 'a' ? 'b' : 'a';
    const followerReport = await c.server(follower).coordinator.stop();
    expect(followerReport.releasedLeadership).toBe(false);
    expect(lease(c)).toMatchObject({ jobCoordinatorId: leader, term: 1 });
    const leaderReport = await c.server(leader!).coordinator.stop();
    expect(leaderReport.releasedLeadership).toBe(true);
    expect(c.ofType('released')).toEqual([expect.objectContaining({ serverId: leader, term: 1 })]);
    expect(lease(c)).toMatchObject({ jobCoordinatorId: null, term: 1 });
    // Nobody is left to lead, and the stopped servers do not come back.
    await c.run(30 * SECOND);
    expect(c.ofType('elected')).toHaveLength(1);
  });

  test('after a stop, the stopped leader runs no more heartbeats', async () => {
    const c = await servers(['a']);
    await c.run(6 * SECOND);
    await c.server('a').coordinator.stop();
    const beats = c.ofType('heartbeat').length;
    await c.run(20 * SECOND);
    expect(c.ofType('heartbeat')).toHaveLength(beats);
    expect(c.server('a').coordinator.isLeader).toBe(false);
    expect(c.server('a').coordinator.term).toBeNull();
  });
});

describe('a leader that cannot reach the database', () => {
  test('a stop that cannot free the lease reports the error and says it released nothing', async () => {
    const c = await servers(['a']);
    c.server('a').connection.sever('network down');
    const report = await c.server('a').coordinator.stop();
    expect(report.releasedLeadership).toBe(false);
    expect(c.ofType('released')).toEqual([]);
    expect(c.ofType('error')).toContainEqual(
      expect.objectContaining({ where: 'release', error: expect.stringContaining('network down') }),
    );
  });
});

test('a leader that stalled past its lease steps down at its next heartbeat, saying the lease names another server', async () => {
  const c = await servers(['a', 'b']);
  const [old] = c.leaders();
  c.server(old!).clock.holdTimers();
  await c.run(20 * SECOND); // the other server takes the lease over
  c.server(old!).clock.releaseTimers();
  await c.run(SECOND);
  expect(c.ofType('steppedDown')).toEqual([
    expect.objectContaining({ serverId: old, term: 1, reason: 'the lease names another server' }),
  ]);
  expect(c.leaders()).toEqual([old === 'a' ? 'b' : 'a']);
});
