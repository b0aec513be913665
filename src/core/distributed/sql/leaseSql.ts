import type { SqlValue } from '../../ports.js';
import { DB_NOW } from './clockSql.js';
import { statement } from './statement.js';

/**
 * Every statement on `leadJobCoordinators`, the leader's lease (one row, id = 1).
 *
 * The heartbeat is written as the database's clock (`db_now_ms()`), or, under hazard H2, as a parameter
 * holding the server's own clock (`?`): the statements that write it take that expression, and under H2
 * their parameters start with the server's time.
 */
export type HeartbeatExpression = typeof DB_NOW | '?';

/** The lease as one election look reads it, with the database's clock. */
export const SELECT_LEASE = statement<[], 'jobCoordinatorId' | 'lastHeartbeatAt' | 'term' | 'now'>(
  'SELECT jobCoordinatorId, lastHeartbeatAt, term, db_now_ms() AS now FROM leadJobCoordinators WHERE id = 1',
);

/** The very first lease of this database: term 1. Params: [...heartbeat, holder]. */
export const insertFirstLease = (at: HeartbeatExpression) =>
  statement<SqlValue[]>(
    `INSERT INTO leadJobCoordinators (id, jobCoordinatorId, lastHeartbeatAt, term) VALUES (1, ?, ${at}, 1)`,
  );

/**
 * Takes a free or expired lease: a compare-and-set on the term read just before, which grows by one.
 * Params: [holder, ...heartbeat, term read].
 */
export const takeOverLease = (at: HeartbeatExpression) =>
  statement<SqlValue[]>(
    `UPDATE leadJobCoordinators SET jobCoordinatorId = ?, lastHeartbeatAt = ${at}, term = term + 1
         WHERE id = 1 AND term = ?`,
  );

/** The leader renews its lease, only while the row still names it under its term. Params: [...heartbeat, term, holder]. */
export const renewLease = (at: HeartbeatExpression) =>
  statement<SqlValue[]>(
    `UPDATE leadJobCoordinators SET lastHeartbeatAt = ${at}
         WHERE id = 1 AND term = ? AND jobCoordinatorId = ?`,
  );

/** A graceful stop frees the lease, keeping its term and heartbeat. Params: [term, holder]. */
export const RELEASE_LEASE = statement<[term: number, holder: string]>(
  'UPDATE leadJobCoordinators SET jobCoordinatorId = NULL WHERE id = 1 AND term = ? AND jobCoordinatorId = ?',
);

// The reference's statements, used only under hazards.

/** Hazard H4: the reference reads the holder without the lock before renewing unconditionally. */
export const SELECT_HOLDER = statement<[], 'jobCoordinatorId'>(
  'SELECT jobCoordinatorId FROM leadJobCoordinators WHERE id = 1',
);

/** Hazard H4: the reference's renewal, which no term guards. Params: [...heartbeat]. */
export const renewLeaseUnfenced = (at: HeartbeatExpression) =>
  statement<SqlValue[]>(`UPDATE leadJobCoordinators SET lastHeartbeatAt = ${at} WHERE id = 1`);

/** Hazard H1: the reference's release writes nulls, which every later election fails to compare. */
export const RELEASE_LEASE_WITH_NULLS = statement<[holder: string]>(
  'UPDATE leadJobCoordinators SET jobCoordinatorId = NULL, lastHeartbeatAt = NULL WHERE id = 1 AND jobCoordinatorId = ?',
);
