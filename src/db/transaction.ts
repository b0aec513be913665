/**
 * One `lock()` transaction while it holds the database: its state, its pending notifications, and the
 * `tx` handle its callback gets.
 *
 * The handle is a separate frozen object so that the callback sees only `query`, `run` and `notify`, and
 * checks the state on every call: a `tx` kept past its callback, or used after its connection was severed,
 * must fail loudly instead of writing outside any transaction.
 */

import type { SqlParams, Transaction } from '../core/ports.js';
import { attempt } from './attempt.js';
import {
  ConnectionLostError,
  DatabaseClosedError,
  TransactionEndedError,
  TransactionTimeoutError,
} from './errors.js';
import type { LockTicket } from './lockQueue.js';
import type { SqlJsConnection } from './sqlJsConnection.js';
import type { SqlRunner } from './sqlRunner.js';

/**
 * - `active`: holds the lock, statements run;
 * - `committed` / `rolledBack`: ended normally;
 * - `lost`: rolled back because the connection was severed;
 * - `timedOut`: rolled back because it held the lock past the transaction timeout;
 * - `closed`: the database was closed under it.
 */
export type TransactionState = 'active' | 'committed' | 'rolledBack' | 'lost' | 'timedOut' | 'closed';

export class OpenTransaction {
  readonly handle: Transaction;
  private currentState: TransactionState = 'active';
  private lostReason = '';
  /** A Set: like Postgres, notifying one channel twice in a transaction wakes its listeners once. */
  private readonly channels = new Set<string>();
  /** Cancels the transaction-timeout timer; set by the database when it grants the lock. */
  cancelTimeout: () => void = () => {};
  timeoutMs = 0;

  constructor(
    readonly connection: SqlJsConnection,
    readonly ticket: LockTicket<SqlJsConnection>,
    runner: SqlRunner,
  ) {
    const name = connection.name;
    this.handle = Object.freeze({
      query: (sql: string, params: SqlParams = []) =>
        attempt(() => {
          this.assertActive();
          return runner.query(sql, params, 'transaction', name);
        }),
      run: (sql: string, params: SqlParams = []) =>
        attempt(() => {
          this.assertActive();
          return runner.run(sql, params, 'transaction', name);
        }),
      notify: (channel: string) =>
        attempt(() => {
          this.assertActive();
          this.channels.add(channel);
        }),
    });
  }

  get state(): TransactionState {
    return this.currentState;
  }

  /** Ends the transaction and returns the channels to notify: those of a commit, none otherwise. */
  end(state: Exclude<TransactionState, 'active'>, lostReason = ''): string[] {
    this.cancelTimeout();
    this.currentState = state;
    this.lostReason = lostReason;
    const channels = state === 'committed' ? [...this.channels] : [];
    this.channels.clear();
    return channels;
  }

  /** The error a caller gets for this transaction once it is no longer active for a reason of its own. */
  endedError(): Error {
    const name = this.connection.name;
    switch (this.currentState) {
      case 'lost':
        return new ConnectionLostError(name, this.lostReason);
      case 'closed':
        return new DatabaseClosedError(name);
      case 'timedOut':
        return new TransactionTimeoutError(name, this.timeoutMs);
      case 'committed':
        return new TransactionEndedError(name, 'committed');
      default:
        return new TransactionEndedError(name, 'rolled back');
    }
  }

  private assertActive(): void {
    if (this.currentState !== 'active') throw this.endedError();
  }
}
