/** A cell: text is left-aligned, a number right-aligned with thousands separators; null is `-`. */
export type Cell = string | number | null

/**
 * Aligned columns under a header and a rule, for people reading a terminal; scripts get `--json`.
 * @example
 * renderTable(['table', 'rows'], [['users', 3], ['messages', 1200]])
 * // table     rows
 * // --------  -----
 * // users         3
 * // messages  1,200
 */
export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly Cell[])[],
): string {
  const text = rows.map((row) => row.map(format))
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...text.map((row) => row[i]?.length ?? 0)),
  )
  // A column of numbers (a null among them prints `-`) is right-aligned, header and all.
  const numeric = headers.map(
    (_, i) =>
      rows.some((row) => typeof row[i] === 'number') &&
      rows.every((row) => row[i] === null || typeof row[i] === 'number'),
  )
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...text.map(line)].join('\n')
}

function format(cell: Cell): string {
  if (cell === null) return '-'
  return typeof cell === 'number' ? cell.toLocaleString('en-US') : cell
}
