/**
 * The coordinator's statements number their parameters SQLite's way, `?` in order; PostgreSQL numbers
 * them `$1, $2, ...`. This turns one into the other, leaving string literals ('...'), quoted identifiers
 * ("...") and dollar-quoted bodies ($tag$...$tag$, a trigger's function) alone.
 */
export function numberPlaceholders(sql: string): string {
  let out = '';
  let next = 1;
  let i = 0;
  while (i < sql.length) {
    const char = sql[i]!;
    if (char === "'" || char === '"') {
      const end = closingQuote(sql, i, char);
      out += sql.slice(i, end);
      i = end;
    } else if (char === '$') {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i))?.[0];
      const end = tag === undefined ? -1 : sql.indexOf(tag, i + tag.length);
      if (tag === undefined || end < 0) {
        out += char;
        i += 1;
      } else {
        out += sql.slice(i, end + tag.length);
        i = end + tag.length;
      }
    } else if (char === '?') {
      out += `$${next++}`;
      i += 1;
    } else {
      out += char;
      i += 1;
    }
  }
  return out;
}

/** The index just past the quote that closes the one at `start` (a doubled quote is an escaped one). */
function closingQuote(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i += 1;
    }
  }
  return sql.length;
}
