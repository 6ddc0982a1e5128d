export interface Table {
  columns: string[]
  rows: (string | number)[][]
}

/** A fixed-width text table for the terminal. */
export function textTable({ columns, rows }: Table): string {
  const cells = [columns, ...rows.map((row) => row.map(String))]
  const widths = columns.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)))
  const line = (row: string[]) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')
  return [line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n')
}

/** The same table as GitHub markdown. */
export function markdownTable({ columns, rows }: Table): string {
  const line = (row: (string | number)[]) => `| ${row.join(' | ')} |`
  return [line(columns), line(columns.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join(
    '\n',
  )
}
