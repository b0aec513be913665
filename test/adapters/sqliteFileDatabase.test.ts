/**
 * The SQLite-file adapter keeps the Database port's contract (src/core/ports.ts) on a real file, for
 * connections in one process and across processes: each test on a file of its own.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { ConnectionLostError, DatabaseBusyError } from '../../src/adapters';
import { SqliteFileDatabase } from '../../src/adapters/sqliteFile/index.js';
import { migrate, TABLES } from '../../src/core';
import { INSERT_JOB } from '../../src/core/distributed/sql/distributedJobsSql';
import { queryRows } from '../../src/core/distributed/sql/statement';

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

let cleanup: (() => void) | undefined;
afterEach(() => {
  cleanup?.();
  cleanup = undefined;
});

/** A fresh file and a way to open connections to it, all closed and removed after the test. */
function freshFile() {
  const dir = mkdtempSync(join(tmpdir(), 'adapters-sqlite-'));
  const path = join(dir, 'db.sqlite');
  const opened: SqliteFileDatabase[] = [];
  cleanup = () => {
    for (const db of opened) db.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return {
    path,
    async open(name: string, options: { busyTimeoutMs?: number } = {}) {
      const db = await SqliteFileDatabase.open({ path, name, ...options });
      opened.push(db);
      return db;
    },
  };
}

describe('the SQLite-file database', () => {
  test('runs in WAL mode, and lock(fn) serialises connections of one process', async () => {
    const file = freshFile();
    const [a, b] = [await file.open('a'), await file.open('b')];
    expect((await a.query('PRAGMA journal_mode'))[0]).toEqual({ journal_mode: 'wal' });
    const order: string[] = [];
    const first = a.lock(async (tx) => {
      order.push('a in');
      await tx.query('SELECT 1');
      await sleep(100);
      order.push('a out');
      return 'a';
    });
    await sleep(20);
    const second = b.lock(async () => {
      order.push('b in');
      return 'b';
    });
    const lone = b.query('SELECT 2 AS two').then((rows) => (order.push('b statement'), rows));
    expect(await Promise.all([first, second, lone])).toEqual(['a', 'b', [{ two: 2 }]]);
    expect(order).toEqual(['a in', 'a out', 'b in', 'b statement']);
  });

  test('a callback that throws rolls back, and its caller gets that very error', async () => {
    const file = freshFile();
    const db = await file.open('a');
    await migrate((fn) => db.lock(fn));
    const mine = new Error('mine');
    const outcome = await db
      .lock(async (tx) => {
        await queryRows(tx, INSERT_JOB, ['work', '{}', 1, 'a']);
        throw mine;
      })
      .catch((error: unknown) => error);
    expect(outcome).toBe(mine);
    expect(await db.query('SELECT COUNT(*) AS n FROM distributedJobs')).toEqual([{ n: 0 }]);
  });

  test('a lock waited past the busy timeout fails naming who held it', async () => {
    const file = freshFile();
    const holder = await file.open('holder');
    const waiter = await file.open('waiter', { busyTimeoutMs: 150 });
    const held = holder.lock(() => sleep(400));
    const error = await waiter.lock(async () => 'never').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseBusyError);
    expect((error as Error).message).toMatch(
      /^database is locked: connection "waiter" waited \d+ ms for the lock held by "holder" in this process/,
    );
    await held;
    // A statement sent through the connection inside its own transaction is named as that mistake.
    const own = await waiter.lock(() => waiter.query('SELECT 1')).catch((e: unknown) => e);
    expect((own as Error).message).toContain(
      'its own transaction (inside lock(), run statements through the tx handle',
    );
  });

  test('another process holding the write lock past the busy timeout fails naming it', async () => {
    const file = freshFile();
    const db = await file.open('here', { busyTimeoutMs: 300 });
    const betterSqlite3 = createRequire(import.meta.url).resolve('better-sqlite3');
    const child = spawn(process.execPath, [
      '-e',
      `const D = require(${JSON.stringify(betterSqlite3)}); const db = new D(${JSON.stringify(file.path)});
       db.exec('BEGIN IMMEDIATE'); console.log('holding'); setTimeout(() => { db.exec('COMMIT'); db.close(); }, 1500);`,
    ]);
    try {
      await new Promise<void>((ready, fail) => {
        child.stdout.on('data', (data: Buffer) => data.toString().includes('holding') && ready());
        child.on('exit', (code) => fail(new Error(`the holding process exited early (${code})`)));
      });
      const error = await db.lock(async () => 'never').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatabaseBusyError);
      expect((error as Error).message).toMatch(
        /^database is locked: connection "here" waited \d+ ms for the write lock of .*db\.sqlite, held by another process/,
      );
      expect((error as DatabaseBusyError).waitedMs).toBeGreaterThanOrEqual(250);
    } finally {
      child.kill();
    }
  });

  test('notify wakes a listener on another connection; inside a transaction only when it commits', async () => {
    const file = freshFile();
    const [a, b] = [await file.open('a'), await file.open('b')];
    let woken = 0;
    const stop = b.listen('distributedJobs', () => woken++);
    await a.notify('distributedJobs');
    await waitUntil(() => woken === 1);
    await a.lock(async (tx) => {
      await tx.notify('distributedJobs');
      await sleep(80);
      expect(woken).toBe(1);
    });
    await waitUntil(() => woken === 2);
    await a
      .lock(async (tx) => {
        await tx.notify('distributedJobs');
        throw new Error('roll back');
      })
      .catch(() => undefined);
    await a.notify('leadJobCoordinators');
    await sleep(80);
    expect(woken).toBe(2);
    stop();
    await a.notify('distributedJobs');
    await sleep(80);
    expect(woken).toBe(2);
  });

  test('a cut connection fails the transaction open on it and rolls it back; the next use opens a new one, listeners go on', async () => {
    const file = freshFile();
    const [a, b] = [await file.open('a'), await file.open('b')];
    await migrate((fn) => a.lock(fn));
    let woken = 0;
    a.listen('distributedJobs', () => woken++);
    const outcome = a
      .lock(async (tx) => {
        await queryRows(tx, INSERT_JOB, ['lost', '{}', 1, 'a']);
        await sleep(50);
        await tx.query('SELECT 1');
      })
      .catch((error: unknown) => error);
    await sleep(10);
    a.cutConnection();
    const error = await outcome;
    expect(error).toBeInstanceOf(ConnectionLostError);
    expect((error as Error).message).toBe(
      'connection "a" lost: its connection was cut during this transaction, which SQLite rolled back; the next statement connects again',
    );
    // Rolled back: the other connection sees no row, and can write at once (the write lock is free).
    expect((await b.query('SELECT COUNT(*) AS n FROM distributedJobs'))[0]!.n).toBe(0);
    await b.lock(async (tx) => void (await queryRows(tx, INSERT_JOB, ['kept', '{}', 1, 'b'])));
    // The cut connection's next use opens a new one, in WAL mode, with the database clock.
    expect((await a.query('SELECT name FROM distributedJobs')).map((row) => row.name)).toEqual(['kept']);
    expect(Number((await a.query('SELECT db_now_ms() AS now'))[0]!.now)).toBeGreaterThan(0);
    // Its listener's connection was cut too, and reads the notifications again.
    await b.notify('distributedJobs');
    await waitUntil(() => woken === 1);
  });

  test('holdTurn waits for the transaction in progress and keeps the next one waiting until released', async () => {
    const file = freshFile();
    const a = await file.open('a');
    const order: string[] = [];
    const first = a.lock(async () => {
      await sleep(50);
      order.push('first done');
    });
    const release = await a.holdTurn();
    order.push('held');
    const next = a.query('SELECT 1').then(() => order.push('next'));
    await sleep(50);
    expect(order).toEqual(['first done', 'held']);
    release();
    await Promise.all([first, next]);
    expect(order).toEqual(['first done', 'held', 'next']);
  });

  test("migrations are idempotent and create the sql.js schema's tables; the clock is the host's", async () => {
    const file = freshFile();
    const [a, b] = [await file.open('a'), await file.open('b')];
    const applied = await Promise.all([migrate((fn) => a.lock(fn)), migrate((fn) => b.lock(fn))]);
    expect(applied.filter((versions) => versions.length > 0)).toEqual([[1, 2, 3, 4]]);
    expect(await migrate((fn) => a.lock(fn))).toEqual([]);
    for (const { table, columns } of TABLES) {
      const found = await a.query(`SELECT name FROM pragma_table_info('${table}')`);
      expect(found.map((row) => row.name)).toEqual(Object.keys(columns));
    }
    const now = Number((await a.query('SELECT db_now_ms() AS now'))[0]!.now);
    expect(Math.abs(now - Date.now())).toBeLessThan(1_000);
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out');
    await sleep(10);
  }
}
