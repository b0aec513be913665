import type { Database, LockOptions, Transaction } from '../ports.js';

export type Locked = <T>(fn: (tx: Transaction) => Promise<T>, options?: LockOptions) => Promise<T>;

/**
 * How one server takes the database lock.
 *
 * Fixed: straight to the database, whose queue is first come first served and hands every caller its
 * own outcome. Hazard H12 puts the reference's in-process mutex in front of it: when the holder throws,
 * every waiter queued behind it on this server fails with the holder's error without running.
 */
export function serverLock(database: Database, waitersInheritErrors: () => boolean): Locked {
  interface Waiter {
    run(): void;
    reject(error: unknown): void;
  }
  let held = false;
  let waiters: Waiter[] = [];
  const next = () => {
    const waiter = waiters.shift();
    if (waiter) waiter.run();
  };
  const release = (failure: { error: unknown } | undefined) => {
    held = false;
    if (failure) {
      const inheriting = waiters;
      waiters = [];
      for (const waiter of inheriting) waiter.reject(failure.error);
    } else {
      next();
    }
  };
  return <T>(fn: (tx: Transaction) => Promise<T>, options?: LockOptions) => {
    // Read at each call, so that the hazard can be switched while running.
    if (!waitersInheritErrors()) return database.lock(fn, options);
    return new Promise<T>((resolve, reject) => {
      waiters.push({
        reject,
        run: () => {
          held = true;
          database.lock(fn, options).then(
            (value) => {
              resolve(value);
              release(undefined);
            },
            (error: unknown) => {
              reject(error);
              release({ error });
            },
          );
        },
      });
      if (!held) next();
    });
  };
}
