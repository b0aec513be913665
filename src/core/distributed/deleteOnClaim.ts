import type { SqlExecutor, Transaction } from '../ports.js';
import { parseParams, toClaim, type DatabaseClaim } from './claimRows.js';
import { SELECT_DB_NOW } from './sql/clockSql.js';
import {
  deleteDue,
  INSERT_FAILED_COPY,
  INSERT_RELEASED_COPY,
  type ClaimOrder,
} from './sql/distributedJobsSql.js';
import { queryRows, runStatement } from './sql/statement.js';

/**
 * Hazard H8, the reference's take: due rows are deleted as they are claimed, so nothing remains of a job
 * whose server dies while running it. Its jobs carry no token; a retry, a dead letter or a job given back
 * is a new row. The job source picks this take at one line, per take.
 */
export async function takeByDeleting(
  tx: Transaction,
  max: number,
  order: () => ClaimOrder,
): Promise<{ jobs: DatabaseClaim[]; nextDueInMs?: number }> {
  const now = Number((await queryRows(tx, SELECT_DB_NOW))[0]!.now);
  const rows = await queryRows(tx, deleteDue(order()), [now, max]);
  const jobs: DatabaseClaim[] = [];
  for (const row of rows) {
    const params = parseParams(row);
    if (typeof params !== 'string')
      jobs.push(toClaim({ ...row, attempts: Number(row.attempts) + 1 }, params, null));
  }
  return { jobs };
}

/** A failed job whose row was deleted on claim comes back as a new row: queued after its backoff, or dead. */
export function insertFailedCopy(
  on: SqlExecutor,
  claim: DatabaseClaim,
  failure: { retryInMs: number; dead: boolean; maxAttempts: number; message: string; serverId: string },
): Promise<{ changes: number }> {
  return runStatement(on, INSERT_FAILED_COPY, [
    claim.name,
    JSON.stringify(claim.params),
    failure.retryInMs,
    failure.dead ? 'dead' : 'queued',
    claim.attempt,
    failure.maxAttempts,
    failure.message,
    failure.serverId,
    claim.tickAt ?? null,
  ]);
}

/** A job given back whose row was deleted on claim comes back as a new row, due at once. */
export function insertReleasedCopy(
  on: SqlExecutor,
  claim: DatabaseClaim,
  attempts: number,
  serverId: string,
): Promise<{ changes: number }> {
  return runStatement(on, INSERT_RELEASED_COPY, [
    claim.name,
    JSON.stringify(claim.params),
    attempts,
    claim.maxAttempts,
    serverId,
    claim.tickAt ?? null,
  ]);
}
