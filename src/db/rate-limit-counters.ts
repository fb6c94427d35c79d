import { createRequire } from 'node:module'
import type BetterSqlite3 from 'better-sqlite3'
import type { Database } from './database.js'
import { classifyDriverError, translateDriverError } from './driver-errors.js'
import type { PostgresDatabase } from './postgres.js'
import type { SqliteDatabase } from './sqlite.js'

/** Requests to count for one key, in a window of `window_ms` should a new one open. */
export interface CounterAdd {
  key: string
  n: number
  window_ms: number
}

/** A key's count in its current window, the added requests included, and when the window ends. */
export interface CounterState {
  key: string
  count: number
  /** Milliseconds since the epoch. */
  reset_at: number
}

/**
 * The `rate_limits` table, kept where a count costs no durable commit: counts may be lost on a
 * crash (a minute's worth: harmless), never mixed up. Every call is one atomic statement, so
 * concurrent counts from any number of processes are never lost while the database runs.
 */
export interface RateLimitCounters {
  /**
   * Adds each row's `n` to its key's count, opening a new window where the old one ended by
   * `now_ms`; keys must be distinct. Answers every key's state, in no particular order.
   */
  add(rows: readonly CounterAdd[], now_ms: number): Promise<CounterState[]>
  /** Deletes the rows of windows ended by `now_ms` (by `rate_limits_reset_time_idx`): how many. */
  prune(now_ms: number): Promise<number>
  /** How many rows `prune(now_ms)` would delete. */
  countEnded(now_ms: number): Promise<number>
  close(): Promise<void>
}

/**
 * The counters of `db`'s rate limits. On PostgreSQL the `rate_limits` table, UNLOGGED since
 * migration 2026-12-03-01: it writes no WAL, so a count's commit waits for no flush, and it is
 * emptied after a crash. On SQLite a file of its own beside the database (`rateLimitCountersPath`),
 * so that counting never waits on the main file's write lock.
 */
export function openRateLimitCounters(db: Database): RateLimitCounters {
  return db.engine === 'sqlite'
    ? new SqliteCounters(rateLimitCountersPath((db as SqliteDatabase).path))
    : new PostgresCounters(db as PostgresDatabase)
}

/** Where a SQLite database's counters live: `chatkeep.db` → `chatkeep.db.rate-limits`. */
export function rateLimitCountersPath(databasePath: string): string {
  return databasePath === ':memory:' ? ':memory:' : `${databasePath}.rate-limits`
}

const iso = (ms: number) => new Date(ms).toISOString()

/**
 * The upsert for `rows` keys, the same SQL on both engines but for its placeholders. `excluded`
 * is the row the INSERT proposed: its last_request is now, its reset_time the end of a window
 * opened now. Both engines evaluate every SET expression against the old row, so the CASEs all
 * see the same expired-or-not answer. Keys go in sorted, so that on PostgreSQL two statements
 * lock shared rows in the same order and can never deadlock.
 */
function upsertSql(rows: number, placeholder: (i: number) => string): string {
  const values = Array.from({ length: rows }, (_, r) => {
    const p = (c: number) => placeholder(r * 3 + c)
    return `(${p(1)}, ${p(2)}, ${placeholder(0)}, ${p(3)}, ${placeholder(0)})`
  })
  const expired = 'rate_limits.reset_time <= excluded.last_request'
  return (
    'insert into rate_limits (key, request_count, window_start, reset_time, last_request) ' +
    `values ${values.join(', ')} on conflict (key) do update set ` +
    `request_count = case when ${expired} then excluded.request_count ` +
    'else rate_limits.request_count + excluded.request_count end, ' +
    `window_start = case when ${expired} then excluded.window_start else rate_limits.window_start end, ` +
    `reset_time = case when ${expired} then excluded.reset_time else rate_limits.reset_time end, ` +
    'last_request = excluded.last_request ' +
    'returning key, request_count, reset_time'
  )
}

/** The upsert's parameters: now, then key, n and window end per row, in key order. */
function upsertParams(rows: readonly CounterAdd[], now_ms: number): unknown[] {
  const sorted = [...rows].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  return [iso(now_ms), ...sorted.flatMap((r) => [r.key, r.n, iso(now_ms + r.window_ms)])]
}

interface UpsertRow {
  key: string
  request_count: number | bigint
  reset_time: string
}

const toState = (row: UpsertRow): CounterState => ({
  key: row.key,
  count: Number(row.request_count),
  reset_at: Date.parse(row.reset_time),
})

const pruneSql = (p: string) => `delete from rate_limits where reset_time <= ${p}`
const countEndedSql = (p: string) =>
  `select count(*) as n from rate_limits where reset_time <= ${p}`

class PostgresCounters implements RateLimitCounters {
  readonly #db: PostgresDatabase
  readonly #upserts = new Map<number, { name: string; text: string }>()

  constructor(db: PostgresDatabase) {
    this.#db = db
  }

  async add(rows: readonly CounterAdd[], now_ms: number): Promise<CounterState[]> {
    let upsert = this.#upserts.get(rows.length)
    if (upsert === undefined) {
      upsert = {
        name: `ck_rate_limit_add_${rows.length}`,
        text: upsertSql(rows.length, (i) => `$${i + 1}`),
      }
      this.#upserts.set(rows.length, upsert)
    }
    const query = { ...upsert, values: upsertParams(rows, now_ms) }
    // db.write: a lost connection or a deadlock is retried; the statement is one transaction.
    const result = await this.#db.write(() => this.#db.pool.query<UpsertRow>(query))
    return result.rows.map(toState)
  }

  async prune(now_ms: number): Promise<number> {
    const result = await this.#db.write(() => this.#db.pool.query(pruneSql('$1'), [iso(now_ms)]))
    return result.rowCount ?? 0
  }

  async countEnded(now_ms: number): Promise<number> {
    const result = await this.#db.read(() =>
      this.#db.pool.query<{ n: number }>(countEndedSql('$1'), [iso(now_ms)]),
    )
    return Number(result.rows[0]!.n)
  }

  async close(): Promise<void> {}
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** How long a count waits for another process to release the counters file before failing. */
const BUSY_LIMIT_MS = 5000
/** The first wait for a busy counters file; each later one doubles, up to BUSY_MAX_DELAY_MS. */
const BUSY_BASE_DELAY_MS = 1
const BUSY_MAX_DELAY_MS = 50

const SQLITE_SCHEMA = [
  'create table if not exists rate_limits (key text primary key, request_count integer not null, ' +
    'window_start text not null, reset_time text not null, last_request text not null) without rowid',
  'create index if not exists rate_limits_reset_time_idx on rate_limits (reset_time)',
]

/**
 * Counters in a SQLite file of their own, shared by every process on the database: WAL, with
 * `synchronous=NORMAL` (a commit is a write to the WAL, never an fsync; a power cut may lose the
 * last counts but cannot corrupt the file). The connection never waits inside SQLite: its busy
 * timeout is 0, and a count that finds another process's lock tries again after a short sleep,
 * so the event loop keeps serving. Every statement runs to completion in one synchronous call,
 * so connections of the same process never hold the lock across an await.
 */
class SqliteCounters implements RateLimitCounters {
  readonly #handle: BetterSqlite3.Database
  readonly #upserts = new Map<number, BetterSqlite3.Statement>()
  #ready = false

  constructor(path: string) {
    // Loaded here, so that a PostgreSQL server never loads the native module. Opening reads
    // nothing yet; the first statement does, and may meet a lock.
    const Connection = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3
    this.#handle = new Connection(path, { timeout: 0 })
  }

  add(rows: readonly CounterAdd[], now_ms: number): Promise<CounterState[]> {
    return this.#run(() => {
      let upsert = this.#upserts.get(rows.length)
      if (upsert === undefined) {
        upsert = this.#handle.prepare(upsertSql(rows.length, (i) => `@p${i}`))
        this.#upserts.set(rows.length, upsert)
      }
      // Named: better-sqlite3 binds a positional value to one placeholder only, and `now` is used by every row.
      const params = Object.fromEntries(upsertParams(rows, now_ms).map((v, i) => [`p${i}`, v]))
      return (upsert.all(params) as UpsertRow[]).map(toState)
    })
  }

  prune(now_ms: number): Promise<number> {
    return this.#run(() => this.#handle.prepare(pruneSql('?')).run(iso(now_ms)).changes)
  }

  countEnded(now_ms: number): Promise<number> {
    return this.#run(() => {
      const row = this.#handle.prepare(countEndedSql('?')).get(iso(now_ms)) as { n: number }
      return row.n
    })
  }

  async close(): Promise<void> {
    this.#handle.close()
  }

  /** Runs `work` at once, or after the file is set up; busy, again later, until BUSY_LIMIT_MS. */
  async #run<T>(work: () => T): Promise<T> {
    const started = Date.now()
    for (let attempt = 0; ; attempt++) {
      try {
        if (!this.#ready) this.#setUp()
        return work()
      } catch (error) {
        if (classifyDriverError(error) !== 'retriable' || Date.now() - started >= BUSY_LIMIT_MS) {
          throw translateDriverError(error)
        }
        const ceiling = Math.min(BUSY_MAX_DELAY_MS, BUSY_BASE_DELAY_MS * 2 ** attempt)
        await sleep(Math.random() * ceiling)
      }
    }
  }

  /** WAL and the table, once; every step may meet another process doing the same, and retry. */
  #setUp(): void {
    this.#handle.pragma('journal_mode = WAL')
    this.#handle.pragma('synchronous = NORMAL')
    for (const statement of SQLITE_SCHEMA) this.#handle.exec(statement)
    this.#ready = true
  }
}
