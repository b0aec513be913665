// The `testing` entry point as a suite would use it: its own job code, the conductor's faults, real sql.js.
import { afterEach, describe, expect, it } from 'vitest';
import { DISTRIBUTED_JOBS, defineJob } from '../../src/core/index.js';
import { TestCluster } from '../../src/testing/index.js';

const fast = { heartbeatIntervalMs: 1_000, leadershipTimeoutMs: 3_000, pollIntervalMs: 500 };

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

async function threeServers(run: (serverId: string, id: number) => Promise<void>) {
  const charge = defineJob({
    name: 'chargeCard',
    async run(params, context) {
      await run(context.serverId, Number(params.id));
    },
  });
  cluster = await TestCluster.create({ jobs: [charge], serverOptions: fast, seed: 3 });
  for (const id of ['a', 'b', 'c']) await cluster.addServer(id);
  await cluster.run(2_000);
  return cluster;
}

describe('TestCluster (the testing entry point)', () => {
  it("runs a suite's own job on every server and survives a leader crash with each job run once", async () => {
    const runs = new Map<number, string[]>();
    const c = await threeServers(async (server, id) => {
      runs.set(id, [...(runs.get(id) ?? []), server]);
    });
    const [leader] = c.leaders();
    expect(leader).toBeDefined();
    for (let id = 0; id < 20; id++) await c.server('a').coordinator.enqueue('chargeCard', { id });
    c.crash(leader!);
    await c.run(10_000);
    for (let id = 20; id < 30; id++) {
      const survivor = ['a', 'b', 'c'].find((s) => s !== leader)!;
      await c.server(survivor).coordinator.enqueue('chargeCard', { id });
    }
    await c.run(10_000);

    const newLeaders = c.leaders();
    expect(newLeaders).toHaveLength(1);
    expect(newLeaders[0]).not.toBe(leader);
    expect(c.ofType('elected').length).toBeGreaterThanOrEqual(2);
    // Jobs enqueued by a (or by a survivor) all ran, each exactly once; none ran on the crashed server after it died.
    const enqueuedBeforeCrash = leader === 'a' ? [] : [...Array(20).keys()];
    for (const id of [...enqueuedBeforeCrash, ...Array.from({ length: 10 }, (_, i) => 20 + i)]) {
      expect(runs.get(id), `job ${id}`).toHaveLength(1);
    }
    expect([...runs.values()].every((servers) => servers.length === 1)).toBe(true);
  });

  it('a cut-off server cannot claim; after reconnect it claims again', async () => {
    const ranOn: string[] = [];
    const c = await threeServers(async (server) => {
      ranOn.push(server);
    });
    for (const id of ['a', 'b']) c.cutOff(id);
    for (let id = 0; id < 6; id++) await c.server('c').coordinator.enqueue('chargeCard', { id });
    await c.run(3_000);
    expect(ranOn).toEqual(['c', 'c', 'c', 'c', 'c', 'c']);
    expect(
      c.rows(`SELECT count(*) AS n FROM ${DISTRIBUTED_JOBS.table} WHERE status = 'completed'`)[0]?.n,
    ).toBe(6);

    for (const id of ['a', 'b']) c.reconnect(id);
    c.crash('c');
    await c.server('a').coordinator.enqueue('chargeCard', { id: 99 });
    await c.run(20_000);
    expect(ranOn.slice(6)).toHaveLength(1);
    expect(['a', 'b']).toContain(ranOn[6]);
  });

  it('holding a leader\'s timers past the timeout hands leadership on; skewing a clock moves its "now"', async () => {
    const c = await threeServers(async () => {});
    const [leader] = c.leaders();
    c.holdTimers(leader!);
    await c.run(6_000);
    const others = c.leaders().filter((id) => id !== leader);
    expect(others).toHaveLength(1);
    c.releaseTimers(leader!);
    await c.run(3_000);
    expect(c.leaders()).toEqual(others);

    const before = c.server('b').clock.now();
    c.setClock('b', { offsetMs: 60_000 });
    expect(c.server('b').clock.now() - before).toBeGreaterThanOrEqual(60_000);
  });

  it('names the servers it has when asked for one it has not', async () => {
    const c = await threeServers(async () => {});
    expect(() => c.server('z')).toThrow('no server "z" (servers: a, b, c)');
    await expect(c.addServer('a')).rejects.toThrow('a server "a" is running already');
    c.crash('a');
    await c.addServer('a');
    expect(c.crashed.has('a')).toBe(false);
  });
});
