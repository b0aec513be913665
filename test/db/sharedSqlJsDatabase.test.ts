import { afterEach, describe, expect, it } from 'vitest';
import type { CancelTimer, Clock, Transaction } from '../../src/core/ports';
import {
  ConnectionLostError,
  DatabaseBusyError,
  DatabaseClosedError,
  SharedSqlJsDatabase,
  SqlError,
  TransactionEndedError,
  UnsupportedStatementError,
  type DatabaseEvent,
  type SqlJsConnection,
} from '../../src/db';

// ---------------------------------------------------------------------------------------------------------
// Test helpers

/** Lets every microtask (and microtasks they queue) run. */
function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

interface TestTimer {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
  cancelled: boolean;
}

/** A hand-driven clock: `now` moves only through `set` and `advance`, which fires due timers in time order. */
class TestClock implements Clock {
  private timers: TestTimer[] = [];
  private seq = 0;

  constructor(private nowMs = 0) {}

  now(): number {
    return this.nowMs;
  }

  setTimer(delayMs: number, callback: () => void): CancelTimer {
    const timer: TestTimer = { at: this.nowMs + delayMs, seq: this.seq++, callback, cancelled: false };
    this.timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  /** Jumps the clock without firing anything (an operator setting the time). */
  set(ms: number): void {
    this.nowMs = ms;
  }

  /** Timers neither fired nor cancelled. */
  pendingTimers(): number {
    return this.timers.filter((timer) => !timer.cancelled).length;
  }

  async advance(ms: number): Promise<void> {
    const target = this.nowMs + ms;
    for (;;) {
      await flush();
      const due = this.timers
        .filter((timer) => !timer.cancelled && timer.at <= target)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (due === undefined) break;
      this.timers = this.timers.filter((timer) => timer !== due);
      this.nowMs = due.at;
      due.callback();
    }
    this.nowMs = target;
    await flush();
  }
}

/** A promise the test opens by hand: holds a transaction open for as long as the test wants. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Watches a promise without awaiting it, so a test can ask "has it settled yet?". */
function track<T>(promise: Promise<T>): { settled: boolean; value?: T; error?: unknown } {
  const state: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  promise.then(
    (value) => {
      state.settled = true;
      state.value = value;
    },
    (error: unknown) => {
      state.settled = true;
      state.error = error;
    },
  );
  return state;
}

const opened: SharedSqlJsDatabase[] = [];

async function setup(options: { busyTimeoutMs?: number; now?: number; transactionTimeoutMs?: number } = {}) {
  const clock = new TestClock(options.now ?? 1_000);
  const events: DatabaseEvent[] = [];
  const db = await SharedSqlJsDatabase.open({
    clock,
    busyTimeoutMs: options.busyTimeoutMs,
    // Off unless a test is about it: most tests hold the lock as long as they like.
    transactionTimeoutMs: options.transactionTimeoutMs ?? Infinity,
    observer: (event) => events.push(event),
  });
  opened.push(db);
  db.inspect('SELECT 1'); // the database is usable right away
  const admin = db.connect('admin');
  await admin.run('CREATE TABLE jobs (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, at REAL)');
  return {
    db,
    clock,
    events,
    admin,
    a: db.connect('server-1'),
    b: db.connect('server-2'),
    c: db.connect('server-3'),
  };
}

function count(db: SharedSqlJsDatabase): number {
  return Number(db.inspect('SELECT count(*) AS n FROM jobs')[0]?.n);
}

afterEach(() => {
  for (const db of opened.splice(0)) db.close();
});

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

describe('sever and restore', () => {
  it('rolls back the holder at once, grants the next waiter, and fails the severed fn and lock()', async () => {
    const { db, events, a, b } = await setup();
    const hold = gate();
    let laterStatement: unknown;
    const severedLock = track(
      a.lock(async (tx) => {
        await tx.run("INSERT INTO jobs (name) VALUES ('from a')");
        await hold.promise;
        laterStatement = await tx
          .run("INSERT INTO jobs (name) VALUES ('after sever')")
          .catch((e: unknown) => e);
        return 'should not commit';
      }),
    );
    await flush();
    const next = b.lock(async (tx) => tx.query('SELECT name FROM jobs'));
    await flush();
    expect(db.waiters()).toEqual(['server-2']);

    a.sever('server-1 crashed');
    expect(db.holder()).toBe('server-2');
    // b sees none of a's uncommitted writes.
    await expect(next).resolves.toEqual([]);
    expect(events).toContainEqual({ type: 'rolledBack', connection: 'server-1', reason: 'server-1 crashed' });
    expect(events).toContainEqual({ type: 'lockReleased', connection: 'server-1', outcome: 'rollback' });

    // The severed fn is still running: its statements fail, and its lock() rejects once it finishes.
    expect(severedLock.settled).toBe(false);
    hold.open();
    await flush();
    expect(laterStatement).toBeInstanceOf(ConnectionLostError);
    expect(severedLock.error).toBeInstanceOf(ConnectionLostError);
    expect((severedLock.error as Error).message).toBe('connection "server-1" is lost: server-1 crashed');
    expect(count(db)).toBe(0);
  });

  it("rejects the severed connection's waiters and every later call until restore()", async () => {
    const { db, a, b } = await setup();
    const hold = gate();
    const holder = b.lock(() => hold.promise);
    await flush();
    const queuedLock = a.lock(async () => 'never');
    const queuedStatement = a.query('SELECT 1');
    await flush();
    expect(db.waiters()).toEqual(['server-1', 'server-1']);

    a.sever();
    expect(db.waiters()).toEqual([]);
    await expect(queuedLock).rejects.toBeInstanceOf(ConnectionLostError);
    await expect(queuedStatement).rejects.toBeInstanceOf(ConnectionLostError);
    await expect(a.run('DELETE FROM jobs')).rejects.toBeInstanceOf(ConnectionLostError);
    await expect(a.lock(async () => 1)).rejects.toBeInstanceOf(ConnectionLostError);
    await expect(a.notify('jobs')).rejects.toBeInstanceOf(ConnectionLostError);
    expect(() => a.listen('jobs', () => {})).toThrow(ConnectionLostError);
    expect(b.isSevered).toBe(false);
    hold.open();
    await holder;

    a.restore();
    await expect(a.lock(async (tx) => tx.run("INSERT INTO jobs (name) VALUES ('back')"))).resolves.toEqual({
      changes: 1,
    });
    expect(count(db)).toBe(1);
  });

  it('keeps the old transaction dead after restore()', async () => {
    const { db, a } = await setup();
    const hold = gate();
    let txAfterRestore: unknown;
    const old = track(
      a.lock(async (tx) => {
        await hold.promise;
        txAfterRestore = await tx.run("INSERT INTO jobs (name) VALUES ('zombie')").catch((e: unknown) => e);
      }),
    );
    await flush();
    a.sever();
    a.restore();
    hold.open();
    await flush();
    expect(txAfterRestore).toBeInstanceOf(ConnectionLostError);
    expect(old.error).toBeInstanceOf(ConnectionLostError);
    expect(count(db)).toBe(0);
  });
});

describe('notify and listen', () => {
  function listeners(connections: SqlJsConnection[], channel: string) {
    const heard: string[] = [];
    for (const connection of connections) connection.listen(channel, () => heard.push(connection.name));
    return heard;
  }

  it('delivers a notification made in a transaction after commit, to every connection including its own', async () => {
    const { a, b, c } = await setup();
    const heard = listeners([b, a, c], 'jobs');
    let heardInside: string[] | undefined;
    await a.lock(async (tx) => {
      await tx.notify('jobs');
      await tx.notify('jobs'); // one wake-up per channel and commit
      await flush();
      heardInside = [...heard];
    });
    expect(heardInside).toEqual([]);
    expect(heard).toEqual(['server-2', 'server-1', 'server-3']);
  });

  it('drops notifications of a rolled-back transaction', async () => {
    const { a, b } = await setup();
    const heard = listeners([b], 'jobs');
    await expect(
      a.lock(async (tx) => {
        await tx.notify('jobs');
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    expect(heard).toEqual([]);
  });

  it('drops notifications of a severed holder', async () => {
    const { a, b } = await setup();
    const heard = listeners([b], 'jobs');
    const hold = gate();
    const lost = a.lock(async (tx) => {
      await tx.notify('jobs');
      await hold.promise;
    });
    await flush();
    a.sever();
    hold.open();
    await expect(lost).rejects.toBeInstanceOf(ConnectionLostError);
    expect(heard).toEqual([]);
  });

  it('delivers a lone notify after its statement slot, waiting for the holder like any statement', async () => {
    const { a, b } = await setup();
    const heard = listeners([a], 'jobs');
    const hold = gate();
    const holder = a.lock(() => hold.promise);
    await flush();
    const notified = b.notify('jobs');
    await flush();
    expect(heard).toEqual([]);
    hold.open();
    await holder;
    await notified;
    expect(heard).toEqual(['server-1']);
  });

  it('skips listeners of severed connections, and calls them again after restore()', async () => {
    const { a, b, c } = await setup();
    const heard = listeners([a, b, c], 'jobs');
    b.sever();
    await a.notify('jobs');
    expect(heard).toEqual(['server-1', 'server-3']);
    b.restore();
    await c.notify('jobs');
    // The second delivery starts one listener further along (see the rotation test below).
    expect(heard).toEqual(['server-1', 'server-3', 'server-2', 'server-3', 'server-1']);
  });

  it('starts each delivery one listener further along, so no connection always hears first', async () => {
    const { a, b, c } = await setup();
    const firsts: string[] = [];
    let round: string[] = [];
    for (const connection of [a, b, c]) {
      connection.listen('jobs', () => {
        round.push(connection.name);
        if (round.length === 3) {
          firsts.push(round[0]!);
          round = [];
        }
      });
    }
    for (let i = 0; i < 6; i++) await a.notify('jobs');
    expect(firsts).toEqual(['server-1', 'server-2', 'server-3', 'server-1', 'server-2', 'server-3']);
  });

  it('survives a throwing listener, reports it, and stops calling unsubscribed listeners', async () => {
    const { events, a, b } = await setup();
    const failure = new Error('listener bug');
    a.listen('jobs', () => {
      throw failure;
    });
    const heard: string[] = [];
    const stop = b.listen('jobs', () => heard.push('b'));
    b.listen('other', () => heard.push('other'));

    await a.notify('jobs');
    expect(heard).toEqual(['b']);
    expect(events).toContainEqual({
      type: 'listenerError',
      connection: 'server-1',
      channel: 'jobs',
      error: failure,
    });

    stop();
    stop();
    await a.notify('jobs');
    expect(heard).toEqual(['b']);
    await expect(a.run("INSERT INTO jobs (name) VALUES ('still fine')")).resolves.toEqual({ changes: 1 });
  });
});

describe('observer', () => {
  it('reports waits, grants and releases in order', async () => {
    const { clock, events, a, b } = await setup();
    events.length = 0;
    const hold = gate();
    const first = a.lock(() => hold.promise);
    await flush();
    const second = b.lock(async () => {});
    await clock.advance(30);
    hold.open();
    await Promise.all([first, second]);
    expect(events).toEqual([
      { type: 'lockGranted', connection: 'server-1', kind: 'transaction', waitedMs: 0 },
      { type: 'lockWait', connection: 'server-2', kind: 'transaction' },
      { type: 'lockReleased', connection: 'server-1', outcome: 'commit' },
      { type: 'lockGranted', connection: 'server-2', kind: 'transaction', waitedMs: 30 },
      { type: 'lockReleased', connection: 'server-2', outcome: 'commit' },
    ]);
  });
});

describe('close', () => {
  it('rejects waiters, the holder and every later call', async () => {
    const { db, a, b } = await setup();
    const hold = gate();
    const holder = track(a.lock(() => hold.promise));
    await flush();
    const waiter = b.query('SELECT 1');
    db.close();
    db.close(); // twice is fine
    await expect(waiter).rejects.toBeInstanceOf(DatabaseClosedError);
    hold.open();
    await flush();
    expect(holder.error).toBeInstanceOf(DatabaseClosedError);

    expect(db.isClosed).toBe(true);
    await expect(a.query('SELECT 1')).rejects.toThrow('connection "server-1": the shared database is closed');
    await expect(b.run('DELETE FROM jobs')).rejects.toBeInstanceOf(DatabaseClosedError);
    await expect(b.lock(async () => 1)).rejects.toBeInstanceOf(DatabaseClosedError);
    await expect(b.notify('jobs')).rejects.toBeInstanceOf(DatabaseClosedError);
    expect(() => b.listen('jobs', () => {})).toThrow(DatabaseClosedError);
    expect(() => db.inspect('SELECT 1')).toThrow(DatabaseClosedError);
    expect(() => db.connect('late')).toThrow(DatabaseClosedError);
  });
});
