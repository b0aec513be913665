/**
 * One statement, two dialects: where PostgreSQL's text must differ it is written beside SQLite's, and the
 * executor's dialect picks which runs. SQLite's text (sql.js here) never changes for PostgreSQL's sake,
 * and a migration without its own PostgreSQL text runs SQLite's there too.
 */
import { expect, test } from 'vitest';
import { MIGRATIONS, migrationStatements, type Migration } from '../../../src/core/distributed/migrations';
import {
  CLAIM_ORDER,
  claimDue,
  deleteDue,
  SELECT_NEXT_DUE,
} from '../../../src/core/distributed/sql/distributedJobsSql';
import { statement, textFor } from '../../../src/core/distributed/sql/statement';

test('a statement with PostgreSQL text runs that text on PostgreSQL only', () => {
  expect(textFor(SELECT_NEXT_DUE, 'postgres')).toBe(SELECT_NEXT_DUE.postgres);
  expect(textFor(SELECT_NEXT_DUE, 'postgres')).not.toBe(SELECT_NEXT_DUE.sql);
  expect(textFor(SELECT_NEXT_DUE, 'sqlite')).toBe(SELECT_NEXT_DUE.sql);
  expect(textFor(SELECT_NEXT_DUE, undefined)).toBe(SELECT_NEXT_DUE.sql);
});

test('a statement without PostgreSQL text runs the same text everywhere, and says it has none', () => {
  const plain = statement('SELECT 1 AS one');
  expect(plain).toEqual({ sql: 'SELECT 1 AS one' });
  expect(textFor(plain, 'postgres')).toBe('SELECT 1 AS one');
  expect(statement('SELECT 1', { postgres: 'SELECT 1::int' })).toEqual({
    sql: 'SELECT 1',
    postgres: 'SELECT 1::int',
  });
});

test("each migration runs its PostgreSQL statements on PostgreSQL, and SQLite's elsewhere or where it has none", () => {
  const fencing = MIGRATIONS.find((m) => m.name === 'fencing')!;
  expect(migrationStatements(fencing, 'postgres')).toBe(fencing.postgres);
  expect(migrationStatements(fencing, 'postgres').join('\n')).toContain('plpgsql');
  expect(migrationStatements(fencing, 'sqlite')).toBe(fencing.statements);
  expect(migrationStatements(fencing, undefined)).toBe(fencing.statements);
  const sqliteOnly: Migration = { version: 9, name: 'plain', statements: ['CREATE TABLE t (x INTEGER)'] };
  expect(migrationStatements(sqliteOnly, 'postgres')).toEqual(['CREATE TABLE t (x INTEGER)']);
});

test('on PostgreSQL a claim, and a take under H8, skip rows another server has locked; SQLite has no row locks', () => {
  for (const order of Object.values(CLAIM_ORDER)) {
    for (const take of [claimDue(order), deleteDue(order)]) {
      expect(textFor(take, 'postgres')).toContain('LIMIT ? FOR UPDATE SKIP LOCKED');
      expect(textFor(take, 'postgres')).toContain(`ORDER BY ${order}`);
      expect(textFor(take, 'sqlite')).not.toContain('FOR UPDATE');
      expect(textFor(take, 'sqlite')).toContain(`ORDER BY ${order}`);
    }
  }
});
