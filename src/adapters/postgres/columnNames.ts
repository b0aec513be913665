import { TABLES, type Row } from '../../core/index.js';

/**
 * PostgreSQL folds unquoted names to lower case, so `RETURNING claimToken` comes back as `claimtoken`.
 * The coordinator's statements name columns unquoted (one text for both dialects), and its code reads
 * them by their own spelling, so each row's keys are given back that spelling: every column of the
 * distributed mode's tables (`TABLES`). A name that is not one of them (an alias such as `now`) is already
 * lower case and passes unchanged.
 */
const SPELLING: ReadonlyMap<string, string> = new Map(
  TABLES.flatMap(({ columns }) => Object.keys(columns).map((column) => [column.toLowerCase(), column])),
);

export function withCoordinatorSpelling(row: Record<string, unknown>): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(row)) out[SPELLING.get(key) ?? key] = value as Row[string];
  return out;
}
