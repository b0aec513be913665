/**
 * A take that finds nothing costs one statement: after a claim that came back short, the job source first
 * looks (one lone statement, no lock) and claims only when a row is due or a claim has lapsed. A server's
 * first take, and one after a full claim, go straight to the claim. On the simulation's sql.js database
 * and on a real PostgreSQL (where the look's column names come back folded to lower case); what needs a
 * hand-driven clock, on sql.js only.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { CryptoEntropy, SystemClock } from '../../../src/adapters';
import {
  resolveHazards,
  migrate,
  type Database,
  type LockOptions,
  type Row,
  type SqlParams,
  type Transaction,
} from '../../../src/core';
import { DatabaseJobSource } from '../../../src/core/distributed/databaseJobSource';
import { INSERT_JOB } from '../../../src/core/distributed/sql/distributedJobsSql';
import { queryRows } from '../../../src/core/distributed/sql/statement';
import { Emitter } from '../../../src/core/events';
import { SeededEntropy } from '../../../src/sim';
import { postgresSchema } from '../../adapters/support/postgres';
import { setup, TestClock } from '../../db/support';

let dispose: (() => Promise<void>) | undefined;
afterEach(async () => {
  await dispose?.();
  dispose = undefined;
});

type Dialect = 'sql.js' | 'PostgreSQL';

async function open(dialect: Dialect) {
  if (dialect === 'sql.js') {
    const { db, clock } = await setup();
    return { database: db.connect('server-a') as Database, clock, entropy: new SeededEntropy(1) };
  }
  const pg = await postgresSchema('claimprobe');
  dispose = () => pg.dispose();
  return {
    database: (await pg.open({ name: 'server-a' })) as Database,
    clock: new SystemClock(),
    entropy: new CryptoEntropy(),
  };
}

/** What the source asked of its database: `lone` statements and `claims` (lock transactions). */
function counted(database: Database) {
  const asked = { lone: [] as string[], claims: 0 };
  const lone = (sql: string) => asked.lone.push(sql.replace(/\s+/g, ' '));
  const counting: Database = {
    ...database,
    dialect: database.dialect,
    query: (sql: string, params?: SqlParams): Promise<Row[]> => (lone(sql), database.query(sql, params)),
    run: (sql: string, params?: SqlParams) => (lone(sql), database.run(sql, params)),
    notify: (channel) => database.notify(channel),
    lock: (fn, options) => database.lock(fn, options),
    listen: (channel, callback) => database.listen(channel, callback),
  };
  return { counting, asked };
}

async function source(options: { hazards?: Parameters<typeof resolveHazards>[0]; dialect?: Dialect } = {}) {
  const { database, clock, entropy } = await open(options.dialect ?? 'sql.js');
  await migrate((fn) => database.lock(fn));
  const { counting, asked } = counted(database);
  const jobs = new DatabaseJobSource({
    database: counting,
    locked: <T>(fn: (tx: Transaction) => Promise<T>, lockOptions?: LockOptions) => {
      asked.claims += 1;
      return database.lock(fn, lockOptions);
    },
    clock,
    entropy,
    events: new Emitter(
      'a',
      () => clock.now(),
      () => undefined,
    ),
    serverId: 'a',
    claimLeaseMs: 30_000,
    hazards: resolveHazards(options.hazards),
    dropFailures: () => false,
  });
  const enqueue = (count = 1) =>
    database.lock(async (tx) => {
      for (let i = 0; i < count; i++) await queryRows(tx, INSERT_JOB, ['work', '{}', 3, 'a']);
    });
  const reset = () => {
    asked.lone.length = 0;
    asked.claims = 0;
  };
  return { jobs, asked, enqueue, reset, clock, database };
}

describe.each(['sql.js', 'PostgreSQL'] as const)('on %s', (dialect) => {
  test('a take that finds nothing after a short claim is one lone statement and no claim transaction', async () => {
    const { jobs, asked, reset } = await source({ dialect });
    expect((await jobs.take(8)).jobs).toEqual([]);
    expect(asked.claims).toBe(1); // a server's first take goes straight to the claim
    reset();
    const idle = await jobs.take(8);
    expect(idle).toEqual({ jobs: [], nextDueInMs: undefined });
    expect(asked).toEqual({
      lone: [expect.stringMatching(/^SELECT db_now_ms\(\) AS now, .* AS due, .* AS lapses$/)],
      claims: 0,
    });
  });

  test('a take with work to do looks, then claims the due rows', async () => {
    const { jobs, asked, reset, enqueue } = await source({ dialect });
    await jobs.take(8);
    await enqueue(3);
    reset();
    expect((await jobs.take(8)).jobs).toHaveLength(3);
    expect(asked.lone).toEqual([expect.stringMatching(/ AS due, .* AS lapses$/)]);
    expect(asked.claims).toBe(1);
  });
});

describe('a take that finds nothing, on a hand-driven clock', () => {
  test('says when the next row falls due, or the next claim lapses, without claiming', async () => {
    const { jobs, asked, reset, enqueue, database, clock } = await source();
    await enqueue(1);
    expect((await jobs.take(8)).jobs).toHaveLength(1); // short: 1 of 8
    await database.run(`UPDATE distributedJobs SET runAt = ? WHERE status = 'queued'`, [clock.now() + 5_000]);
    await enqueue(1);
    await database.run(`UPDATE distributedJobs SET runAt = ? WHERE status = 'queued'`, [clock.now() + 5_000]);
    reset();
    expect(await jobs.take(8)).toEqual({ jobs: [], nextDueInMs: 5_000 });
    expect(asked.claims).toBe(0);
    // The held claim (lease 30 s) lapses after the queued row falls due, so the row's time is the answer;
    // with the row gone, the lease's is.
    await database.run(`DELETE FROM distributedJobs WHERE status = 'queued'`);
    expect(await jobs.take(8)).toEqual({ jobs: [], nextDueInMs: 30_000 });
    expect(asked.claims).toBe(0);
  });
});

describe('a take with work to do', () => {
  test('a lapsed claim is seen by the look and taken back by the claim', async () => {
    const { jobs, asked, reset, enqueue, clock } = await source();
    await enqueue(1);
    const [claimed] = (await jobs.take(8)).jobs;
    jobs.halt(); // its server forgot it, as a dead process would
    await (clock as TestClock).advance(30_000);
    reset();
    const again = await jobs.take(8);
    expect(asked.claims).toBe(1);
    expect(again.jobs.map((job) => job.id)).toEqual([claimed!.id]);
    expect(again.jobs[0]!.attempt).toBe(2);
  });

  test('after a full claim goes straight to the next claim, without a look', async () => {
    const { jobs, asked, reset, enqueue } = await source();
    await enqueue(3);
    expect((await jobs.take(2)).jobs).toHaveLength(2);
    reset();
    expect((await jobs.take(2)).jobs).toHaveLength(1);
    expect(asked).toEqual({ lone: [], claims: 1 });
  });

  test("under H9 (the reference's one claim per tick) there is no look", async () => {
    const { jobs, asked, reset, enqueue } = await source({ hazards: ['H9'] });
    jobs.grantClaimPermit();
    await jobs.take(8);
    await enqueue(1);
    reset();
    jobs.grantClaimPermit();
    expect((await jobs.take(8)).jobs).toHaveLength(1);
    expect(asked).toEqual({ lone: [], claims: 1 });
  });
});
