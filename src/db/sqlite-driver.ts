import type BetterSqlite3 from 'better-sqlite3'
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  SelectQueryNode,
} from 'kysely'
import { driverError } from './driver-errors.js'
import type { Mutex } from './mutex.js'
import { backoff, sleep } from '../lib/backoff.js'

type Statement = BetterSqlite3.Statement<unknown[], unknown>

/** Makes one row's object from the values of its columns, in the statement's column order. */
type RowMaker = (values: unknown[]) => object

/**
 * A function that builds a row with one object literal of the statement's columns. better-sqlite3
 * builds each row object in C++ one named property at a time, which for a row of 26 columns
 * (a message) costs as much as running the query: a path of 20 messages took 115 µs as objects
 * and 62 µs as arrays turned into objects here. The names are written as quoted computed keys,
 * so any column name (even `__proto__`) is an own property, as better-sqlite3 makes it, and a
 * name that appears twice keeps its last value, as there.
 */
function rowMaker(names: readonly string[]): RowMaker {
  const fields = names.map((name, i) => `[${JSON.stringify(name)}]: values[${i}]`)
  // The source holds nothing but the column names, each written as a JSON string literal.
  return new Function('values', `return { ${fields.join(', ')} }`) as RowMaker
}

/**
 * A statement prepared once: a statement that returns rows reads them as arrays and makes each
 * row's object with its own RowMaker.
 */
export class PreparedStatement {
  readonly #statement: Statement
  readonly #row: RowMaker | null

  constructor(statement: Statement) {
    this.#statement = statement
    if (statement.reader) {
      statement.raw(true)
      this.#row = rowMaker(statement.columns().map((column) => column.name))
    } else {
      this.#row = null
    }
  }

  /** Runs the statement: its rows, or how many rows it changed. */
  execute<R>(parameters: readonly unknown[]): QueryResult<R> {
    const row = this.#row
    if (row === null) {
      const { changes } = this.#statement.run(...parameters)
      return { numAffectedRows: BigInt(changes), rows: [] }
    }
    const values = this.#statement.all(...parameters) as unknown[][]
    const rows = new Array<R>(values.length)
    for (let i = 0; i < values.length; i++) rows[i] = row(values[i]!) as R
    return { rows }
  }

  /** The rows one at a time, for a statement that returns rows. */
  *iterate<R>(parameters: readonly unknown[]): IterableIterator<R> {
    const row = this.#row
    if (row === null) throw new Error('only a statement that returns rows can be iterated')
    for (const values of this.#statement.iterate(...parameters)) yield row(values as unknown[]) as R
  }
}

/** Prepared statements by SQL text: Kysely's own SQLite driver prepares every statement anew. */
export class StatementCache {
  readonly #db: BetterSqlite3.Database
  readonly #cache = new Map<string, PreparedStatement>()
  readonly #limit: number

  constructor(db: BetterSqlite3.Database, limit = 500) {
    this.#db = db
    this.#limit = limit
  }

  get(sql: string): PreparedStatement {
    let prepared = this.#cache.get(sql)
    if (prepared === undefined) {
      prepared = new PreparedStatement(this.#db.prepare(sql))
      if (this.#cache.size >= this.#limit) this.#cache.delete(this.#cache.keys().next().value!)
      this.#cache.set(sql, prepared)
    }
    return prepared
  }
}

/** Backoff between looks at a lock another process holds: short, since a write waits on it. */
const LOCK_BACKOFF = { base_delay_ms: 2, max_delay_ms: 50 }

/**
 * The one connection, taken in turns (the mutex), and the wait for SQLite's file lock when
 * another process holds it. The connection has busy_timeout 0: better-sqlite3's busy handler
 * would sleep on the main thread, stopping the event loop (and every request) for as long as
 * the other process keeps the lock. Instead a statement that meets the lock lets go of the
 * connection, so this process's reads go on, and tries again after a backoff with jitter, for
 * at most `lock_wait_ms` in all; then it fails with `lock_timeout`.
 */
export class ConnectionGate {
  constructor(
    readonly handle: BetterSqlite3.Database,
    readonly mutex: Mutex,
    private readonly lockWaitMs: number,
  ) {}

  /** Runs `work` on the connection: at once when it is free (no hop through the event loop). */
  run<T>(work: () => T): Promise<T> {
    if (!this.mutex.tryLock())
      return this.mutex.lock().then(() => this.#release(this.runHeld(work)))
    let result: T
    try {
      result = work()
    } catch (error) {
      if (this.#waitable(error)) return this.#release(this.#waitForLock(work, error))
      this.mutex.unlock()
      return Promise.reject(error)
    }
    this.mutex.unlock()
    return Promise.resolve(result)
  }

  /**
   * Runs `work` for a caller that holds the connection; it holds it again when this settles.
   * Only work outside a transaction waits for the lock: it can start again from the top.
   */
  runHeld<T>(work: () => T): Promise<T> {
    try {
      return Promise.resolve(work())
    } catch (error) {
      if (!this.#waitable(error)) return Promise.reject(error)
      return this.#waitForLock(work, error)
    }
  }

  async #waitForLock<T>(work: () => T, first: unknown): Promise<T> {
    const deadline = Date.now() + this.lockWaitMs
    let last = first
    for (let attempt = 0; ; attempt++) {
      const remaining = deadline - Date.now()
      if (remaining <= 0) throw driverError('lock_timeout', last)
      this.mutex.unlock()
      try {
        await sleep(Math.min(remaining, backoff(LOCK_BACKOFF, attempt)))
      } finally {
        await this.mutex.lock()
      }
      try {
        return work()
      } catch (error) {
        if (!this.#waitable(error)) throw error
        last = error
      }
    }
  }

  #waitable(error: unknown): boolean {
    const code = (error as { code?: unknown } | null)?.code
    return typeof code === 'string' && code.startsWith('SQLITE_BUSY') && !this.handle.inTransaction
  }

  async #release<T>(running: Promise<T>): Promise<T> {
    try {
      return await running
    } finally {
      this.mutex.unlock()
    }
  }
}

class SqliteConnection implements DatabaseConnection {
  constructor(
    readonly statements: StatementCache,
    readonly gate: ConnectionGate,
  ) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return this.gate.runHeld(() => this.statements.get(query.sql).execute<R>(query.parameters))
  }

  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(query.query)) throw new Error('only SELECT queries can be streamed')
    for (const row of this.statements.get(query.sql).iterate<R>(query.parameters)) {
      yield { rows: [row] }
    }
  }
}

/**
 * Kysely driver over one better-sqlite3 connection. Write transactions start with BEGIN IMMEDIATE
 * so that they take the write lock up front and never fail half-way with SQLITE_BUSY on upgrade.
 */
export class SqliteDriver implements Driver {
  readonly #connection: SqliteConnection
  readonly #gate: ConnectionGate
  readonly #close: () => void

  constructor(statements: StatementCache, gate: ConnectionGate, close: () => void) {
    this.#connection = new SqliteConnection(statements, gate)
    this.#gate = gate
    this.#close = close
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#gate.mutex.lock()
    return this.#connection
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'))
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'))
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'))
  }

  async releaseConnection(): Promise<void> {
    this.#gate.mutex.unlock()
  }

  async destroy(): Promise<void> {
    this.#close()
  }
}
