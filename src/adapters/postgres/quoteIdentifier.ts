/** A name as a quoted PostgreSQL identifier: kept exactly as spelled (case, dots), quotes doubled. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
