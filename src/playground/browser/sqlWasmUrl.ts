import wasmUrl from 'sql.js/dist/sql-wasm-browser.wasm?url';

/**
 * The absolute address of sql.js's wasm, as built by Vite. Workers need it absolute: a relative one would
 * resolve against the worker's own file. A module of its own, apart from sql.js's loader, so that the page,
 * which only hands the address to its workers, does not carry the loader (17 KiB gzipped).
 */
export function sqlWasmUrl(): string {
  return new URL(wasmUrl, location.href).href;
}
