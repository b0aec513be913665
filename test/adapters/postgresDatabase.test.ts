/**
 * The PostgreSQL adapter keeps the Database port's contract (src/core/ports.ts) on a real server: each test
 * on a schema of its own. Also what PostgreSQL does with the coordinator's statements on a busy table: a
 * claim reads the first few due rows through the due index, also when the planner's row estimate is stale
 * (a table loaded since its last ANALYZE, as every burst of jobs is), and a transaction whose BEGIN rode
 * with its first statement is one transaction all the same.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { DatabaseBusyError, TransactionEndedError } from '../../src/adapters';
import { numberPlaceholders } from '../../src/adapters/postgres/placeholders';
import { migrate, TABLES, type Transaction } from '../../src/core';
import { CLAIM_ORDER, claimDue, INSERT_JOB } from '../../src/core/distributed/sql/distributedJobsSql';
import { queryRows, textFor } from '../../src/core/distributed/sql/statement';
import { postgresSchema, requirePostgres, START_POSTGRES } from './support/postgres';

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

describe('PostgreSQL being down', () => {
  test('fails saying how to start it, instead of skipping', async () => {
    const error = await requirePostgres('postgres://postgres@127.0.0.1:1/test').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(
      'PostgreSQL is not reachable at postgres://postgres@127.0.0.1:1/test',
    );
    expect((error as Error).message).toContain(START_POSTGRES);
  });
});

describe('placeholders', () => {
  test('? becomes $1, $2, ... outside literals, quoted names and dollar-quoted bodies', () => {
    expect(numberPlaceholders("UPDATE t SET a = ?, b = '?''?' WHERE \"c?\" = ? AND d IN (?, ?)")).toBe(
      "UPDATE t SET a = $1, b = '?''?' WHERE \"c?\" = $2 AND d IN ($3, $4)",
    );
    expect(numberPlaceholders('CREATE FUNCTION f() AS $fence$ SELECT ? $fence$; SELECT ?')).toBe(
      'CREATE FUNCTION f() AS $fence$ SELECT ? $fence$; SELECT $1',
    );
  });
});

describe('the PostgreSQL database', () => {
  test('lock(fn) serialises transactions across connections, and each caller gets its own result', async () => {
    const pg = await schema('serial');
    const [a, b] = [await pg.open({ name: 'a' }), await pg.open({ name: 'b' })];
    const order: string[] = [];
    const first = a.lock(async (tx) => {
      order.push('a in');
      await tx.query('SELECT 1');
      await sleep(150);
      order.push('a out');
      return 'a';
    });
    await sleep(30);
    const second = b.lock(async () => {
      order.push('b in');
      return 'b';
    });
    expect(await Promise.all([first, second])).toEqual(['a', 'b']);
    expect(order).toEqual(['a in', 'a out', 'b in']);
  });

  test('a callback that throws rolls back, and its caller gets that very error', async () => {
    const pg = await schema('rollback');
    const db = await pg.open();
    await migrate((fn) => db.lock(fn));
    const mine = new Error('mine');
    const outcome = await db
      .lock(async (tx) => {
        await queryRows(tx, INSERT_JOB, ['work', '{}', 1, 'a']);
        expect((await tx.query('SELECT COUNT(*) AS n FROM distributedJobs'))[0]!.n).toBe(1);
        throw mine;
      })
      .catch((error: unknown) => error);
    expect(outcome).toBe(mine);
    expect((await db.query('SELECT COUNT(*) AS n FROM distributedJobs'))[0]!.n).toBe(0);
  });

  test('a tx handle used after its callback ended is refused', async () => {
    const pg = await schema('ended');
    const db = await pg.open({ name: 'late' });
    let kept: Transaction | undefined;
    await db.lock(async (tx) => void (kept = tx));
    await expect(kept!.query('SELECT 1')).rejects.toThrow(TransactionEndedError);
  });

  test('a lock waited past the busy timeout fails naming the connection and the lock', async () => {
    const pg = await schema('busy');
    const holder = await pg.open({ name: 'holder' });
    const waiter = await pg.open({ name: 'waiter', busyTimeoutMs: 200 });
    const held = holder.lock(() => sleep(700));
    await sleep(50);
    const error = await waiter.lock(async () => 'never').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseBusyError);
    expect((error as Error).message).toMatch(
      /^database is locked: connection "waiter" waited \d+ ms for the exclusive lock of schema "t_busy_[^"]+" \(pg_advisory_xact_lock\)/,
    );
    await held;
  });

  test('a transaction left idle past the transaction timeout is ended, freeing the lock for the others', async () => {
    const pg = await schema('txtimeout');
    const stalled = await pg.open({ name: 'stalled', transactionTimeoutMs: 150 });
    const other = await pg.open({ name: 'other', busyTimeoutMs: 2_000 });
    const stalledOutcome = stalled
      .lock(async (tx) => {
        await tx.query('SELECT 1');
        await sleep(600);
      })
      .then(
        () => 'committed',
        (error: unknown) => (error as Error).message,
      );
    await sleep(50);
    const started = Date.now();
    expect(await other.lock(async () => 'mine')).toBe('mine');
    expect(Date.now() - started).toBeLessThan(550);
    expect(await stalledOutcome).toMatch(
      /^connection "stalled": the transaction did not commit: .*\(it outlived its transaction timeout of 150 ms, idle_in_transaction_session_timeout\)/,
    );
    // The stalled server's next transaction gets a fresh connection.
    expect(await stalled.lock(async (tx) => (await tx.query('SELECT 2 AS two'))[0]!.two)).toBe(2);
  });

  test('notify wakes a listener on another connection; inside a transaction only when it commits', async () => {
    const pg = await schema('notify');
    const [a, b] = [await pg.open({ name: 'a' }), await pg.open({ name: 'b' })];
    const other = await postgresSchema('notifyother');
    const elsewhere = await other.open({ name: 'elsewhere' });
    try {
      let woken = 0;
      let wokenElsewhere = 0;
      b.listen('distributedJobs', () => woken++);
      elsewhere.listen('distributedJobs', () => wokenElsewhere++);
      await Promise.all([b.listening(), elsewhere.listening()]);

      await a.notify('distributedJobs');
      await waitUntil(() => woken === 1);

      await a.lock(async (tx) => {
        await tx.notify('distributedJobs');
        await sleep(100);
        expect(woken).toBe(1);
      });
      await waitUntil(() => woken === 2);

      await a
        .lock(async (tx) => {
          await tx.notify('distributedJobs');
          throw new Error('roll back');
        })
        .catch(() => undefined);
      await sleep(150);
      expect(woken).toBe(2);
      // Another schema is another cluster: it hears nothing of this one.
      expect(wokenElsewhere).toBe(0);
    } finally {
      await other.dispose();
    }
  });

  test("the database clock is the server's own time in ms, moving within a transaction", async () => {
    const pg = await schema('clock');
    const db = await pg.open();
    const before = Date.now();
    const now = await db.now();
    expect(Math.abs(now - before)).toBeLessThan(2_000);
    const [first, second] = await db.lock(async (tx) => {
      const one = Number((await tx.query('SELECT db_now_ms() AS now'))[0]!.now);
      await sleep(30);
      return [one, Number((await tx.query('SELECT db_now_ms() AS now'))[0]!.now)];
    });
    expect(second! - first!).toBeGreaterThanOrEqual(25);
  });

  test('migrations create the same tables and names, once, even when three servers run them together', async () => {
    const pg = await schema('migrate');
    const dbs = [await pg.open({ name: 'a' }), await pg.open({ name: 'b' }), await pg.open({ name: 'c' })];
    const applied = await Promise.all(dbs.map((db) => migrate((fn) => db.lock(fn))));
    expect(applied.filter((versions) => versions.length > 0)).toEqual([[1, 2, 3, 4]]);
    expect(await migrate((fn) => dbs[0]!.lock(fn))).toEqual([]);

    const columns = await dbs[0]!.query(
      'SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = ? ORDER BY table_name, ordinal_position',
      [pg.schema],
    );
    for (const { table, columns: names } of TABLES) {
      const found = columns.filter((c) => c.table_name === table.toLowerCase()).map((c) => c.column_name);
      expect(found).toEqual(Object.keys(names).map((name) => name.toLowerCase()));
    }
    // Times in ms are past 2^31: every one is a bigint.
    const types = new Map(
      columns.map((c) => [`${String(c.table_name)}.${String(c.column_name)}`, c.data_type]),
    );
    for (const column of [
      'distributedjobs.runat',
      'leadjobcoordinators.lastheartbeatat',
      'jobmigrations.appliedat',
    ]) {
      expect(types.get(column)).toBe('bigint');
    }
    const triggers = await dbs[0]!.query(
      'SELECT DISTINCT trigger_name FROM information_schema.triggers WHERE trigger_schema = ? ORDER BY 1',
      [pg.schema],
    );
    expect(triggers.map((t) => t.trigger_name)).toEqual([
      'distributedjobsfence',
      'jobcronticksfence',
      'jobschedulesfenceinsert',
      'jobschedulesfenceupdate',
    ]);
  });

  test("fencing refuses a leader write under a term that is no longer the lease's", async () => {
    const pg = await schema('fence');
    const db = await pg.open();
    await migrate((fn) => db.lock(fn));
    await db.run(
      "INSERT INTO leadJobCoordinators (id, jobCoordinatorId, lastHeartbeatAt, term) VALUES (1, 'b', db_now_ms(), 2)",
    );
    await expect(
      db.run("INSERT INTO jobSchedules (scheduleKey, cursorAt, term) VALUES ('k', 0, 1)"),
    ).rejects.toThrow('FENCED: write under a stale leader term');
    await db.run("INSERT INTO jobSchedules (scheduleKey, cursorAt, term) VALUES ('k', 0, 2)");
    await expect(
      db.run("UPDATE jobSchedules SET cursorAt = 5, term = 1 WHERE scheduleKey = 'k'"),
    ).rejects.toThrow('FENCED');
    // A write without a term (an enqueue, or hazard H4) is let through.
    await db.run("INSERT INTO jobCronTicks (scheduleKey, tickAt, jobId, term) VALUES ('k', 0, NULL, NULL)");
    expect((await db.query('SELECT cursorAt, term FROM jobSchedules'))[0]).toEqual({ cursorAt: 0, term: 2 });
  });

  test('a claim skips rows another connection has locked instead of waiting for them', async () => {
    const pg = await schema('skiplocked');
    const db = await pg.open({ busyTimeoutMs: 1_000 });
    await migrate((fn) => db.lock(fn));
    for (let i = 0; i < 3; i++) await queryRows(db, INSERT_JOB, ['work', '{}', 1, 'a']);
    const raw = await pg.rawClient();
    try {
      await raw.query('BEGIN');
      await raw.query('SELECT id FROM distributedJobs WHERE id = 1 FOR UPDATE');
      const started = Date.now();
      const claimed = await db.lock(async (tx) => {
        const now = Number((await tx.query('SELECT db_now_ms() AS now'))[0]!.now);
        return queryRows(tx, claimDue(CLAIM_ORDER.dueFirst), ['a', 'a:claim', now + 1_000, now, 10]);
      });
      expect(Date.now() - started).toBeLessThan(500);
      expect(claimed.map((row) => row.id).sort()).toEqual([2, 3]);
      expect(claimed.map((row) => row.claimToken).sort()).toEqual(['a:claim/2', 'a:claim/3']);
      await raw.query('ROLLBACK');
    } finally {
      await raw.end();
    }
  });
});

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
    let inside!: () => void;
    const holding = new Promise<void>((resolve) => (inside = resolve));
    const held = holder.lock(async () => {
      inside(); // the advisory lock is taken before the callback runs
      await sleep(600);
    });
    await holding;
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

async function waitUntil(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out');
    await sleep(10);
  }
}
