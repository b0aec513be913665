/**
 * Completions asked for in one turn share one statement, on the simulation's sql.js database and on a real
 * PostgreSQL, and each still counts only with its own token: a stale token in the batch is refused alone.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { migrate, type Database, type Row, type SqlParams } from '../../../src/core';
import { CompletionBatch } from '../../../src/core/distributed/completionBatch';
import { CLAIM_ORDER, claimDue, INSERT_JOB } from '../../../src/core/distributed/sql/distributedJobsSql';
import { queryRows } from '../../../src/core/distributed/sql/statement';
import { postgresSchema } from '../../adapters/support/postgres';
import { setup } from '../../db/support';

let dispose: (() => Promise<void>) | undefined;
afterEach(async () => {
  await dispose?.();
  dispose = undefined;
});

/** The database as the job source sees it, counting the statements sent outside a transaction. */
function counting(database: Database) {
  const sent: string[] = [];
  const executor = {
    dialect: database.dialect,
    query: (sql: string, params?: SqlParams): Promise<Row[]> => {
      sent.push(sql);
      return database.query(sql, params);
    },
    run: (sql: string, params?: SqlParams) => {
      sent.push(sql);
      return database.run(sql, params);
    },
    notify: (channel: string) => database.notify(channel),
  };
  return { executor, sent };
}

const databases: Record<string, () => Promise<Database>> = {
  'sql.js': async () => (await setup()).db.connect('server-a'),
  PostgreSQL: async () => {
    const pg = await postgresSchema('completions');
    dispose = () => pg.dispose();
    return pg.open({ name: 'server-a' });
  },
};

describe.each(Object.keys(databases))('completions on %s', (name) => {
  async function claimThree(database: Database) {
    await migrate((fn) => database.lock(fn));
    for (let i = 0; i < 3; i++) await queryRows(database, INSERT_JOB, ['work', '{}', 3, 'a']);
    return database.lock(async (tx) => {
      const now = Number((await tx.query('SELECT db_now_ms() AS now'))[0]!.now);
      return queryRows(tx, claimDue(CLAIM_ORDER.dueFirst), ['a', 'a:c1', now + 30_000, now, 3]);
    });
  }

  test('three in one turn are one statement; a stale token among them is refused alone', async () => {
    const database = await databases[name]!();
    const claimed = await claimThree(database);
    expect(claimed).toHaveLength(3);
    const { executor, sent } = counting(database);
    const batch = new CompletionBatch(executor);
    const [first, second, third] = claimed.map((row) => ({
      id: Number(row.id),
      token: String(row.claimToken),
    }));
    const outcomes = await Promise.all([
      batch.complete(first!.id, first!.token),
      batch.complete(second!.id, `${second!.token}-stale`),
      batch.complete(third!.id, third!.token),
    ]);
    expect(outcomes).toEqual([true, false, true]);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatch(/WHERE id IN \(\?, \?, \?\) AND claimToken IN \(\?, \?, \?\)/);
    const rows = await database.query('SELECT id, status FROM distributedJobs ORDER BY id');
    expect(rows.map((row) => row.status)).toEqual(['completed', 'claimed', 'completed']);
  });

  test('completions in separate turns each write alone, with the single-row statement', async () => {
    const database = await databases[name]!();
    const claimed = await claimThree(database);
    const { executor, sent } = counting(database);
    const batch = new CompletionBatch(executor);
    for (const row of claimed)
      expect(await batch.complete(Number(row.id), String(row.claimToken))).toBe(true);
    expect(sent).toHaveLength(3);
    for (const sql of sent) expect(sql).toMatch(/WHERE id = \? AND claimToken = \?/);
  });

  test("one row's two completions in one turn are told apart: only the current token counts", async () => {
    const database = await databases[name]!();
    const [row] = await claimThree(database);
    const batch = new CompletionBatch(database);
    const token = String(row!.claimToken);
    const outcomes = await Promise.all([
      batch.complete(Number(row!.id), 'a:lapsed/1'),
      batch.complete(Number(row!.id), token),
    ]);
    expect(outcomes).toEqual([false, true]);
  });

  test('a statement that fails fails every completion in it, and none is counted', async () => {
    const database = await databases[name]!();
    const claimed = await claimThree(database);
    const broken = {
      ...counting(database).executor,
      query: () => Promise.reject(new Error('connection lost')),
    };
    const batch = new CompletionBatch(broken);
    const outcomes = await Promise.allSettled(
      claimed.map((row) => batch.complete(Number(row.id), String(row.claimToken))),
    );
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected', 'rejected']);
    const rows = await database.query(`SELECT COUNT(*) AS n FROM distributedJobs WHERE status = 'claimed'`);
    expect(Number(rows[0]!.n)).toBe(3);
  });
});
