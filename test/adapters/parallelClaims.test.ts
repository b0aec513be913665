/**
 * Claims in parallel on PostgreSQL (issue 14): the coordinator's claim takes the `claim` lock, a plain READ
 * COMMITTED transaction without the schema's advisory lock, so servers claim side by side while the
 * claim's row locks (`FOR UPDATE SKIP LOCKED`, lapsed claims `FOR UPDATE`) keep every job to one claim.
 * Each "server" here is the coordinator's own DatabaseJobSource on a connection pool of its own.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { CryptoEntropy, SystemClock } from '../../src/adapters';
import type { PostgresDatabase } from '../../src/adapters/postgres';
import {
  migrate,
  resolveHazards,
  type CoordinatorEvent,
  type LockOptions,
  type Transaction,
} from '../../src/core';
import { DatabaseJobSource } from '../../src/core/distributed/databaseJobSource';
import { INSERT_JOB } from '../../src/core/distributed/sql/distributedJobsSql';
import { queryRows } from '../../src/core/distributed/sql/statement';
import { Emitter } from '../../src/core/events';
import { postgresSchema } from './support/postgres';

let dispose: (() => Promise<void>) | undefined;
afterEach(async () => {
  await dispose?.();
  dispose = undefined;
});

type Wrap = <T>(tx: Transaction, fn: (tx: Transaction) => Promise<T>) => Promise<T>;

function source(
  db: PostgresDatabase,
  serverId: string,
  events: CoordinatorEvent[],
  options: { claimLeaseMs?: number; wrap?: Wrap; kinds?: (string | undefined)[] } = {},
) {
  const wrap: Wrap = options.wrap ?? ((tx, fn) => fn(tx));
  return new DatabaseJobSource({
    database: db,
    locked: <T>(fn: (tx: Transaction) => Promise<T>, lockOptions?: LockOptions) => {
      options.kinds?.push(lockOptions?.kind);
      return db.lock((tx) => wrap(tx, fn), lockOptions);
    },
    clock: new SystemClock(),
    entropy: new CryptoEntropy(),
    events: new Emitter(
      serverId,
      () => Date.now(),
      (event) => events.push(event),
    ),
    serverId,
    claimLeaseMs: options.claimLeaseMs ?? 60_000,
    hazards: resolveHazards(undefined),
    dropFailures: () => false,
  });
}

async function setUp(label: string, servers: number, jobs: number) {
  const pg = await postgresSchema(label);
  dispose = () => pg.dispose();
  const dbs: PostgresDatabase[] = [];
  for (let i = 0; i < servers; i++) dbs.push(await pg.open({ name: `s${i}`, busyTimeoutMs: 10_000 }));
  await migrate((fn) => dbs[0]!.lock(fn));
  await dbs[0]!.lock(async (tx) => {
    for (let i = 0; i < jobs; i++) await queryRows(tx, INSERT_JOB, ['work', '{}', 3, 'test']);
  });
  return dbs;
}

describe('claims on PostgreSQL', () => {
  test('the claim asks for the claim lock, and a second server claims while the first claim is still open', async () => {
    const [a, b] = await setUp('claimoverlap', 2, 6);
    const events: CoordinatorEvent[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let claimedInside: number[] = [];
    const kinds: (string | undefined)[] = [];
    // Server a's claim keeps its transaction open, its rows claimed but not committed, until released.
    const first = source(a!, 'a', events, {
      kinds,
      wrap: async (tx, fn) => {
        const value = await fn(tx);
        claimedInside = (await tx.query("SELECT id FROM distributedJobs WHERE claimedBy = 'a'")).map((row) =>
          Number(row.id),
        );
        await held;
        return value;
      },
    });
    const takeA = first.take(3);
    while (claimedInside.length === 0) await new Promise((done) => setTimeout(done, 10));
    // With the exclusive lock this take would wait for a's transaction (and fail after the busy timeout).
    const takenB = await source(b!, 'b', events).take(10);
    release();
    const takenA = await takeA;
    expect(kinds).toEqual(['claim']);
    const idsA = takenA.jobs.map((job) => Number(job.id)).sort((x, y) => x - y);
    const idsB = takenB.jobs.map((job) => Number(job.id)).sort((x, y) => x - y);
    expect(idsA).toEqual(claimedInside.sort((x, y) => x - y));
    expect(idsA).toHaveLength(3);
    // b skipped a's locked rows and took the rest: together every job once.
    expect(idsB).toHaveLength(3);
    expect([...idsA, ...idsB].sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  test('four servers claiming at once, with lapsed claims among the rows, claim every job exactly once', async () => {
    const servers = 4;
    const jobs = 240;
    const dbs = await setUp('claimrace', servers, jobs);
    const events: CoordinatorEvent[] = [];
    // A server that died holding 40 claims whose leases lapse at once: everyone will race to take them back.
    const dead = source(dbs[0]!, 'dead', events, { claimLeaseMs: 1 });
    const lapsed = (await dead.take(40)).jobs.map((job) => Number(job.id));
    expect(lapsed).toHaveLength(40);
    await new Promise((done) => setTimeout(done, 20));

    let inFlight = 0;
    let overlapped = 0;
    const claimedBy = new Map<number, string[]>();
    await Promise.all(
      dbs.map(async (db, i) => {
        const serverId = `s${i}`;
        const claimer = source(db, serverId, events, {
          wrap: async (tx, fn) => {
            inFlight++;
            if (inFlight > 1) overlapped++;
            try {
              return await fn(tx);
            } finally {
              inFlight--;
            }
          },
        });
        for (;;) {
          const { jobs: taken } = await claimer.take(5);
          if (taken.length === 0) break;
          for (const job of taken)
            claimedBy.set(Number(job.id), [...(claimedBy.get(Number(job.id)) ?? []), serverId]);
        }
      }),
    );
    const twice = [...claimedBy].filter(([, by]) => by.length > 1);
    expect(twice).toEqual([]);
    expect(claimedBy.size).toBe(jobs);
    // Each lapsed claim was taken back (and reported) once, by one of the racers.
    const reclaimed = events
      .filter((event) => event.type === 'reclaimed')
      .map((event) => Number(event.jobId));
    expect(reclaimed.sort((x, y) => x - y)).toEqual(lapsed.sort((x, y) => x - y));
    const rows = await dbs[0]!.query(
      "SELECT COUNT(*) AS n, SUM(attempts) AS attempts FROM distributedJobs WHERE status = 'claimed'",
    );
    expect(rows[0]).toEqual({ n: jobs, attempts: jobs + 40 });
    // Claims ran side by side at least once (the first test proves it can; this shows it does under load).
    console.log(`parallel claims: ${overlapped} claims began while another was open`);
    expect(overlapped).toBeGreaterThan(0);
  });
});
