/**
 * Counts what a coordinator asks of its database: transactions, statements by kind, rows claimed.
 *
 * A `Database` wrapper between a server and its connection, used only in an untimed diagnostic drain
 * (counting costs a little). It tells whether the coordinator issues the statements the bare baseline
 * assumes, and how many: a drain that claims in small batches, or retries empty claims, costs more
 * statements per job, which no per-statement speed-up would show.
 */
import type { Database, Row, SqlParams, Transaction } from '../src/core';
import {
  BEGIN,
  CLAIM,
  COMMIT,
  COMPLETE,
  isCompleteBatch,
  INSERT_JOB,
  PROBE,
  SELECT_EXPIRED,
  SELECT_NEXT_DUE,
  SELECT_NOW,
} from './sql';

const KNOWN = new Map<string, string>([
  [SELECT_NOW, 'now'],
  [PROBE, 'probe'],
  [SELECT_EXPIRED, 'expired'],
  [CLAIM, 'claim'],
  [SELECT_NEXT_DUE, 'nextDue'],
  [COMPLETE, 'complete'],
  [INSERT_JOB, 'insert'],
  [BEGIN, 'begin'],
  [COMMIT, 'commit'],
]);

export class StatementMix {
  /** Statements by kind; unknown texts are listed by their first words, so a stale copy in sql.ts shows. */
  readonly statements = new Map<string, number>();
  transactions = 0;
  claims = 0;
  emptyClaims = 0;
  claimedRows = 0;
  notifies = 0;

  /** Wraps one server's connection so that its requests are counted here. */
  wrap(connection: Database): Database {
    const executor = (target: Transaction) => ({
      query: async (sql: string, params?: SqlParams): Promise<Row[]> => {
        const rows = await target.query(sql, params);
        this.count(sql, rows.length);
        return rows;
      },
      run: async (sql: string, params?: SqlParams) => {
        const result = await target.run(sql, params);
        this.count(sql, undefined);
        return result;
      },
      notify: (channel: string) => {
        this.notifies += 1;
        return target.notify(channel);
      },
    });
    return {
      ...executor(connection),
      lock: <T>(fn: (tx: Transaction) => Promise<T>) => {
        this.transactions += 1;
        return connection.lock((tx) => fn(executor(tx)));
      },
      listen: (channel, callback) => connection.listen(channel, callback),
    };
  }

  /** Statements per job, by kind, with the adapter's BEGIN and COMMIT counted once per transaction. */
  perJob(jobs: number): Record<string, number> {
    const all = new Map(this.statements);
    all.set('begin', this.transactions);
    all.set('commit', this.transactions);
    const out: Record<string, number> = {};
    for (const [kind, n] of [...all].sort((a, b) => b[1] - a[1])) out[kind] = n / jobs;
    return out;
  }

  totalStatements(): number {
    let total = 2 * this.transactions;
    for (const n of this.statements.values()) total += n;
    return total;
  }

  private count(sql: string, rows: number | undefined): void {
    const kind =
      KNOWN.get(sql) ??
      (isCompleteBatch(sql) ? 'complete' : undefined) ??
      `other: ${sql.replace(/\s+/g, ' ').trim().slice(0, 48)}`;
    this.statements.set(kind, (this.statements.get(kind) ?? 0) + 1);
    if (kind === 'claim' && rows !== undefined) {
      this.claims += 1;
      this.claimedRows += rows;
      if (rows === 0) this.emptyClaims += 1;
    }
  }
}
