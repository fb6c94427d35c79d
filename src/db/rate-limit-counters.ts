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
 * crash (a minute's worth: harmless), never mixed up. A call is one statement (two when it
 * opens a window), each atomic, so concurrent counts from any number of processes are never
 * lost while the database runs.
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

/** The two statements a count may take: most find the window open, one opens it. */
type Step = 'count' | 'open'

/**
 * The statement of `step` for `rows` keys, the same SQL on both engines but for its
 * placeholders; `p(0)` is now. `count` adds to the windows still open, and touches no indexed
 * column (SQLite would rewrite an index entry for any column it sets, even to its old value).
 * `open` is for the keys it missed, new or ended: an upsert, since another process may open the
 * window first. `excluded` is the row it proposed: its last_request is now, its reset_time the
 * end of a window opened now; both engines evaluate every SET expression against the old row,
 * so the CASEs all see the same expired-or-not answer.
 */
function stepSql(step: Step, rows: number, p: (i: number) => string): string {
  const returning = ' returning key, request_count, reset_time'
  if (step === 'count') {
    const keys = Array.from({ length: rows }, (_, r) => p(1 + 2 * r))
    // Cast: PostgreSQL would take a bare n for text, like the key it is compared with.
    const adds = keys.map((key, r) => `when ${key} then cast(${p(2 + 2 * r)} as integer)`)
    return (
      `update rate_limits set request_count = request_count + case key ${adds.join(' ')} end, ` +
      `last_request = ${p(0)} where key in (${keys.join(', ')}) and reset_time > ${p(0)}` +
      returning
    )
  }
  const values = Array.from(
    { length: rows },
    (_, r) => `(${p(1 + 3 * r)}, ${p(2 + 3 * r)}, ${p(0)}, ${p(3 + 3 * r)}, ${p(0)})`,
  )
  const expired = 'rate_limits.reset_time <= excluded.last_request'
  return (
    'insert into rate_limits (key, request_count, window_start, reset_time, last_request) ' +
    `values ${values.join(', ')} on conflict (key) do update set ` +
    `request_count = case when ${expired} then excluded.request_count ` +
    'else rate_limits.request_count + excluded.request_count end, ' +
    `window_start = case when ${expired} then excluded.window_start else rate_limits.window_start end, ` +
    `reset_time = case when ${expired} then excluded.reset_time else rate_limits.reset_time end, ` +
    'last_request = excluded.last_request' +
    returning
  )
}

/** The parameters of `step`: now, then per row its key and n (and, to open, the window's end). */
function stepParams(step: Step, rows: readonly CounterAdd[], now_ms: number): unknown[] {
  const per = (r: CounterAdd) =>
    step === 'count' ? [r.key, r.n] : [r.key, r.n, iso(now_ms + r.window_ms)]
  return [iso(now_ms), ...rows.flatMap(per)]
}

interface CountedRow {
  key: string
  request_count: number | bigint
  reset_time: string
}

const toState = (row: CountedRow): CounterState => ({
  key: row.key,
  count: Number(row.request_count),
  reset_at: Date.parse(row.reset_time),
})

const pruneSql = (p: string) => `delete from rate_limits where reset_time <= ${p}`
const countEndedSql = (p: string) =>
  `select count(*) as n from rate_limits where reset_time <= ${p}`

/**
 * The count itself, the same on both engines: each statement atomic on its own, so a step that
 * fails after the other committed loses nothing it counted. Keys go in sorted, so that on
 * PostgreSQL two statements lock shared rows in the same order and can never deadlock.
 */
abstract class Counters implements RateLimitCounters {
  /** Runs the statement of `step` for as many keys as `params` carries. */
  protected abstract runStep(step: Step, rows: number, params: unknown[]): Promise<CountedRow[]>
  abstract prune(now_ms: number): Promise<number>
  abstract countEnded(now_ms: number): Promise<number>
  abstract close(): Promise<void>

  async add(rows: readonly CounterAdd[], now_ms: number): Promise<CounterState[]> {
    const sorted = [...rows].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    const counted = await this.runStep('count', sorted.length, stepParams('count', sorted, now_ms))
    if (counted.length === sorted.length) return counted.map(toState)
    const done = new Set(counted.map((row) => row.key))
    const opening = sorted.filter((row) => !done.has(row.key))
    const opened = await this.runStep('open', opening.length, stepParams('open', opening, now_ms))
    return [...counted, ...opened].map(toState)
  }
}

class PostgresCounters extends Counters {
  readonly #db: PostgresDatabase
  readonly #statements = new Map<string, { name: string; text: string }>()

  constructor(db: PostgresDatabase) {
    super()
    this.#db = db
  }

  protected async runStep(step: Step, rows: number, params: unknown[]): Promise<CountedRow[]> {
    const name = `ck_rate_limit_${step}_${rows}`
    let statement = this.#statements.get(name)
    if (statement === undefined) {
      statement = { name, text: stepSql(step, rows, (i) => `$${i + 1}`) }
      this.#statements.set(name, statement)
    }
    const query = { ...statement, values: params }
    // db.write: a lost connection or a deadlock is retried; the statement is one transaction.
    const result = await this.#db.write(() => this.#db.pool.query<CountedRow>(query))
    return result.rows
  }

  async prune(now_ms: number): Promise<number> {
    const result = await this.#db.write(() => this.#db.pool.query(pruneSql('$1'), [iso(now_ms)]))
    return result.rowCount ?? 0
  }

  async countEnded(now_ms: number): Promise<number> {
    let result
    try {
      result = await this.#db.pool.query<{ n: number }>(countEndedSql('$1'), [iso(now_ms)])
    } catch (error) {
      throw translateDriverError(error)
    }
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
class SqliteCounters extends Counters {
  readonly #handle: BetterSqlite3.Database
  readonly #statements = new Map<string, BetterSqlite3.Statement>()
  #ready = false

  constructor(path: string) {
    super()
    // Loaded here, so that a PostgreSQL server never loads the native module. Opening reads
    // nothing yet; the first statement does, and may meet a lock.
    const Connection = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3
    this.#handle = new Connection(path, { timeout: 0 })
  }

  protected runStep(step: Step, rows: number, params: unknown[]): Promise<CountedRow[]> {
    return this.#run(() => {
      const name = `${step}_${rows}`
      let statement = this.#statements.get(name)
      if (statement === undefined) {
        statement = this.#handle.prepare(stepSql(step, rows, (i) => `@p${i}`))
        this.#statements.set(name, statement)
      }
      // Named: better-sqlite3 binds a positional value to one placeholder only, and `now` is
      // used by every row.
      return statement.all(Object.fromEntries(params.map((v, i) => [`p${i}`, v]))) as CountedRow[]
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
        if (classifyDriverError(error) !== 'busy' || Date.now() - started >= BUSY_LIMIT_MS) {
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
