import { describe, expect, it } from 'vitest';
import { DatabaseBusyError, SharedSqlJsDatabase } from '../../src/db';
import { flush, gate, opened, setup, TestClock, track } from './support';

describe('transaction timeout', () => {
  it('rolls back a transaction that holds the lock too long and lets the next waiter in', async () => {
    const { db, clock, events, a, b } = await setup({ transactionTimeoutMs: 5_000 });
    const stalled = gate();
    const holder = track(
      a.lock(async (tx) => {
        await tx.run("INSERT INTO jobs (name) VALUES ('from a')");
        await stalled.promise; // a stalled server: it does not come back for a long time
        await tx.run("INSERT INTO jobs (name) VALUES ('a again')");
      }),
    );
    await flush();
    const waiting = track(b.lock(async (tx) => tx.run("INSERT INTO jobs (name) VALUES ('from b')")));
    await clock.advance(4_999);
    expect(db.holder()).toBe('server-1');
    await clock.advance(1);
    expect(db.holder()).not.toBe('server-1');
    await flush();
    expect(waiting.settled).toBe(true);
    expect(db.inspect('SELECT name FROM jobs ORDER BY id')).toEqual([{ name: 'from b' }]);
    expect(events).toContainEqual({
      type: 'rolledBack',
      connection: 'server-1',
      reason: 'held the lock for 5000 ms',
    });
    // The stalled server wakes: its transaction is gone, and its lock() says why.
    stalled.open();
    await flush();
    expect(holder.error).toMatchObject({
      code: 'TRANSACTION_TIMEOUT',
      connection: 'server-1',
      timeoutMs: 5_000,
    });
    expect((holder.error as Error).message).toBe(
      'connection "server-1": transaction rolled back after holding the lock for 5000 ms (the transaction timeout)',
    );
    // The connection itself is fine.
    await expect(a.query('SELECT count(*) AS n FROM jobs')).resolves.toEqual([{ n: 1 }]);
  });

  it('leaves a transaction that finishes in time alone, and defaults to 5 s', async () => {
    const { clock, a } = await setup({ transactionTimeoutMs: 5_000 });
    const done = track(
      a.lock(async (tx) => {
        await clock.advance(4_000);
        return tx.run("INSERT INTO jobs (name) VALUES ('in time')");
      }),
    );
    await clock.advance(2_000);
    await flush();
    expect(done.error).toBeUndefined();
    expect(done.settled).toBe(true);
    const defaults = await SharedSqlJsDatabase.open({ clock: new TestClock(0) });
    opened.push(defaults);
    expect(defaults.transactionTimeoutMs).toBe(5_000);
    await expect(SharedSqlJsDatabase.open({ clock, transactionTimeoutMs: 0 })).rejects.toThrow(
      'transactionTimeoutMs must be > 0, got 0',
    );
  });
});

describe('busy timeout', () => {
  it('rejects a waiter after busyTimeoutMs on the db clock, naming both connections, and moves on', async () => {
    const { db, clock, events, a, b, c } = await setup({ busyTimeoutMs: 10_000 });
    const hold = gate();
    const holder = a.lock(async () => {
      await hold.promise;
      return 'a done';
    });
    await flush();
    const waiting = track(b.lock(async () => 'b done'));
    await clock.advance(5_000);
    const later = c.query('SELECT 1 AS one');

    await clock.advance(4_999);
    expect(waiting.settled).toBe(false);
    await clock.advance(1);
    expect(waiting.error).toBeInstanceOf(DatabaseBusyError);
    expect((waiting.error as Error).message).toBe(
      'database is locked: connection "server-2" waited 10000 ms for the lock held by "server-1"',
    );
    expect(waiting.error).toMatchObject({
      code: 'DATABASE_BUSY',
      connection: 'server-2',
      holder: 'server-1',
      waitedMs: 10_000,
    });
    expect(db.waiters()).toEqual(['server-3']);
    expect(events).toContainEqual({
      type: 'busyTimeout',
      connection: 'server-2',
      kind: 'transaction',
      waitedMs: 10_000,
      holder: 'server-1',
    });

    hold.open();
    await expect(holder).resolves.toBe('a done');
    await expect(later).resolves.toEqual([{ one: 1 }]);
    // The lone statement was granted before its own timeout: its timer is cancelled.
    expect(clock.pendingTimers()).toBe(0);
  });

  it('times out lone statements too', async () => {
    const { clock, a, b } = await setup({ busyTimeoutMs: 50 });
    const hold = gate();
    const holder = a.lock(() => hold.promise);
    await flush();
    const statement = track(b.run('DELETE FROM jobs'));
    await clock.advance(50);
    expect(statement.error).toBeInstanceOf(DatabaseBusyError);
    hold.open();
    await holder;
  });
});
