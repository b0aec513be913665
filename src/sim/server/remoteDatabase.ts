import type { Database, Row, SqlParams, Transaction } from '../../core/ports.js';
import { fromWireError, type FromServer, type ToServer } from './protocol.js';

type Pending = { resolve: (value: { rows: Row[]; changes: number }) => void; reject: (error: Error) => void };

interface OpenLock {
  granted: () => void;
  done: (error: Error | undefined) => void;
}

/**
 * The Database port inside a simulated server: every statement, lock and notification is a request to
 * the conductor, which runs it against the shared sql.js database and answers when it decides.
 */
export class RemoteDatabase implements Database {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly locks = new Map<number, OpenLock>();
  private readonly listeners = new Map<string, Set<() => void>>();

  constructor(private readonly send: (message: FromServer) => void) {}

  query(sql: string, params: SqlParams = []): Promise<Row[]> {
    return this.statement('query', sql, params, null).then((result) => result.rows);
  }

  run(sql: string, params: SqlParams = []): Promise<{ changes: number }> {
    return this.statement('run', sql, params, null).then((result) => ({ changes: result.changes }));
  }

  notify(channel: string): Promise<void> {
    return this.notifyIn(channel, null);
  }

  async lock<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    const id = this.nextId++;
    let granted!: () => void;
    let done!: (error: Error | undefined) => void;
    const grant = new Promise<void>((resolve) => (granted = resolve));
    const finished = new Promise<Error | undefined>((resolve) => (done = resolve));
    this.locks.set(id, { granted, done });
    this.send({ kind: 'lock', id });
    // The database may fail the lock before granting it (busy timeout, connection lost).
    const early = await Promise.race([grant.then(() => undefined), finished]);
    if (early) {
      this.locks.delete(id);
      throw early;
    }
    let open = true;
    const guard = () => {
      if (!open) throw new Error('transaction used after its lock() callback ended');
    };
    const tx: Transaction = {
      query: (sql, params = []) => (guard(), this.statement('query', sql, params, id).then((r) => r.rows)),
      run: (sql, params = []) => (
        guard(),
        this.statement('run', sql, params, id).then((r) => ({ changes: r.changes }))
      ),
      notify: (channel) => (guard(), this.notifyIn(channel, id)),
    };
    let outcome: { ok: true; value: T } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, value: await fn(tx) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    open = false;
    this.send({ kind: 'unlock', id, outcome: outcome.ok ? 'commit' : 'rollback' });
    const error = await finished;
    this.locks.delete(id);
    // The caller's own error comes first; a commit that failed on the database side comes next.
    if (!outcome.ok) throw outcome.error;
    if (error) throw error;
    return outcome.value;
  }

  listen(channel: string, callback: () => void): () => void {
    let callbacks = this.listeners.get(channel);
    if (!callbacks) {
      callbacks = new Set();
      this.listeners.set(channel, callbacks);
      this.send({ kind: 'listen', channel });
    }
    callbacks.add(callback);
    return () => {
      const current = this.listeners.get(channel);
      if (!current?.delete(callback) || current.size > 0) return;
      this.listeners.delete(channel);
      this.send({ kind: 'unlisten', channel });
    };
  }

  /** Routes the conductor's answers. Returns false for a message that is not the database's. */
  handle(message: ToServer): boolean {
    switch (message.kind) {
      case 'sqlResult':
        this.settle(message.id)?.resolve({ rows: message.rows, changes: message.changes });
        return true;
      case 'sqlError':
        this.settle(message.id)?.reject(fromWireError(message.error));
        return true;
      case 'lockGranted':
        this.locks.get(message.id)?.granted();
        return true;
      case 'lockDone':
        this.locks.get(message.id)?.done(message.error ? fromWireError(message.error) : undefined);
        return true;
      case 'notified':
        for (const callback of [...(this.listeners.get(message.channel) ?? [])]) callback();
        return true;
      default:
        return false;
    }
  }

  private statement(op: 'query' | 'run', sql: string, params: SqlParams, lock: number | null) {
    const id = this.nextId++;
    return new Promise<{ rows: Row[]; changes: number }>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.send({ kind: 'sql', id, op, sql, params: [...params], lock });
    });
  }

  private notifyIn(channel: string, lock: number | null): Promise<void> {
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve: () => resolve(), reject });
      this.send({ kind: 'notify', id, channel, lock });
    });
  }

  private settle(id: number): Pending | undefined {
    const entry = this.pending.get(id);
    this.pending.delete(id);
    return entry;
  }
}
