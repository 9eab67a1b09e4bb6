// Plain text tables for the terminal: aligned columns, a header, no borders (easy to read, easy to grep).

export type Cell = string | number | boolean | null | undefined;

const show = (v: Cell) =>
  v === null || v === undefined || v === '' ? '–' : v === true ? 'yes' : v === false ? 'no' : String(v);

/** Columns in the order given; each column as wide as its widest cell. */
export function table(header: string[], rows: Cell[][]): string {
  const cells = [header, ...rows.map((r) => r.map(show))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : (c ?? '').padEnd(widths[i]))).join('  '))
    .join('\n');
}

/** Label / value lines, labels aligned. */
export function fields(pairs: [string, Cell][]): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${k.padEnd(width)}  ${show(v)}`).join('\n');
}
