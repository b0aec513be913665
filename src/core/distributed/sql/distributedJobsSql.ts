import { statement } from './statement.js';

/**
 * Every statement on `distributedJobs`, the shared job table: enqueueing, claiming, settling and renewing
 * claims. A claim marks a batch of due rows as one server's, each with its own token and a lease; every
 * later write about the job counts only with that token and only while the row is still claimed.
 */

/** Columns a claim returns, enough to run the job. */
type ClaimedColumn = 'id' | 'name' | 'params' | 'attempts' | 'maxAttempts' | 'tickAt' | 'runAt';

/** `?, ?, ...`: one placeholder per item of a list. */
const placeholders = (count: number): string => Array.from({ length: count }, () => '?').join(', ');

// Enqueueing

/** A job enqueued on any server, due at once. */
export const INSERT_JOB = statement<
  [name: string, params: string, maxAttempts: number, enqueuedBy: string],
  'id'
>(`INSERT INTO distributedJobs (name, params, createdAt, runAt, maxAttempts, enqueuedBy)
       VALUES (?, ?, db_now_ms(), db_now_ms(), ?, ?) RETURNING id`);

/**
 * A cron tick's job, written by the leader under its term (null when unfenced, hazard H4), in the same
 * transaction as the tick's record, at the database time that transaction read.
 */
export const INSERT_TICK_JOB = statement<
  [
    name: string,
    params: string,
    createdAt: number,
    runAt: number,
    maxAttempts: number,
    enqueuedBy: string,
    scheduleKey: string,
    tickAt: number,
    term: number | null,
  ],
  'id'
>(`INSERT INTO distributedJobs (name, params, createdAt, runAt, maxAttempts, enqueuedBy, scheduleKey, tickAt, term)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`);

// Claiming

/**
 * How due rows are ordered for a claim: oldest due first, or, under hazard H3, the reference's order by
 * creation in whole seconds (ties in any order the database likes).
 */
export const CLAIM_ORDER = { dueFirst: 'runAt, id', wholeSecondCreated: 'createdAt / 1000' } as const;
export type ClaimOrder = (typeof CLAIM_ORDER)[keyof typeof CLAIM_ORDER];

/** Claims whose lease lapsed, to report before they go back to the queue. */
export const SELECT_EXPIRED_CLAIMS = statement<
  [now: number],
  'id' | 'name' | 'claimedBy' | 'attempts' | 'maxAttempts'
>(
  `SELECT id, name, claimedBy, attempts, maxAttempts FROM distributedJobs
       WHERE status = 'claimed' AND claimExpiresAt <= ?`,
  {
    // Claims run side by side on PostgreSQL (the `claim` lock): the lapsed rows are locked, in one order,
    // until the claim commits, so a second claimer waits, sees them taken back and reports none twice.
    postgres: `SELECT id, name, claimedBy, attempts, maxAttempts FROM distributedJobs
       WHERE status = 'claimed' AND claimExpiresAt <= ? ORDER BY id FOR UPDATE`,
  },
);

/** Lapsed claims go back to the queue, or to the dead letters when out of attempts. */
export const RECLAIM_EXPIRED = statement<[runAt: number, now: number]>(`UPDATE distributedJobs
       SET status = CASE WHEN attempts >= maxAttempts THEN 'dead' ELSE 'queued' END,
           lastError = 'claim lease expired: ' || claimedBy || ' stopped renewing',
           claimedBy = NULL, claimToken = NULL, claimExpiresAt = NULL, runAt = ?
       WHERE status = 'claimed' AND claimExpiresAt <= ?`);

/**
 * The claim itself: up to `max` due rows become this server's in one statement, each with the token
 * `<prefix>/<id>` and a lease until `claimExpiresAt`, and each attempt counted. On PostgreSQL the rows are
 * chosen `FOR UPDATE SKIP LOCKED`: a row another statement is writing (a completion, a renewal) is left
 * for the next claim instead of making this one wait; its `LIMIT` takes the parameter itself.
 */
export const claimDue = (order: ClaimOrder) => {
  const set = `UPDATE distributedJobs
       SET status = 'claimed', claimedBy = ?, claimToken = ? || '/' || id, claimExpiresAt = ?, attempts = attempts + 1`;
  const due = `SELECT id FROM distributedJobs WHERE status = 'queued' AND runAt <= ? ORDER BY ${order}`;
  const returning = 'RETURNING id, name, params, attempts, maxAttempts, claimToken, tickAt, runAt';
  return statement<
    [claimedBy: string, tokenPrefix: string, claimExpiresAt: number, now: number, max: number],
    ClaimedColumn | 'claimToken'
  >(`${set}\n       WHERE id IN (${due} LIMIT (SELECT ?))\n       ${returning}`, {
    postgres: `${set}\n       WHERE id IN (${due} LIMIT ? FOR UPDATE SKIP LOCKED)\n       ${returning}`,
  });
};

/** A claimed row nobody can run (its params are not a JSON object) is kept as dead, with the reason. */
export const MARK_UNREADABLE_DEAD = statement<[lastError: string, id: number]>(
  `UPDATE distributedJobs SET status = 'dead', lastError = ?, claimToken = NULL WHERE id = ?`,
);

/** When a claim found fewer rows than it asked for: when the next row falls due or the next claim lapses. */
const NEXT_QUEUED_DUE = `SELECT MIN(runAt) FROM distributedJobs WHERE status = 'queued'`;
const NEXT_CLAIM_LAPSES = `SELECT MIN(claimExpiresAt) FROM distributedJobs WHERE status = 'claimed'`;
const NEXT_DUE_TIMES = `SELECT (${NEXT_QUEUED_DUE}) AS at
           UNION ALL SELECT (${NEXT_CLAIM_LAPSES})`;
/** PostgreSQL 15 wants a name for a subquery in FROM. */
export const SELECT_NEXT_DUE = statement<[], 'at'>(
  `SELECT MIN(at) AS at FROM (\n           ${NEXT_DUE_TIMES})`,
  {
    postgres: `SELECT MIN(at) AS at FROM (${NEXT_DUE_TIMES}) AS nextDue`,
  },
);

/**
 * A look before a claim, outside any transaction: the database's clock, and when the next row falls due and
 * the next claim lapses. When neither is due the claim would find nothing, and one statement has said so.
 * The aliases are lower case: PostgreSQL folds them, and only table columns get their spelling back.
 */
export const SELECT_CLAIM_PROBE = statement<[], 'now' | 'due' | 'lapses'>(
  `SELECT db_now_ms() AS now,
           (${NEXT_QUEUED_DUE}) AS due,
           (${NEXT_CLAIM_LAPSES}) AS lapses`,
);

// Settling a claim: each counts only with the current token.

/** What a completion writes, alone or in a batch. */
export const COMPLETE_SET = `UPDATE distributedJobs SET status = 'completed', completedAt = db_now_ms(), claimToken = NULL, claimExpiresAt = NULL`;

export const COMPLETE_CLAIM = statement<[id: number, claimToken: string]>(
  `${COMPLETE_SET}
       WHERE id = ? AND claimToken = ? AND status = 'claimed'`,
);

/**
 * Several claims completed by one statement (`completionBatch.ts`); returns the ids of the rows it wrote.
 * Tokens are unique and each ends with its row's id, so a row counts only with its own token; the ids let
 * the primary key find the rows. No id may appear twice in one batch.
 */
export const completeClaims = (claims: number) => {
  const list = placeholders(claims);
  return statement<[...idsThenTokens: (number | string)[]], 'id'>(
    `${COMPLETE_SET}
       WHERE id IN (${list}) AND claimToken IN (${list}) AND status = 'claimed' RETURNING id`,
  );
};

/** A failed attempt: back to the queue after its backoff, or dead. Returns the database time of the write. */
export const FAIL_CLAIM = statement<
  [status: 'queued' | 'dead', retryInMs: number, lastError: string, id: number, claimToken: string],
  'at'
>(`UPDATE distributedJobs
       SET status = ?, runAt = db_now_ms() + ?, lastError = ?, claimedBy = NULL, claimToken = NULL, claimExpiresAt = NULL
       WHERE id = ? AND claimToken = ? AND status = 'claimed' RETURNING db_now_ms() AS at`);

/** A claim given back (its server stops), due at once. Returns the database time of the write. */
export const RELEASE_CLAIM = statement<[attempts: number, id: number, claimToken: string], 'at'>(
  `UPDATE distributedJobs SET status = 'queued', runAt = db_now_ms(), attempts = ?, claimedBy = NULL, claimToken = NULL, claimExpiresAt = NULL
         WHERE id = ? AND claimToken = ? AND status = 'claimed' RETURNING db_now_ms() AS at`,
);

/**
 * Extends the leases of the claims this server still holds; returns the tokens it found. The rows are found
 * by id as well, so that PostgreSQL locks them in id order, as a batch of completions does: found by token
 * alone, through the claims index, a renewal and a batch on another connection of the same server could
 * each hold a row the other waited for (a deadlock, found in review).
 */
export const renewClaims = (claims: number) => {
  const list = placeholders(claims);
  return statement<[claimLeaseMs: number, ...idsThenTokens: (number | string)[]], 'claimToken'>(
    `UPDATE distributedJobs SET claimExpiresAt = db_now_ms() + ?
       WHERE id IN (${list}) AND claimToken IN (${list}) AND status = 'claimed' RETURNING claimToken`,
  );
};

// The reference's statements, used only under hazards.

/** Hazard H7: the reference's scheduler pushes each tick's job on its own, at the database's now. */
export const INSERT_SCHEDULED_JOB = statement<
  [
    name: string,
    params: string,
    maxAttempts: number,
    enqueuedBy: string,
    scheduleKey: string,
    tickAt: number,
    term: number | null,
  ],
  'id'
>(`INSERT INTO distributedJobs (name, params, createdAt, runAt, maxAttempts, enqueuedBy, scheduleKey, tickAt, term)
         VALUES (?, ?, db_now_ms(), db_now_ms(), ?, ?, ?, ?, ?) RETURNING id`);

/** Hazard H8: the reference deletes the rows it claims; nothing remains if the server dies. */
export const deleteDue = (order: ClaimOrder) => {
  const due = `SELECT id FROM distributedJobs WHERE status = 'queued' AND runAt <= ? ORDER BY ${order}`;
  const returning = 'RETURNING id, name, params, attempts, maxAttempts, tickAt, runAt';
  return statement<[now: number, max: number], ClaimedColumn>(
    `DELETE FROM distributedJobs WHERE id IN (\n         ${due} LIMIT (SELECT ?))\n       ${returning}`,
    {
      postgres: `DELETE FROM distributedJobs WHERE id IN (${due} LIMIT ? FOR UPDATE SKIP LOCKED) ${returning}`,
    },
  );
};

/** Hazard H8: a failed job whose row was deleted on claim comes back as a new row (queued, or dead). */
export const INSERT_FAILED_COPY = statement<
  [
    name: string,
    params: string,
    retryInMs: number,
    status: 'queued' | 'dead',
    attempts: number,
    maxAttempts: number,
    lastError: string,
    enqueuedBy: string,
    tickAt: number | null,
  ]
>(`INSERT INTO distributedJobs (name, params, createdAt, runAt, status, attempts, maxAttempts, lastError, enqueuedBy, tickAt)
         VALUES (?, ?, db_now_ms(), db_now_ms() + ?, ?, ?, ?, ?, ?, ?)`);

/** Hazard H8: a job given back whose row was deleted on claim comes back as a new row. */
export const INSERT_RELEASED_COPY = statement<
  [
    name: string,
    params: string,
    attempts: number,
    maxAttempts: number,
    enqueuedBy: string,
    tickAt: number | null,
  ]
>(`INSERT INTO distributedJobs (name, params, createdAt, runAt, attempts, maxAttempts, enqueuedBy, tickAt)
         VALUES (?, ?, db_now_ms(), db_now_ms(), ?, ?, ?, ?)`);

/** Hazard H11: the reference forgets a job that threw. */
export const DELETE_FAILED = statement<[id: number, claimToken: string]>(
  'DELETE FROM distributedJobs WHERE id = ? AND claimToken = ?',
);
