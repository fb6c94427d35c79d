import type { SequenceCheck } from './check.js'
import type { Sides, Summary } from './measure.js'

/** One row of an engine's table: a workload measured, or the error that stopped it. */
export interface ReportRow {
  id: string
  title: string
  /** The ratio BENCH.md asks for; null for a row shown for reference only. */
  target: number | null
  seconds: number
  summaries?: Sides<Summary>
  checks?: Sides<SequenceCheck>
  note?: string
  error?: string
}

const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en') : '-')
const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(n < 1 ? 3 : 2) : '-')
const times = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}x` : '-')

/** Fixed-width columns, right-aligned but for the first. */
function line(cells: string[], widths: number[]): string {
  return cells
    .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
    .join(' ')
}

const WIDTHS = [30, 8, 8, 8, 1, 8, 8, 8, 1, 7, 9, 14, 7]

/**
 * Prints one engine's table: ops/s, p50 and p99 for Chatkeep and the baseline; the ratio
 * Chatkeep ÷ baseline of ops/s, which the target is about; and, as a check on noise, the same
 * ratio of the typical operation (baseline p50 ÷ Chatkeep p50).
 */
export function printTable(heading: string, rows: ReportRow[]): void {
  const head1 = line(
    ['', 'Chatkeep', '', '', '|', 'baseline', '', '', '|', 'ratio', 'ratio', '', ''],
    WIDTHS,
  )
  const head2 = line(
    [
      'workload',
      'ops/s',
      'p50 ms',
      'p99 ms',
      '|',
      'ops/s',
      'p50 ms',
      'p99 ms',
      '|',
      'ops/s',
      'at p50',
      'target',
      'time',
    ],
    WIDTHS,
  )
  const lines = ['', heading, head1, head2, '-'.repeat(head2.length)]
  for (const row of rows) {
    const name = `${row.id} ${row.title}`
    const time = `${row.seconds.toFixed(1)} s`
    if (row.summaries === undefined) {
      lines.push(`${name.padEnd(WIDTHS[0]!)} error: ${row.error ?? 'unknown'} (${time})`)
      continue
    }
    const { chatkeep: c, baseline: b } = row.summaries
    const ratio = c.ops_per_sec / b.ops_per_sec
    const verdict =
      row.target === null
        ? '(reference)'
        : `>=${row.target}x ${ratio >= row.target ? 'met' : 'MISSED'}`
    lines.push(
      line(
        [
          name,
          int(c.ops_per_sec),
          ms(c.p50_ms),
          ms(c.p99_ms),
          '|',
          int(b.ops_per_sec),
          ms(b.p50_ms),
          ms(b.p99_ms),
          '|',
          times(ratio),
          times(b.p50_ms / c.p50_ms),
          verdict,
          time,
        ],
        WIDTHS,
      ),
    )
  }
  for (const row of rows) {
    if (row.note !== undefined) lines.push(`${row.id} note   ${row.note}`)
  }
  for (const row of rows) {
    if (row.checks === undefined) continue
    const mark = (check: SequenceCheck) => `${check.ok ? 'ok' : 'FAILED'}: ${check.text}`
    lines.push(`${row.id} check  Chatkeep ${mark(row.checks.chatkeep)}`)
    lines.push(`${' '.repeat(row.id.length)} check  baseline ${mark(row.checks.baseline)}`)
  }
  console.log(lines.join('\n'))
}
