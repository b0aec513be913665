/**
 * What we need to know about a statement from its text alone, decided once per distinct SQL text (the
 * statement cache keeps the answer next to the prepared statement).
 */

/** How much SQL an error message quotes: enough to recognise the statement, not a whole migration. */
const QUOTED_SQL_CHARS = 200;

/** The SQL on one line, cut to a readable length for error messages. */
export function abbreviateSql(sql: string): string {
  const oneLine = sql.replace(/\s+/g, ' ').trim();
  return oneLine.length <= QUOTED_SQL_CHARS ? oneLine : `${oneLine.slice(0, QUOTED_SQL_CHARS)}…`;
}

/**
 * - `transaction`: BEGIN, COMMIT, END, ROLLBACK: only the adapter may run them, or a statement could end a
 *   `lock()` transaction early, or leave one open after a lone statement.
 * - `savepoint`: SAVEPOINT, RELEASE, ROLLBACK TO: fine inside `lock()`; outside, SAVEPOINT opens a
 *   transaction that nobody would close.
 * - `other`: everything else.
 */
export type TransactionControl = 'transaction' | 'savepoint' | 'other';

export interface SqlTraits {
  readonly control: TransactionControl;
  /**
   * Whether `getRowsModified()` describes this statement. SQLite only updates it for INSERT, UPDATE and
   * DELETE; after anything else it still holds the previous write's count, which `run()` must not report.
   */
  readonly countsChanges: boolean;
  /** Starts with a reading keyword; what `inspect()` accepts. (A `WITH` may still write: a best effort.) */
  readonly reads: boolean;
}

const LEADING_TRIVIA = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/;
const CHANGING = new Set(['INSERT', 'UPDATE', 'DELETE', 'REPLACE', 'WITH']);
const READING = new Set(['SELECT', 'VALUES', 'WITH', 'EXPLAIN', 'PRAGMA']);
const TRANSACTION = new Set(['BEGIN', 'COMMIT', 'END', 'ROLLBACK']);
const SAVEPOINT = new Set(['SAVEPOINT', 'RELEASE']);

export function classifySql(sql: string): SqlTraits {
  const head = sql.replace(LEADING_TRIVIA, '');
  const keyword = (/^[A-Za-z]+/.exec(head)?.[0] ?? '').toUpperCase();
  return {
    control: transactionControl(keyword, head),
    countsChanges: CHANGING.has(keyword),
    reads: READING.has(keyword),
  };
}

function transactionControl(keyword: string, head: string): TransactionControl {
  if (SAVEPOINT.has(keyword) || /^ROLLBACK\s+(?:TRANSACTION\s+)?TO\b/i.test(head)) return 'savepoint';
  return TRANSACTION.has(keyword) ? 'transaction' : 'other';
}

/** True when nothing but one statement (and a trailing `;`) can be in the text: no need to ask SQLite. */
export function obviouslySingleStatement(sql: string): boolean {
  return !sql.replace(/;\s*$/, '').includes(';');
}
