/** A Markdown table writer for benchmark results. */

/** Alignment of a column. */
export type Align = 'left' | 'right'

/** One column: its header and alignment (numbers read best right-aligned). */
export interface Column {
  readonly header: string
  readonly align?: Align
}

/** Escapes the characters that would break a table cell (pipes, newlines). */
export function escapeCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')
}

/**
 * A GitHub-flavoured Markdown table; every row must have one cell per column. Cells are padded
 * so the table also reads well as plain text.
 */
export function markdownTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  if (columns.length === 0) throw new Error('markdownTable: expected at least one column, got 0')
  for (const [i, r] of rows.entries()) {
    if (r.length !== columns.length)
      throw new Error(`markdownTable: row ${i}: expected ${columns.length} cells, got ${r.length}`)
  }
  const cells = [columns.map((c) => escapeCell(c.header)), ...rows.map((r) => r.map(escapeCell))]
  const widths = columns.map((_, k) => Math.max(3, ...cells.map((r) => (r[k] as string).length)))
  const line = (r: readonly string[]) =>
    `| ${r
      .map((c, k) =>
        columns[k]?.align === 'right' ? c.padStart(widths[k] as number) : c.padEnd(widths[k] as number),
      )
      .join(' | ')} |`
  const rule = `|${columns
    .map((c, k) =>
      c.align === 'right'
        ? `${'-'.repeat((widths[k] as number) + 1)}:`
        : '-'.repeat((widths[k] as number) + 2),
    )
    .join('|')}|`
  return [line(cells[0] as string[]), rule, ...cells.slice(1).map(line)].join('\n')
}

/** Formats a number for a table: thousands separators, `digits` decimals, "—" when not finite. */
export function fmt(n: number | undefined, digits = 0): string {
  if (n === undefined || !Number.isFinite(n)) return '—'
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}
