/**
 * What PostgreSQL does with the coordinator's statements on a busy table: a claim reads the first few due
 * rows through the due index, also when the planner's row estimate is stale (a table loaded since its last
 * ANALYZE, as every burst of jobs is), and a transaction whose BEGIN rode with its first statement is one
 * transaction all the same.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { DatabaseBusyError } from '../../src/adapters';
import { migrate } from '../../src/core';
import { CLAIM_ORDER, claimDue } from '../../src/core/distributed/sql/distributedJobsSql';
import { textFor } from '../../src/core/distributed/sql/statement';
import { postgresSchema } from './support/postgres';

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

let dispose: (() => Promise<void>) | undefined;
afterEach(async () => {
  await dispose?.();
  dispose = undefined;
});

async function schema(label: string) {
  const pg = await postgresSchema(label);
  dispose = () => pg.dispose();
  return pg;
}

describe('the claim on PostgreSQL', () => {
  test('takes the first due rows through the due index, without sorting every queued row', async () => {
    const pg = await schema('claimplan');
    const db = await pg.open();
    await migrate((fn) => db.lock(fn));
    await db.run(
      `INSERT INTO distributedJobs (name, params, createdAt, runAt, maxAttempts, enqueuedBy)
       SELECT 'work', '{}', db_now_ms(), db_now_ms(), 3, 'loader' FROM generate_series(1, 5000)`,
    );
    const claim = textFor(claimDue(CLAIM_ORDER.dueFirst), 'postgres');
    const plan = await db.lock(async (tx) => {
      const now = Number((await tx.query('SELECT db_now_ms() AS now'))[0]!.now);
      const rows = await tx.query(`EXPLAIN (ANALYZE, COSTS OFF) ${claim}`, [
        'a',
        'a:c',
        now + 30_000,
        now,
        8,
      ]);
      return rows.map((row) => String(Object.values(row)[0])).join('\n');
    });
    expect(plan).toMatch(/Index Scan using distributedjobsdue/);
    // Without the adapter's planner setting, this plan fetched all 5,000 rows by a bitmap and sorted them.
    expect(plan).not.toMatch(/Bitmap/);
    expect(plan).not.toMatch(/Sort Key: \S*runat/);
    expect(plan).toMatch(/LockRows/);
  });
});

describe('a transaction whose BEGIN rode with its first statement', () => {
  test('rolls back whole when its callback throws, for either kind of lock', async () => {
    const pg = await schema('beginwith');
    const db = await pg.open();
    await db.run('CREATE TABLE notes (at BIGINT)');
    for (const kind of ['exclusive', 'claim'] as const) {
      const error = await db
        .lock(
          async (tx) => {
            // No parameters: under `claim` this is the statement BEGIN is sent with.
            await tx.run('INSERT INTO notes (at) SELECT db_now_ms()');
            await tx.run('INSERT INTO notes (at) VALUES (?)', [1]);
            expect((await tx.query('SELECT COUNT(*) AS n FROM notes'))[0]!.n).toBe(2);
            throw new Error(`give up under ${kind}`);
          },
          kind === 'claim' ? { kind } : {},
        )
        .catch((caught: unknown) => caught);
      expect((error as Error).message).toBe(`give up under ${kind}`);
      expect((await db.query('SELECT COUNT(*) AS n FROM notes'))[0]!.n).toBe(0);
    }
  });

  test('whose first statement fails reports it and leaves the connection usable', async () => {
    const pg = await schema('beginfail');
    const db = await pg.open({ poolSize: 1 });
    const error = await db
      .lock(async (tx) => tx.query('SELECT no_such_column FROM no_such_table'), { kind: 'claim' })
      .catch((caught: unknown) => caught);
    expect((error as Error).message).toMatch(/no_such_table/);
    // The one connection of the pool was rolled back and given back: the next transaction runs on it.
    expect(await db.lock(async (tx) => (await tx.query('SELECT 7 AS n'))[0]!.n, { kind: 'claim' })).toBe(7);
  });

  test('whose advisory lock timed out gives its connection back clean: the next transaction on it runs', async () => {
    const pg = await schema('beginbusy');
    const holder = await pg.open({ name: 'holder' });
    const waiter = await pg.open({ name: 'waiter', busyTimeoutMs: 200, poolSize: 1 });
    const held = holder.lock(() => sleep(600));
    await sleep(50);
    await expect(waiter.lock(async () => 'never')).rejects.toBeInstanceOf(DatabaseBusyError);
    await held;
    // The pool's one connection: left in the aborted block, this failed "current transaction is aborted".
    expect(await waiter.lock(async (tx) => (await tx.query('SELECT 9 AS n'))[0]!.n)).toBe(9);
  });

  test('that sends nothing commits nothing and needs no BEGIN', async () => {
    const pg = await schema('beginnone');
    const db = await pg.open({ poolSize: 1 });
    expect(await db.lock(async () => 'nothing', { kind: 'claim' })).toBe('nothing');
    expect(await db.lock(async (tx) => (await tx.query('SELECT 8 AS n'))[0]!.n, { kind: 'claim' })).toBe(8);
  });
});
