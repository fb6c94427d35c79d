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

/** Prepared statements by SQL text: Kysely's own SQLite driver prepares every statement anew. */
export class StatementCache {
  readonly #db: BetterSqlite3.Database
  readonly #cache = new Map<string, Statement>()
  readonly #limit: number

  constructor(db: BetterSqlite3.Database, limit = 500) {
    this.#db = db
    this.#limit = limit
  }

  get(sql: string): Statement {
    let stmt = this.#cache.get(sql)
    if (stmt === undefined) {
      stmt = this.#db.prepare(sql)
      if (this.#cache.size >= this.#limit) this.#cache.delete(this.#cache.keys().next().value!)
      this.#cache.set(sql, stmt)
    }
    return stmt
  }
}

export function runStatement<R>(stmt: Statement, parameters: readonly unknown[]): QueryResult<R> {
  if (stmt.reader) return { rows: stmt.all(...parameters) as R[] }
  const { changes } = stmt.run(...parameters)
  return { numAffectedRows: BigInt(changes), rows: [] }
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
    return this.gate.runHeld(() =>
      runStatement<R>(this.statements.get(query.sql), query.parameters),
    )
  }

  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(query.query)) throw new Error('only SELECT queries can be streamed')
    for (const row of this.statements.get(query.sql).iterate(...query.parameters)) {
      yield { rows: [row as R] }
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
