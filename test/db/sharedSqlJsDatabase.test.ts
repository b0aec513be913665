import { describe, expect, it } from 'vitest';
import type { Transaction } from '../../src/core/ports';
import { SqlError, TransactionEndedError, UnsupportedStatementError } from '../../src/db';
import { count, flush, gate, setup, track } from './support';

// ---------------------------------------------------------------------------------------------------------

describe('db_now_ms()', () => {
  it("returns the database clock's now and follows it", async () => {
    const { db, clock, a } = await setup({ now: 1_767_225_600_000 });
    expect(await a.query('SELECT db_now_ms() AS now')).toEqual([{ now: 1_767_225_600_000 }]);

    await clock.advance(2_500);
    await a.run('INSERT INTO jobs (name, at) VALUES (?, db_now_ms())', ['tick']);
    expect(db.inspect('SELECT at FROM jobs')).toEqual([{ at: 1_767_225_602_500 }]);

    clock.set(42); // the clock may jump, even backwards
    expect(db.inspect('SELECT db_now_ms() AS now')).toEqual([{ now: 42 }]);
  });
});

describe('statements', () => {
  it('returns rows as plain objects and counts changes only for writes', async () => {
    const { a } = await setup();
    expect(await a.run('INSERT INTO jobs (name) VALUES (?), (?)', ['x', 'y'])).toEqual({ changes: 2 });
    expect(await a.query('SELECT id, name FROM jobs ORDER BY id')).toEqual([
      { id: 1, name: 'x' },
      { id: 2, name: 'y' },
    ]);
    expect(await a.query('INSERT INTO jobs (name) VALUES (?) RETURNING id', ['z'])).toEqual([{ id: 3 }]);
    expect(await a.run('UPDATE jobs SET at = 1 WHERE name = ?', ['nobody'])).toEqual({ changes: 0 });
    await a.run('DELETE FROM jobs');
    // SQLite's counter still says 3 after a DDL statement; run() must not report it.
    expect(await a.run('CREATE TABLE other (x)')).toEqual({ changes: 0 });
  });

  it('rejects SQL errors with the SQL and sqlite message, leaving no transaction open', async () => {
    const { db, a, b } = await setup();
    const error = await a.query('SELECT * FROM missing_table WHERE id = ?', [1]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SqlError);
    expect((error as SqlError).message).toContain('no such table: missing_table');
    expect((error as SqlError).message).toContain('SELECT * FROM missing_table WHERE id = ?');
    expect((error as SqlError).message).toContain('"server-1"');

    await expect(a.run("INSERT INTO jobs (name) VALUES ('dup')")).resolves.toEqual({ changes: 1 });
    await expect(a.run("INSERT INTO jobs (name) VALUES ('dup')")).rejects.toThrow(
      /UNIQUE constraint failed: jobs.name.*INSERT INTO jobs/,
    );
    // BEGIN IMMEDIATE would fail if the failed statement had left a transaction open.
    await expect(b.lock(async (tx) => tx.run("INSERT INTO jobs (name) VALUES ('next')"))).resolves.toEqual({
      changes: 1,
    });
    expect(count(db)).toBe(2);
  });

  it('cuts long SQL in error messages', async () => {
    const { a } = await setup();
    const longSql = `SELECT nope FROM jobs WHERE name IN (${Array.from({ length: 200 }, () => "'x'").join(', ')})`;
    const error = (await a.query(longSql).catch((e: unknown) => e)) as SqlError;
    expect(error.message).toContain('no such column: nope');
    expect(error.message).toContain(longSql.slice(0, 150));
    expect(error.message.length).toBeLessThan(400);
    expect(error.sql).toBe(longSql);
  });

  it('refuses transaction control, several statements per call and writes through inspect', async () => {
    const { db, a } = await setup();
    await expect(a.run('BEGIN')).rejects.toBeInstanceOf(UnsupportedStatementError);
    await expect(a.run('  -- sneaky\n commit')).rejects.toBeInstanceOf(UnsupportedStatementError);
    await expect(a.run('SAVEPOINT s')).rejects.toBeInstanceOf(UnsupportedStatementError);
    await expect(a.run('CREATE TABLE t1 (x); CREATE TABLE t2 (y REFERENCES t1)')).rejects.toThrow(/several/);
    expect(() => db.inspect("INSERT INTO jobs (name) VALUES ('x')")).toThrow(UnsupportedStatementError);
    // A trailing semicolon is one statement; savepoints are fine inside lock().
    await expect(a.run("INSERT INTO jobs (name) VALUES ('ok');")).resolves.toEqual({ changes: 1 });
    await a.lock(async (tx) => {
      await tx.run('SAVEPOINT s');
      await tx.run("INSERT INTO jobs (name) VALUES ('undone')");
      await tx.run('ROLLBACK TO s');
      await tx.run('RELEASE s');
    });
    expect(db.inspect('SELECT name FROM jobs')).toEqual([{ name: 'ok' }]);
  });
});

describe('the lock', () => {
  it('serializes transactions first come first served', async () => {
    const { db, a, b, c } = await setup();
    const order: string[] = [];
    const holdA = gate();
    const body = (name: string, hold?: Promise<void>) => async (tx: Transaction) => {
      order.push(`${name} start`);
      await tx.run('INSERT INTO jobs (name) VALUES (?)', [name]);
      if (hold !== undefined) await hold;
      await flush();
      order.push(`${name} end`);
      return name;
    };

    const first = a.lock(body('a', holdA.promise));
    const third = c.lock(body('c'));
    const second = b.lock(body('b'));
    await flush();
    expect(db.holder()).toBe('server-1');
    // c asked before b: the queue keeps the order of the calls.
    expect(db.waiters()).toEqual(['server-3', 'server-2']);
    expect(order).toEqual(['a start']);

    holdA.open();
    expect(await Promise.all([first, second, third])).toEqual(['a', 'b', 'c']);
    expect(order).toEqual(['a start', 'a end', 'c start', 'c end', 'b start', 'b end']);
    expect(db.holder()).toBeUndefined();
    expect(db.waiters()).toEqual([]);
  });

  it('makes a lone statement wait for the holder to commit, then see the committed data', async () => {
    const { db, a, b } = await setup();
    const hold = gate();
    const holder = a.lock(async (tx) => {
      await tx.run("INSERT INTO jobs (name) VALUES ('claimed')");
      await hold.promise;
    });
    await flush();

    const read = track(b.query('SELECT name FROM jobs'));
    await flush();
    expect(read.settled).toBe(false);
    expect(db.waiters()).toEqual(['server-2']);

    hold.open();
    await holder;
    await flush();
    expect(read.value).toEqual([{ name: 'claimed' }]);
  });

  it('drains a long queue of lone statements in order without deep recursion', async () => {
    const { db, a, b } = await setup();
    const hold = gate();
    const holder = a.lock(() => hold.promise);
    await flush();
    const inserts = Array.from({ length: 5_000 }, (_, i) =>
      b.run('INSERT INTO jobs (name) VALUES (?)', [`j${i}`]),
    );
    expect(db.waiters()).toHaveLength(5_000);
    hold.open();
    await holder;
    await Promise.all(inserts);
    expect(count(db)).toBe(5_000);
    expect(db.inspect('SELECT name FROM jobs ORDER BY id LIMIT 2')).toEqual([{ name: 'j0' }, { name: 'j1' }]);
  });

  it("makes the holder's own connection wait too, outside its tx handle", async () => {
    const { a } = await setup({ busyTimeoutMs: 100 });
    const hold = gate();
    const holder = a.lock(async () => {
      await hold.promise;
    });
    await flush();
    const sameConnection = track(a.query('SELECT 1'));
    await flush();
    expect(sameConnection.settled).toBe(false);
    hold.open();
    await holder;
    await flush();
    expect(sameConnection.value).toEqual([{ 1: 1 }]);
  });

  it('rolls back when fn throws: the caller gets its own error and the next waiter succeeds', async () => {
    const { db, a, b } = await setup();
    const boom = new Error('boom');
    const failing = a.lock(async (tx) => {
      await tx.run("INSERT INTO jobs (name) VALUES ('doomed')");
      await flush();
      throw boom;
    });
    const next = b.lock(async (tx) => tx.query('SELECT count(*) AS n FROM jobs'));

    await expect(failing).rejects.toBe(boom);
    await expect(next).resolves.toEqual([{ n: 0 }]);
    expect(count(db)).toBe(0);
  });

  it('keeps a tx handle valid only while its fn runs', async () => {
    const { a } = await setup();
    let kept: Transaction | undefined;
    await a.lock(async (tx) => {
      kept = tx;
    });
    await expect(kept!.query('SELECT 1')).rejects.toBeInstanceOf(TransactionEndedError);
    await expect(kept!.run('SELECT 1')).rejects.toThrow(
      /already committed.*only valid while its lock\(\) callback runs/,
    );
  });

  it('rejects a failing COMMIT, rolls back and lets the next waiter in', async () => {
    const { db, admin, a, b } = await setup();
    await admin.run('CREATE TABLE parent (id INTEGER PRIMARY KEY)');
    await admin.run(
      'CREATE TABLE child (parent INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)',
    );
    await admin.run('PRAGMA foreign_keys = ON');
    const bad = a.lock(async (tx) => tx.run('INSERT INTO child VALUES (7)'));
    const good = b.lock(async (tx) => tx.run('INSERT INTO parent VALUES (1)'));
    await expect(bad).rejects.toBeInstanceOf(SqlError);
    await expect(good).resolves.toEqual({ changes: 1 });
    expect(db.inspect('SELECT count(*) AS n FROM child')).toEqual([{ n: 0 }]);
  });
});
