/**
 * Runs `work` now and reports its outcome as a promise.
 *
 * The SqlExecutor methods are promise-shaped but run synchronously when they may run at once. A synchronous
 * throw would escape callers that write `db.run(...).catch(...)`, so every error becomes a rejection.
 */
export function attempt<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
