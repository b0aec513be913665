import initSqlJs, { type SqlJsStatic } from 'sql.js';
import wasmUrl from 'sql.js/dist/sql-wasm-browser.wasm?url';

/**
 * The absolute address of sql.js's wasm, as built by Vite. Workers need it absolute: a relative one would
 * resolve against the worker's own file.
 */
export function sqlWasmUrl(): string {
  return new URL(wasmUrl, location.href).href;
}

/** Loads sql.js in this page or worker from an absolute wasm address. */
export function loadBrowserSqlJs(url: string = sqlWasmUrl()): Promise<SqlJsStatic> {
  return initSqlJs({ locateFile: () => url });
}
