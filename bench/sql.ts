/**
 * The statements the distributed coordinator issues to drain a job, copied verbatim (whitespace included)
 * from src/core/distributed/databaseJobSource.ts (`claim`, `reclaimExpired`, `complete`) with the
 * fixed-path ORDER BY (`runAt, id`) filled in.
 *
 * Copied, not imported: these are facts about the coordinator, and the bare baseline must not run any
 * coordinator code. If databaseJobSource.ts changes its SQL, update these strings; `statementMix` (which
 * recognises the coordinator's statements by these texts) then reports "other" statements, which is how a
 * stale copy shows up in the bench output.
 */

/** First statement of a claim transaction: the database's clock. */
export const SELECT_NOW = 'SELECT db_now_ms() AS now';

/** Claims whose lease lapsed; in a healthy drain it finds none, so the reclaim UPDATE never runs. */
export const SELECT_EXPIRED = `SELECT id, name, claimedBy, attempts, maxAttempts FROM distributedJobs
       WHERE status = 'claimed' AND claimExpiresAt <= ?`;

/** The claim itself: a batch of due rows becomes this server's, each with its own token. */
export const CLAIM = `UPDATE distributedJobs
       SET status = 'claimed', claimedBy = ?, claimToken = ? || '/' || id, claimExpiresAt = ?, attempts = attempts + 1
       WHERE id IN (SELECT id FROM distributedJobs WHERE status = 'queued' AND runAt <= ? ORDER BY runAt, id LIMIT (SELECT ?))
       RETURNING id, name, params, attempts, maxAttempts, claimToken, tickAt, runAt`;

/** When the claim found fewer rows than it asked for: how long until more work is due. */
export const SELECT_NEXT_DUE = `SELECT MIN(at) AS at FROM (
           SELECT MIN(runAt) AS at FROM distributedJobs WHERE status = 'queued'
           UNION ALL SELECT MIN(claimExpiresAt) FROM distributedJobs WHERE status = 'claimed')`;

/** Per job, a lone statement outside any transaction: accepted only from the current claim. */
export const COMPLETE = `UPDATE distributedJobs SET status = 'completed', completedAt = db_now_ms(), claimToken = NULL, claimExpiresAt = NULL
       WHERE id = ? AND claimToken = ? AND status = 'claimed'`;

/** What the shared database's adapter wraps around a `lock()` transaction. */
export const BEGIN = 'BEGIN IMMEDIATE';
export const COMMIT = 'COMMIT';

/** The INSERT of the coordinator's `enqueue` (distributedJobCoordinator.ts `insertJob`), used to load jobs. */
export const INSERT_JOB = `INSERT INTO distributedJobs (name, params, createdAt, runAt, maxAttempts, enqueuedBy)
       VALUES (?, ?, db_now_ms(), db_now_ms(), ?, ?) RETURNING id`;
