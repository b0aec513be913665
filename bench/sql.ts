/**
 * The statements the distributed coordinator issues to drain a job, read from the coordinator's own SQL
 * modules (`claim`, `reclaimExpired` in databaseJobSource.ts, completions in completionBatch.ts, with the fixed path's ORDER BY),
 * so that the bare baseline runs exactly what the coordinator runs without running any coordinator code.
 * `statementMix` recognises the coordinator's statements by these texts; a statement it does not know shows
 * as "other" in the bench output.
 */
import { SELECT_DB_NOW } from '../src/core/distributed/sql/clockSql';
import {
  CLAIM_ORDER,
  claimDue,
  COMPLETE_CLAIM,
  COMPLETE_SET,
  completeClaims,
  INSERT_JOB as INSERT_JOB_STATEMENT,
  SELECT_CLAIM_PROBE,
  SELECT_EXPIRED_CLAIMS,
  SELECT_NEXT_DUE as SELECT_NEXT_DUE_STATEMENT,
} from '../src/core/distributed/sql/distributedJobsSql';
import { BEGIN_TRANSACTION, COMMIT_TRANSACTION } from '../src/db/transactionSql';

/** First statement of a claim transaction: the database's clock. */
export const SELECT_NOW = SELECT_DB_NOW.sql;

/** Claims whose lease lapsed; in a healthy drain it finds none, so the reclaim UPDATE never runs. */
export const SELECT_EXPIRED = SELECT_EXPIRED_CLAIMS.sql;

/** An idle server's look for work before it claims (after a short claim): one statement, no lock. */
export const PROBE = SELECT_CLAIM_PROBE.sql;

/** The claim itself: a batch of due rows becomes this server's, each with its own token. */
export const CLAIM = claimDue(CLAIM_ORDER.dueFirst).sql;

/** When the claim found fewer rows than it asked for: how long until more work is due. */
export const SELECT_NEXT_DUE = SELECT_NEXT_DUE_STATEMENT.sql;

/** A job that finished alone: a lone statement outside any transaction, accepted only from the current claim. */
export const COMPLETE = COMPLETE_CLAIM.sql;

/** Jobs that finished in one turn (a claimed batch of quick jobs): one statement for all of them. */
export const completeBatch = (jobs: number): string => completeClaims(jobs).sql;

/** Whether a statement is a batch's completion, whatever its size: statementMix counts these as `complete`. */
export const isCompleteBatch = (sql: string): boolean =>
  sql.startsWith(COMPLETE_SET) && sql.includes('WHERE id IN (');

/** What the shared database's adapter wraps around a `lock()` transaction. */
export const BEGIN = BEGIN_TRANSACTION;
export const COMMIT = COMMIT_TRANSACTION;

/** The INSERT of the coordinator's `enqueue`, used to load jobs. */
export const INSERT_JOB = INSERT_JOB_STATEMENT.sql;
