/**
 * Loads sql.js in Node, once per process.
 *
 * A browser build cannot use this (it imports the wasm through the bundler and passes its own `sqlJs` to
 * `SharedSqlJsDatabase.open`). `node:module` is therefore imported only when `loadSqlJs` runs, so this file
 * can sit in a module graph that a browser also loads without breaking it.
 */

import type { SqlJsModule } from './sqlJsModule.js';

let loading: Promise<SqlJsModule> | undefined;

/** Resolves to the sql.js module; the first call costs ~50 ms, later ones share the same promise. */
export function loadSqlJs(): Promise<SqlJsModule> {
  loading ??= initialise().catch((error: unknown) => {
    loading = undefined; // let a later call try again rather than cache the failure
    throw error;
  });
  return loading;
}

async function initialise(): Promise<SqlJsModule> {
  const { createRequire } = await import('node:module');
  const require = createRequire(import.meta.url);
  const initSqlJs = require('sql.js') as (config: { locateFile: () => string }) => Promise<SqlJsModule>;
  return initSqlJs({ locateFile: () => require.resolve('sql.js/dist/sql-wasm.wasm') });
}
