import initSqlJs, { type SqlJsStatic } from 'sql.js';
import { sqlWasmUrl } from './sqlWasmUrl';

export { sqlWasmUrl };

/** Loads sql.js in this page or worker from an absolute wasm address. */
export function loadBrowserSqlJs(url: string = sqlWasmUrl()): Promise<SqlJsStatic> {
  return initSqlJs({ locateFile: () => url });
}
