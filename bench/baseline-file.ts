import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import type { EngineName } from './options.js'
import type { ReportRow } from './report.js'

/**
 * bench/baseline.json: each workload's ratio (Chatkeep ÷ its baseline, from one run) as last
 * saved with `npm run bench -- --save`, so that `--compare` shows a later change that lost
 * ground in one command. Ratios, not ops/s: they hold from machine to machine far better. A
 * comparison reports; it never fails the run.
 */

export const BASELINE_FILE = new URL('./baseline.json', import.meta.url)

/** How far below the saved ratio a workload may fall before it is reported (10 %). */
export const REGRESSION = 0.1

export interface SavedRatio {
  ratio: number
  title: string
  saved_at: string
  node: string
  quick: boolean
}

export interface BaselineFile {
  /** `<engine> <workload id>`, e.g. `sqlite W2`. */
  ratios: Record<string, SavedRatio>
}

export interface EngineRows {
  engine: EngineName
  rows: ReportRow[]
}

/** The ratio a row measured, or undefined for a row that failed. */
export function ratioOf(row: ReportRow): number | undefined {
  if (row.summaries === undefined) return undefined
  const ratio = row.summaries.chatkeep.ops_per_sec / row.summaries.baseline.ops_per_sec
  return Number.isFinite(ratio) ? ratio : undefined
}

export function readBaseline(file: URL = BASELINE_FILE): BaselineFile {
  if (!existsSync(file)) return { ratios: {} }
  return JSON.parse(readFileSync(file, 'utf8')) as BaselineFile
}

/**
 * Records the ratio of every workload measured in this run; those not run this time keep what
 * was saved before. Returns how many were recorded.
 */
export function saveBaseline(
  results: EngineRows[],
  context: { quick: boolean; now?: Date },
  file: URL = BASELINE_FILE,
): number {
  const saved = readBaseline(file)
  const saved_at = (context.now ?? new Date()).toISOString()
  let recorded = 0
  for (const { engine, rows } of results) {
    for (const row of rows) {
      const ratio = ratioOf(row)
      if (ratio === undefined) continue
      saved.ratios[`${engine} ${row.id}`] = {
        ratio: Number(ratio.toFixed(4)),
        title: row.title,
        saved_at,
        node: process.version,
        quick: context.quick,
      }
      recorded++
    }
  }
  const sorted = Object.fromEntries(
    Object.entries(saved.ratios).sort(([a], [b]) => a.localeCompare(b)),
  )
  writeFileSync(file, `${JSON.stringify({ ratios: sorted }, null, 2)}\n`)
  return recorded
}

export interface Comparison {
  key: string
  title: string
  saved: number | undefined
  now: number | undefined
  /** now ÷ saved − 1: −0.12 is 12 % below. */
  change: number | undefined
  regressed: boolean
}

/** This run's ratios beside the saved ones; a workload more than 10 % below is `regressed`. */
export function compareBaseline(results: EngineRows[], baseline: BaselineFile): Comparison[] {
  const out: Comparison[] = []
  for (const { engine, rows } of results) {
    for (const row of rows) {
      const key = `${engine} ${row.id}`
      const saved = baseline.ratios[key]?.ratio
      const now = ratioOf(row)
      const change = saved === undefined || now === undefined ? undefined : now / saved - 1
      out.push({
        key,
        title: row.title,
        saved,
        now,
        change,
        regressed: change !== undefined && change < -REGRESSION,
      })
    }
  }
  return out
}

const ratioText = (n: number | undefined) => (n === undefined ? '-' : `${n.toFixed(2)}x`)

export function printComparison(comparisons: Comparison[]): void {
  const lines = [
    '',
    `Compared with ${BASELINE_FILE.pathname} (a drop of more than 10 % is reported):`,
  ]
  for (const c of comparisons) {
    const change =
      c.change === undefined ? '' : `${c.change >= 0 ? '+' : ''}${(c.change * 100).toFixed(1)} %`
    const verdict =
      c.saved === undefined
        ? 'not in the baseline'
        : c.now === undefined
          ? 'not measured this run'
          : c.regressed
            ? 'REGRESSED'
            : 'ok'
    lines.push(
      `  ${c.key.padEnd(14)} ${c.title.slice(0, 34).padEnd(34)} saved ${ratioText(c.saved).padStart(7)}  now ${ratioText(c.now).padStart(7)}  ${change.padStart(8)}  ${verdict}`,
    )
  }
  const regressed = comparisons.filter((c) => c.regressed)
  lines.push(
    regressed.length === 0
      ? 'No workload is more than 10 % below its baseline.'
      : `${regressed.length} workload(s) more than 10 % below the baseline: ${regressed.map((c) => c.key).join(', ')}.`,
  )
  console.log(lines.join('\n'))
}
