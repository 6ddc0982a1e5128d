/** `850ms`, `12.3s`, `4m 05s`: short enough for tables, exact enough to compare machines. */
export function duration(ms: number | null): string {
  if (ms === null) return '–'
  if (ms < 1000) return `${Math.round(ms)}ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`
  const s = Math.round(ms / 1000)
  return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes start with ESC
const ANSI = /\u001b\[[0-9;]*m/g

/** Frameworks colour their diffs; files and other terminals want the plain text. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, '')
}

/** Stack frames of the test runner and Node itself: noise under a test failure, as Vitest and Jest agree. */
const INTERNAL_FRAME = /^\s+at .*(node_modules[\\/]|node:internal|\(<anonymous>\))/

/**
 * A test's failure text without ANSI colour codes (frameworks colour their diffs) and without the runner's own
 * stack frames, trimmed to `maxLines`.
 */
export function failureText(messages: string[], maxLines = Number.POSITIVE_INFINITY): string {
  const lines = stripAnsi(messages.join('\n'))
    .trimEnd()
    .split('\n')
    .filter((line) => !INTERNAL_FRAME.test(line))
  if (lines.length <= maxLines) return lines.join('\n')
  return [...lines.slice(0, maxLines), `… ${lines.length - maxLines} more lines (see --junit / --json)`].join(
    '\n',
  )
}

/** Aligns rows of cells into columns (first column left, the rest right). */
export function table(rows: string[][], indent = '  '): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => stripAnsi(row[i] ?? '').length)))
  return rows
    .map(
      (row) =>
        indent +
        row
          .map((cell, i) => {
            const pad = ' '.repeat(widths[i]! - stripAnsi(cell).length)
            return i === 0 ? cell + pad : pad + cell
          })
          .join('  ')
          .trimEnd(),
    )
    .join('\n')
}
