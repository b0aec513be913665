/**
 * The statements the shared database's adapter wraps around a `lock()` transaction. Only the adapter runs
 * them (`sqlText.ts` refuses them from callers); the bench reads them here to recognise them.
 */
export const BEGIN_TRANSACTION = 'BEGIN IMMEDIATE';
export const COMMIT_TRANSACTION = 'COMMIT';
export const ROLLBACK_TRANSACTION = 'ROLLBACK';
