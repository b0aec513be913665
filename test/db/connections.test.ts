import { describe, expect, it } from 'vitest';
import { ConnectionLostError, DatabaseClosedError, type SqlJsConnection } from '../../src/db';
import { count, flush, gate, setup, track } from './support';

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
