import { performance } from 'node:perf_hooks'
import BetterSqlite3 from 'better-sqlite3'
import pg from 'pg'
import { openStore } from '../src/index.js'
import { createBenchDatabase } from './databases.js'
import { Recorder, summarize } from './measure.js'
import type { BenchOptions, EngineName } from './options.js'
import type { ReportRow } from './report.js'

/**
 * W8, live replies: `streams` answers streaming at once, `deltas` deltas each, through the
 * library (appendDelta awaited one after another per stream, then finish), checking that every
 * stored answer is exactly what was sent. The baseline is the raw driver storing each delta as it
 * comes (one `content = content || ?` UPDATE, committed on its own) on the same database, for a
 * tenth of the deltas per stream: writing every delta durably is what checkpoints save, and at
 * the full count it would run for minutes. The row is for reference (BENCH.md: W8 reported).
 */
export async function runStreams(engine: EngineName, options: BenchOptions): Promise<ReportRow> {
  const streams = options.quick ? 20 : 100
  const deltas = options.quick ? 200 : 1000
  const baselineDeltas = Math.max(10, deltas / 10)
  const started = performance.now()
  const database = await createBenchDatabase(engine, options.pg_admin_url)
  const store = await openStore({ database_url: database.url, migrate: true })
  try {
    const user = await store.users.create({ username: 'bench-streams' })
    const startAll = () =>
      Promise.all(
        Array.from({ length: streams }, async () => {
          const chat = await store.conversations.create({ user_id: user.id })
          return store.messages.start(chat.id, { role: 'assistant' })
        }),
      )
    const delta = (s: number, d: number) => `s${s}d${d} token `

    const mine = await startAll()
    const chatkeep = new Recorder()
    const latencies: number[] = []
    const t0 = performance.now()
    await Promise.all(
      mine.map(async (message, s) => {
        for (let d = 0; d < deltas; d++) {
          const at = performance.now()
          await store.messages.appendDelta(message.id, { content: delta(s, d) })
          latencies.push(performance.now() - at)
        }
        await store.messages.finish(message.id)
      }),
    )
    chatkeep.addPass(latencies, performance.now() - t0)
    let wrong = 0
    for (const [s, message] of mine.entries()) {
      const expected = Array.from({ length: deltas }, (_, d) => delta(s, d)).join('')
      if ((await store.messages.get(message.id)).content !== expected) wrong++
    }

    const theirs = await startAll()
    const raw = await rawAppender(engine, database.url)
    const baseline = new Recorder()
    const rawLatencies: number[] = []
    const t1 = performance.now()
    try {
      await Promise.all(
        theirs.map(async (message, s) => {
          for (let d = 0; d < baselineDeltas; d++) {
            const at = performance.now()
            await raw.append(message.id, delta(s, d))
            rawLatencies.push(performance.now() - at)
          }
        }),
      )
      baseline.addPass(rawLatencies, performance.now() - t1)
    } finally {
      await raw.close()
    }
    return {
      id: 'W8',
      title: `${streams} streams × ${deltas} deltas`,
      target: null,
      seconds: (performance.now() - started) / 1000,
      summaries: { chatkeep: summarize(chatkeep), baseline: summarize(baseline) },
      note:
        `stored content ${wrong === 0 ? 'identical to what was sent' : `WRONG in ${wrong} of ${streams} answers`}; ` +
        `baseline: the raw driver committing each delta (${baselineDeltas} per stream)`,
    }
  } finally {
    await store.close()
    await database.drop()
  }
}

/** The raw driver appending one delta per committed statement, on its own connection(s). */
async function rawAppender(engine: EngineName, url: string) {
  const text = `update messages set content = content || $1 where id = $2`
  if (engine === 'postgres') {
    const pool = new pg.Pool({ connectionString: url, max: 10 })
    // A connection still opening as the pool ends is cut when the database is dropped: no error.
    pool.on('error', () => {})
    return {
      append: async (id: string, delta: string) => {
        await pool.query({ name: 'w8_delta', text, values: [delta, id] })
      },
      close: () => pool.end(),
    }
  }
  const db = new BetterSqlite3(url, { timeout: 5000 })
  db.pragma('journal_mode = WAL')
  const update = db.prepare('update messages set content = content || ? where id = ?')
  return {
    append: async (id: string, delta: string) => {
      update.run(delta, id)
    },
    close: async () => db.close(),
  }
}
