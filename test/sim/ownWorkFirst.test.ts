/**
 * Who hears of new work, seen in the simulation's trace (its database entries are each server's lock
 * requests: a lone statement or a transaction). A server with a free slot takes the jobs it enqueues
 * itself and wakes nobody; a take that comes back full tells the others, who take the rest at once; a
 * follower's look at a live lease is one lone statement, and under an election hazard the reference's
 * transaction again.
 */
import { describe, expect, test } from 'vitest';
import type { HazardCode } from '../../src/core';
import type { Scenario } from '../../src/scenario/types';
import { runScenario } from '../../src/sim/runScenario';
import { TestCluster } from '../../src/testing';
import type { TraceEntry } from '../../src/sim/trace/trace';

const ENQUEUED_AT = 12_500;

function scenario(count: number, hazards: HazardCode[] = []): Scenario {
  return {
    version: 1,
    name: 'who hears of new work',
    seed: 1,
    durationMs: 30_000,
    coordinator: { concurrency: 4 },
    hazards,
    jobs: [{ name: 'email', durationMs: 200 }],
    servers: [{ id: 'a' }, { id: 'b' }, { id: 'c' }],
    actions: [{ atMs: ENQUEUED_AT, type: 'enqueue', server: 'b', job: 'email', count }],
  };
}

async function run(s: Scenario) {
  const result = await runScenario(s, { heal: false });
  const epoch = result.trace[0]!.vt;
  const at = (entry: TraceEntry) => entry.vt - epoch;
  const claimedBy = (server: string) =>
    result.trace.filter((e) => e.type === 'claimed' && e.server === server).map((e) => at(e));
  /** A server's lock requests in [from, to) of run time: `statement` or `transaction`. */
  const requests = (server: string, from: number, to: number) =>
    result.trace
      .filter((e) => e.type === 'lockWait' || e.type === 'lockGranted')
      .filter((e) => e.server === server && at(e) >= from && at(e) < to)
      .filter((e) => e.type === 'lockGranted')
      .map((e) => (e as { kind: string }).kind);
  return { result, claimedBy, requests };
}

describe('a server takes the work it adds first', () => {
  test('three jobs enqueued on b with four free slots run on b, and a and c make no request meanwhile', async () => {
    const { claimedBy, requests } = await run(scenario(3));
    expect(claimedBy('b')).toHaveLength(3);
    expect(claimedBy('a')).toEqual([]);
    expect(claimedBy('c')).toEqual([]);
    for (const other of ['a', 'c']) expect(requests(other, ENQUEUED_AT, ENQUEUED_AT + 1_000)).toEqual([]);
    // b: one transaction adds all three (enqueueMany), one claims them; its completions follow.
    expect(requests('b', ENQUEUED_AT, ENQUEUED_AT + 100).filter((k) => k === 'transaction')).toHaveLength(2);
  });

  test('six jobs on b with four slots: b takes four, its full take tells the others, who take two at once', async () => {
    const { claimedBy } = await run(scenario(6));
    expect(claimedBy('b')).toHaveLength(4);
    const others = [...claimedBy('a'), ...claimedBy('c')];
    expect(others).toHaveLength(2);
    // Told, not found by a poll (every 5 s): within a few milliseconds of the enqueue.
    for (const at of others) expect(at).toBeLessThan(ENQUEUED_AT + 100);
  });

  test("under the reference's claim path (H8) every server is told of every job", async () => {
    const { requests } = await run(scenario(3, ['H8']));
    expect(requests('a', ENQUEUED_AT, ENQUEUED_AT + 1_000)).not.toEqual([]);
    expect(requests('c', ENQUEUED_AT, ENQUEUED_AT + 1_000)).not.toEqual([]);
  });
});

describe("a follower's look at the lease", () => {
  /**
   * What `server` asks of its connection about the lease from now on: lone statements on it (the worker's
   * polls, a look at the jobs table each, are not counted), and transactions.
   */
  function counting(cluster: TestCluster, server: string) {
    const asked = { lone: 0, transactions: 0 };
    const connection = cluster.server(server).connection;
    const { query, lock } = connection;
    const aboutTheLease = (sql: string) => sql.includes('leadJobCoordinators');
    Object.assign(connection, {
      query: (...args: Parameters<typeof query>) => {
        if (aboutTheLease(args[0])) asked.lone++;
        return query.apply(connection, args);
      },
      // With no jobs and nothing due, the worker takes no lock: every transaction is the election's.
      lock: (...args: Parameters<typeof lock>) => (asked.transactions++, lock.apply(connection, args)),
    });
    return asked;
  }

  async function looksOfFollowers(hazards: HazardCode[]) {
    const cluster = await TestCluster.create({ jobs: [] });
    try {
      for (const id of ['a', 'b', 'c']) await cluster.addServer(id, { hazards });
      await cluster.run(1_000);
      const [leader] = cluster.leaders();
      const followers = ['a', 'b', 'c'].filter((id) => id !== leader);
      const asked = followers.map((id) => counting(cluster, id));
      await cluster.run(30_000);
      return asked;
    } finally {
      await cluster.close();
    }
  }

  test('is one lone statement while the leader lives; under H3 it is a transaction, as in the reference', async () => {
    // Every 5 s for 30 s: six looks per follower.
    for (const asked of await looksOfFollowers([])) expect(asked).toEqual({ lone: 6, transactions: 0 });
    for (const asked of await looksOfFollowers(['H3'])) {
      expect(asked.transactions).toBe(6);
      expect(asked.lone).toBe(0);
    }
  });
});
