import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, expect, it } from 'vitest'
import {
  compareBaseline,
  type EngineRows,
  readBaseline,
  saveBaseline,
} from '../../bench/baseline-file.js'
import type { ReportRow } from '../../bench/report.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function tempFile(): URL {
  const dir = mkdtempSync(join(tmpdir(), 'chatkeep-baseline-'))
  dirs.push(dir)
  return pathToFileURL(join(dir, 'baseline.json'))
}

const summary = (ops_per_sec: number) => ({ ops: 100, ops_per_sec, p50_ms: 1, p99_ms: 2 })

/** A measured row whose ratio is chatkeep ÷ baseline ops/s. */
const row = (id: string, chatkeep: number, baseline = 100): ReportRow => ({
  id,
  title: `workload ${id}`,
  target: 0.9,
  seconds: 1,
  summaries: { chatkeep: summary(chatkeep), baseline: summary(baseline) },
})

it('--save records each measured ratio and keeps those not run this time', () => {
  const file = tempFile()
  const first: EngineRows[] = [
    { engine: 'sqlite', rows: [row('W1', 90), row('W2', 95)] },
    { engine: 'postgres', rows: [row('W1', 100)] },
  ]
  expect(saveBaseline(first, { quick: false }, file)).toBe(3)
  // A later run of W2 alone, and a workload that failed: W1 keeps its saved ratio.
  const failed: ReportRow = { id: 'W1', title: 'append', target: 0.9, seconds: 1, error: 'boom' }
  saveBaseline([{ engine: 'sqlite', rows: [row('W2', 80), failed] }], { quick: true }, file)
  const saved = readBaseline(file)
  expect(Object.keys(saved.ratios)).toEqual(['postgres W1', 'sqlite W1', 'sqlite W2'])
  expect(saved.ratios['sqlite W1']).toMatchObject({ ratio: 0.9, quick: false })
  expect(saved.ratios['sqlite W2']).toMatchObject({ ratio: 0.8, quick: true })
  expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(saved)
})

it('--compare reports a workload more than 10 % below its saved ratio, and only that', () => {
  const file = tempFile()
  saveBaseline(
    [{ engine: 'sqlite', rows: [row('W1', 100), row('W2', 100)] }],
    { quick: false },
    file,
  )
  const now: EngineRows[] = [
    { engine: 'sqlite', rows: [row('W1', 89), row('W2', 91), row('W9', 50)] },
  ]
  const comparisons = compareBaseline(now, readBaseline(file))
  expect(comparisons.map((c) => [c.key, c.regressed])).toEqual([
    ['sqlite W1', true],
    ['sqlite W2', false],
    ['sqlite W9', false],
  ])
  expect(comparisons[0]!.change).toBeCloseTo(-0.11, 5)
  expect(comparisons[2]).toMatchObject({ saved: undefined, now: 0.5 })
})

it('compares with nothing when no baseline was saved yet', () => {
  expect(readBaseline(tempFile())).toEqual({ ratios: {} })
})
