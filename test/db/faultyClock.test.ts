/**
 * A clock port that fails while a transaction starts: the database must not stay inside a SQLite
 * transaction nobody holds. Any user of the `db` export passes their own clock, so this is reachable.
 */
import { describe, expect, it } from 'vitest';
import type { CancelTimer } from '../../src/core/ports';
import { SharedSqlJsDatabase, type DatabaseEvent } from '../../src/db';
import { opened, TestClock } from './support';

/** A test clock whose `setTimer` throws while `failing` is set. */
class FailingTimerClock extends TestClock {
  failing = false;
  override setTimer(delayMs: number, callback: () => void): CancelTimer {
    if (this.failing) throw new Error('timer port is down');
    return super.setTimer(delayMs, callback);
  }
}

async function openWith(clock: FailingTimerClock, events: DatabaseEvent[] = []) {
  const db = await SharedSqlJsDatabase.open({
    clock,
    transactionTimeoutMs: 5_000,
    observer: (event) => events.push(event),
  });
  opened.push(db);
  await db.connect('admin').run('CREATE TABLE jobs (id INTEGER PRIMARY KEY, name TEXT NOT NULL)');
  return db;
}

describe('a clock whose setTimer throws when a transaction begins', () => {
  it("fails that lock() with the clock's error and leaves no transaction open behind it", async () => {
    const clock = new FailingTimerClock(0);
    const events: DatabaseEvent[] = [];
    const db = await openWith(clock, events);
    const a = db.connect('server-1');
    const b = db.connect('server-2');
    const body: string[] = [];

    clock.failing = true;
    await expect(
      a.lock(async (tx) => {
        body.push('ran');
        await tx.run("INSERT INTO jobs (name) VALUES ('never')");
      }),
    ).rejects.toThrow('timer port is down');
    expect(body).toEqual([]); // the callback never started
    expect(db.holder()).toBeUndefined();
    // The lock view hears the failed grant end, so it does not show server-1 holding forever.
    expect(events.filter((event) => event.connection === 'server-1')).toEqual([
      { type: 'lockGranted', connection: 'server-1', kind: 'transaction', waitedMs: 0 },
      { type: 'lockReleased', connection: 'server-1', outcome: 'rollback' },
    ]);

    clock.failing = false;
    // Every connection can still open a transaction, and its commit is a real commit.
    await b.lock(async (tx) => {
      await tx.run("INSERT INTO jobs (name) VALUES ('from b')");
    });
    await a.lock(async (tx) => {
      await tx.run("INSERT INTO jobs (name) VALUES ('from a')");
    });
    // A lone statement commits at once: a rollback now must not take it back.
    await b.run("INSERT INTO jobs (name) VALUES ('lone')");
    await expect(
      a.lock(async (tx) => {
        await tx.run("INSERT INTO jobs (name) VALUES ('rolled back')");
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(db.inspect('SELECT name FROM jobs ORDER BY id')).toEqual([
      { name: 'from b' },
      { name: 'from a' },
      { name: 'lone' },
    ]);
  });

  it('keeps the lock usable when the failure happens while others wait in line', async () => {
    const clock = new FailingTimerClock(0);
    const db = await openWith(clock);
    const a = db.connect('server-1');
    const b = db.connect('server-2');
    let release!: () => void;
    const held = a.lock(
      () =>
        new Promise<void>((resolve) => {
          release = resolve;
        }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    // b waits (its busy timer is armed now), then its grant fails to arm the transaction timer.
    const waiting = b.lock(async (tx) => tx.run("INSERT INTO jobs (name) VALUES ('never')"));
    clock.failing = true;
    release();
    await held;
    await expect(waiting).rejects.toThrow('timer port is down');
    clock.failing = false;
    await a.lock(async (tx) => tx.run("INSERT INTO jobs (name) VALUES ('after')"));
    expect(db.inspect('SELECT name FROM jobs')).toEqual([{ name: 'after' }]);
    expect(db.holder()).toBeUndefined();
  });
});
