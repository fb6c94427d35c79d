import { performance } from 'node:perf_hooks'
import BetterSqlite3 from 'better-sqlite3'
import pg from 'pg'
import { openStore } from '../src/index.js'
import { createBenchDatabase } from './databases.js'
import { bySide, interleave, Recorder, repeat, summarize } from './measure.js'
import type { BenchOptions, EngineName } from './options.js'
import type { ReportRow } from './report.js'

const PAGE = 1000

/**
 * W10, the change feed: a reader catching up on 1,000 events (the message.created of 1,000
 * appends) in one page, through `store.events.list`, beside the raw driver running the same
 * select on the same database. Chatkeep's read also numbers events still without a cursor on
 * PostgreSQL (a no-op once the feed is numbered) and decodes each row's JSON.
 */
export async function runFeed(engine: EngineName, options: BenchOptions): Promise<ReportRow> {
  const reads = options.quick ? 50 : 300
  const started = performance.now()
  const database = await createBenchDatabase(engine, options.pg_admin_url)
  const store = await openStore({ database_url: database.url, migrate: true })
  try {
    const user = await store.users.create({ username: 'bench-feed' })
    const chat = await store.conversations.create({ user_id: user.id })
    const from = (await store.events.list({ after: '0', limit: PAGE })).next_cursor
    const batch = Array.from({ length: 100 }, (_, i) => ({
      role: i % 2 === 0 ? ('user' as const) : ('assistant' as const),
      content: `message ${i} of the feed workload`,
    }))
    for (let i = 0; i < PAGE / batch.length; i++) await store.messages.appendMany(chat.id, batch)
    const raw = await rawReader(engine, database.url)
    try {
      const ops = {
        chatkeep: async () => {
          const page = await store.events.list({ after: from, limit: PAGE })
          if (page.data.length !== PAGE) throw new Error(`read ${page.data.length} events`)
        },
        baseline: async () => {
          const rows = await raw.read(from)
          if (rows !== PAGE) throw new Error(`read ${rows} events`)
        },
      }
      await repeat(10, ops.chatkeep)
      await repeat(10, ops.baseline)
      const recorders = bySide(() => new Recorder())
      for (let pass = 0; pass < 3; pass++) await interleave(recorders, reads, ops)
      return {
        id: 'W10',
        title: `change feed: read ${PAGE} events`,
        target: null,
        seconds: (performance.now() - started) / 1000,
        summaries: {
          chatkeep: summarize(recorders.chatkeep),
          baseline: summarize(recorders.baseline),
        },
        note: 'ops/s = pages of 1,000 events per second; baseline: the same select, raw driver',
      }
    } finally {
      await raw.close()
    }
  } finally {
    await store.close()
    await database.drop()
  }
}

/** The raw driver reading one page of the feed after `after`, as the store's statement does. */
async function rawReader(engine: EngineName, url: string) {
  const columns = 'type, user_id, conversation_id, message_id, at, data'
  if (engine === 'postgres') {
    const pool = new pg.Pool({ connectionString: url, max: 2 })
    // A connection still opening as the pool ends is cut when the database is dropped: no error.
    pool.on('error', () => {})
    const text = `select cursor, ${columns} from events
      where cursor > $1 and cursor is not null order by cursor limit ${PAGE}`
    return {
      read: async (after: string) =>
        (await pool.query({ name: 'w10_feed', text, values: [after] })).rowCount ?? 0,
      close: () => pool.end(),
    }
  }
  const db = new BetterSqlite3(url, { timeout: 5000 })
  const select = db.prepare(
    `select id as cursor, ${columns} from events where id > ? order by id limit ${PAGE}`,
  )
  return {
    read: async (after: string) => select.all(Number(after)).length,
    close: async () => db.close(),
  }
}
