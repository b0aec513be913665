/** Plain-text tables and the number formats the bench report uses. */
export type Align = 'left' | 'right';
export interface Column {
  header: string;
  align?: Align;
}

/** Columns padded to their widest cell; numbers read best right-aligned, so that is the default. */
export function table(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (columns[i]!.align === 'left' ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [
    line(columns.map((column) => column.header)),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map(line),
  ].join('\n');
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function count(value: number): string {
  return integer.format(value);
}

export function fixed(value: number, digits: number): string {
  return value.toFixed(digits);
}

/** Virtual durations: ms below a second, seconds above, so both the fixed and the H9 drains read well. */
export function duration(ms: number): string {
  if (ms < 1_000) return `${fixed(ms, 0)} ms`;
  if (ms < 120_000) return `${fixed(ms / 1_000, 1)} s`;
  return `${fixed(ms / 1_000, 1)} s (${fixed(ms / 60_000, 1)} min)`;
}

export function percent(share: number): string {
  return `${fixed(share * 100, 1)}%`;
}

/** SQL text on one line, cut to `width` characters. */
export function abbreviate(sql: string, width: number): string {
  const line = sql.replace(/\s+/g, ' ').trim();
  return line.length <= width ? line : `${line.slice(0, width - 1)}…`;
}

export function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `   ${line}`)
    .join('\n');
}

export function kilobytes(bytes: number): string {
  return `${fixed(bytes / 1_024, 1)} KiB`;
}
