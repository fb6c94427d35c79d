import { cpus } from 'node:os'
import { performance } from 'node:perf_hooks'
import { openStore, type Store } from '../src/index.js'
import { postgresBaseline } from './baseline-postgres.js'
import { sqliteBaseline } from './baseline-sqlite.js'
import {
  BASELINE_FILE,
  compareBaseline,
  type EngineRows,
  printComparison,
  readBaseline,
  saveBaseline,
} from './baseline-file.js'
import { chatkeepSubject } from './chatkeep.js'
import { createBenchDatabase } from './databases.js'
import { describeEngine } from './engine.js'
import { runFeed } from './feed.js'
import { runHttp } from './http.js'
import { onEachDatabase } from './seed.js'
import { type BenchOptions, type EngineName, readOptions, type WorkloadId } from './options.js'
import { printTable, type ReportRow } from './report.js'
import { runSimilarity } from './similarity.js'
import type { Subject } from './subject.js'
import { runStreams } from './streams.js'
import { runTree } from './tree.js'
import { WORKLOADS } from './workloads.js'

/**
 * `npm run bench`: BENCH.md's workloads W1–W5 and W7–W10 on each engine, Chatkeep beside the raw driver (or,
 * for W5's reads, the no-work ceiling) in the same run, one table per engine. It reports; it
 * never fails. BENCH_WORKLOADS=W5 (say) runs some of them only.
 */

/** Opens the engine's databases: on SQLite one file per side, on PostgreSQL one shared. */
async function openDatabases(engine: EngineName, options: BenchOptions) {
  const chatkeep = await createBenchDatabase(engine, options.pg_admin_url)
  const databases = { chatkeep, baseline: chatkeep }
  if (engine === 'sqlite')
    databases.baseline = await createBenchDatabase(engine, options.pg_admin_url)
  return databases
}

/** W1–W4 on one engine: their rows, and the engine as Chatkeep's store describes it. */
async function runDirect(
  engine: EngineName,
  options: BenchOptions,
): Promise<{ heading: string; rows: ReportRow[] }> {
  const databases = await openDatabases(engine, options)
  const opened: Store[] = []
  // Only Chatkeep's own store takes BENCH_MESSAGE_SEARCH; the baseline's schema keeps its trigger.
  const open = async (url: string) => {
    const message_search = url === databases.chatkeep.url ? options.message_search : 'immediate'
    const store = await openStore({
      database_url: url,
      migrate: true,
      message_search,
      sqlite_synchronous: options.sqlite_synchronous,
    })
    opened.push(store)
    return store
  }
  let baseline: Subject | undefined
  try {
    const chatkeepStore = await open(databases.chatkeep.url)
    const stores = {
      chatkeep: chatkeepStore,
      baseline:
        databases.baseline === databases.chatkeep
          ? chatkeepStore
          : await open(databases.baseline.url),
    }
    const { heading, synchronous } = await describeEngine(stores.chatkeep)
    baseline =
      engine === 'sqlite'
        ? sqliteBaseline(databases.baseline.url, synchronous)
        : postgresBaseline(databases.baseline.url, options.counts.w4_clients)
    const ctx = {
      stores,
      subjects: {
        chatkeep: chatkeepSubject(
          stores.chatkeep,
          options.audit_actor ? { via: 'bench', os_user: 'bench' } : undefined,
        ),
        baseline,
      },
      counts: options.counts,
      users: await onEachDatabase(
        stores,
        async (store) => (await store.users.create({ username: 'bench' })).id,
      ),
    }
    const rows: ReportRow[] = []
    for (const workload of WORKLOADS) {
      if (!options.workloads.includes(workload.id)) continue
      const started = performance.now()
      const row = {
        id: workload.id,
        title: workload.title(options.counts),
        target: workload.target(engine),
      }
      try {
        const measured = await workload.run(ctx)
        rows.push({ ...row, ...measured, seconds: (performance.now() - started) / 1000 })
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error)
        rows.push({ ...row, error: message, seconds: (performance.now() - started) / 1000 })
      }
      process.stdout.write(
        `  ${engine} ${workload.id} done in ${rows.at(-1)!.seconds.toFixed(1)} s\n`,
      )
    }
    return { heading, rows }
  } finally {
    await baseline?.close().catch(() => {})
    for (const store of opened) await store.close().catch(() => {})
    for (const database of new Set([databases.chatkeep, databases.baseline])) {
      await database.drop().catch((error: unknown) => {
        console.log(`could not drop a ${engine} bench database: ${String(error)}`)
      })
    }
  }
}

/** Workloads that set up a database of their own; a failure is reported in its row. */
const STANDALONE: {
  id: WorkloadId
  title: string
  run: (engine: EngineName, options: BenchOptions) => Promise<ReportRow[]>
}[] = [
  { id: 'W7', title: 'tree', run: async (e, o) => [await runTree(e, o)] },
  { id: 'W8', title: 'live replies', run: async (e, o) => [await runStreams(e, o)] },
  { id: 'W9', title: 'similarity', run: runSimilarity },
  { id: 'W10', title: 'change feed', run: async (e, o) => [await runFeed(e, o)] },
]

async function runEngine(engine: EngineName, options: BenchOptions): Promise<ReportRow[]> {
  let heading: string | undefined
  const rows: ReportRow[] = []
  if (WORKLOADS.some((w) => options.workloads.includes(w.id))) {
    const direct = await runDirect(engine, options)
    heading = direct.heading
    rows.push(...direct.rows)
  }
  if (options.workloads.includes('W5')) {
    const started = performance.now()
    try {
      const http = await runHttp(engine, options)
      heading ??= http.heading
      rows.push(...http.rows)
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      const seconds = (performance.now() - started) / 1000
      rows.push({ id: 'W5', title: 'HTTP', target: null, error: message, seconds })
    }
  }
  for (const workload of STANDALONE) {
    if (!options.workloads.includes(workload.id)) continue
    const started = performance.now()
    try {
      rows.push(...(await workload.run(engine, options)))
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      const seconds = (performance.now() - started) / 1000
      rows.push({ id: workload.id, title: workload.title, target: null, error: message, seconds })
    }
  }
  printTable(heading ?? engine, rows)
  return rows
}

async function main(): Promise<void> {
  const options = readOptions()
  const c = options.counts
  console.log(
    `Chatkeep bench (${options.quick ? 'quick' : 'full'}): node ${process.version}, ${cpus().length} cores; ` +
      `W1 ${c.w1_conversations}×${c.w1_messages}, W2 ${c.w2_reads} reads, W3 ${c.w3_lists} lists, ` +
      `W4 ${c.w4_clients} clients × ${c.w4_messages / c.w4_clients}, ` +
      `W5 ${c.w5_connections} connections × ${c.w5_duration_s} s; ` +
      `workloads ${options.workloads.join(', ') || 'none'}.`,
  )
  console.log(
    `W1–W3: ${c.passes} passes, Chatkeep and the baseline taking turns operation by operation; ` +
      `W4: ${c.w4_runs} runs per side, taking turns.\n` +
      'ops/s is the median pass (or run); p50 and p99 are over every operation; ' +
      'ratio = Chatkeep ops/s ÷ baseline ops/s in this run (the target is about it); ' +
      'ratio at p50 = baseline p50 ÷ Chatkeep p50, a check on noise. ' +
      'W5: ops/s = requests answered 2xx per second.',
  )
  if (options.audit_actor) {
    console.log('BENCH_AUDIT_ACTOR: Chatkeep reads through store.as(actor), each read audited.')
  }
  if (options.engines.length === 0) console.log('No engine to run (BENCH_ENGINES=sqlite,postgres).')
  const results: EngineRows[] = []
  for (const engine of options.engines) {
    try {
      results.push({ engine, rows: await runEngine(engine, options) })
    } catch (error) {
      console.log(
        `\n${engine}: not measured: ${error instanceof Error ? error.message : String(error)}`,
      )
    }
  }
  keepFigures(options, results)
}

/** `--compare` against the figures saved before this run; then `--save` records this run's. */
function keepFigures(options: BenchOptions, results: EngineRows[]): void {
  if (options.compare) printComparison(compareBaseline(results, readBaseline()))
  if (options.save) {
    const recorded = saveBaseline(results, { quick: options.quick })
    console.log(`\nSaved ${recorded} workload ratio(s) to ${BASELINE_FILE.pathname}.`)
  }
}

await main()
