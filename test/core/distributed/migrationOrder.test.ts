/**
 * Migrations apply in the order of their versions, whatever order they are listed in, so a migration can
 * rely on the tables of the ones before it; each applies once. On the real shared sql.js database.
 */
import { afterEach, expect, test } from 'vitest';
import { migrate, type Migration } from '../../../src/core/distributed/migrations';
import { SharedSqlJsDatabase } from '../../../src/db';
import { databaseClock } from '../../../src/sim/time/databaseClock';
import { DEFAULT_EPOCH_MS, VirtualTime } from '../../../src/sim/time/virtualTime';

let db: SharedSqlJsDatabase | undefined;
afterEach(() => {
  db?.close();
  db = undefined;
});

test("migrations listed out of order apply by version, so a later one can use an earlier one's table", async () => {
  db = await SharedSqlJsDatabase.open({ clock: databaseClock(new VirtualTime(DEFAULT_EPOCH_MS), 0) });
  const connection = db.connect('a');
  const lock = connection.lock.bind(connection);
  const migrations: Migration[] = [
    { version: 3, name: 'index', statements: ['CREATE INDEX thingsByName ON things (name)'] },
    { version: 1, name: 'table', statements: ['CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT)'] },
    { version: 2, name: 'column', statements: ['ALTER TABLE things ADD COLUMN size INTEGER'] },
  ];
  expect(await migrate(lock, migrations)).toEqual([1, 2, 3]);
  expect(db.inspect('SELECT version, name FROM jobMigrations ORDER BY rowid')).toEqual([
    { version: 1, name: 'table' },
    { version: 2, name: 'column' },
    { version: 3, name: 'index' },
  ]);
  expect(await migrate(lock, migrations)).toEqual([]);
});
