import { resolve } from 'node:path';
import { DatabaseBusyError } from '../errors.js';

/**
 * One FIFO turn per SQLite file within this process, that every connection to the file waits for before
 * a transaction or a statement.
 *
 * SQLite's own busy timeout waits by sleeping the thread. Two connections in one Node process would
 * deadlock on it: the one waiting for the write lock blocks the event loop, so the transaction holding it
 * (waiting on a promise) can never commit. So within a process connections take turns here, with the
 * busy timeout as the longest wait, and SQLite's busy timeout is left to waits on other processes.
 */
export class ProcessGate {
  private holder: string | undefined;
  private readonly waiting: { who: string; grant: () => void }[] = [];

  /** Waits for the turn; resolves to its release. Fails after `timeoutMs` naming who held it. */
  acquire(who: string, timeoutMs: number): Promise<() => void> {
    return new Promise((grantRelease, reject) => {
      const started = Date.now();
      const entry = {
        who,
        grant: () => {
          clearTimeout(timer);
          this.holder = who;
          let released = false;
          grantRelease(() => {
            if (released) return;
            released = true;
            this.holder = undefined;
            this.waiting.shift()?.grant();
          });
        },
      };
      const timer = setTimeout(() => {
        const at = this.waiting.indexOf(entry);
        if (at < 0) return;
        this.waiting.splice(at, 1);
        const holder = this.holder;
        const waitedFor =
          holder === who
            ? 'its own transaction (inside lock(), run statements through the tx handle, not the connection)'
            : `the lock held by "${holder ?? 'nobody'}" in this process`;
        reject(new DatabaseBusyError(who, Date.now() - started, waitedFor));
      }, timeoutMs);
      if (this.holder === undefined && this.waiting.length === 0) entry.grant();
      else this.waiting.push(entry);
    });
  }
}

const gates = new Map<string, ProcessGate>();

/** The gate of one file, shared by every connection to it in this process. */
export function gateOf(path: string): ProcessGate {
  const key = resolve(path);
  let gate = gates.get(key);
  if (!gate) {
    gate = new ProcessGate();
    gates.set(key, gate);
  }
  return gate;
}
