/**
 * The names other rooms read from `src/core/distributed/sql/tables.ts` are the schema the migrations
 * create: every table and column there exists, and no column of the schema is missing from it.
 */
import { expect, test } from 'vitest';
import { migrate } from '../../src/core';
import { TABLES } from '../../src/core/distributed/sql/tables';
import { SharedSqlJsDatabase } from '../../src/db';

test('tables.ts names exactly the tables and columns the migrations create', async () => {
  const db = await SharedSqlJsDatabase.open({
    clock: { now: () => 0, setTimer: () => () => {} },
    transactionTimeoutMs: Infinity,
  });
  try {
    const connection = db.connect('test');
    await migrate((fn) => connection.lock(fn));
    for (const { table, columns } of TABLES) {
      const schema = db.inspect(`PRAGMA table_info(${table})`).map((row) => String(row.name));
      expect(schema, table).toEqual(Object.values(columns));
    }
    const tables = db
      .inspect(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .map((row) => String(row.name));
    expect(tables).toEqual(TABLES.map(({ table }) => table).sort());
  } finally {
    db.close();
  }
});
