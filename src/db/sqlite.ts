import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import {
  CompiledQuery,
  type Compilable,
  Kysely,
  type LogConfig,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely'
import { sqliteCodec } from './codec.js'
import { compileWithParams, Database, type Executor, type Prepared } from './database.js'
import { Mutex } from './mutex.js'
import type { RetryPolicy } from './retry.js'
import type { Schema } from './schema.js'
import { runStatement, SqliteDriver, StatementCache } from './sqlite-driver.js'

export type SqliteSynchronous = 'off' | 'normal' | 'full' | 'extra'

export interface SqliteOptions {
  /** A file path, or `:memory:`. */
  path: string
  synchronous: SqliteSynchronous
  busy_timeout_ms: number
  retry: RetryPolicy
  log?: LogConfig
}

/** SQLite runs DDL inside transactions, so a failed migration leaves nothing half-applied. */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true
  }
}

export class SqliteDatabase extends Database {
  readonly engine = 'sqlite' as const
  readonly codec = sqliteCodec
  readonly capabilities = { writable_cte: false }
  readonly kysely: Kysely<Schema>
  readonly path: string
  readonly #handle: BetterSqlite3.Database
  readonly #statements: StatementCache
  readonly #mutex = new Mutex()

  constructor(options: SqliteOptions) {
    super(options.retry)
    this.path = options.path
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true })
    this.#handle = new BetterSqlite3(options.path, { timeout: options.busy_timeout_ms })
    this.#handle.pragma('journal_mode = WAL')
    this.#handle.pragma(`synchronous = ${options.synchronous}`)
    this.#handle.pragma('foreign_keys = ON')
    this.#statements = new StatementCache(this.#handle)
    const driver = new SqliteDriver(this.#statements, this.#mutex, () => this.#handle.close())
    this.kysely = new Kysely<Schema>({
      dialect: {
        createAdapter: () => new TransactionalDdlSqliteAdapter(),
        createDriver: () => driver,
        createIntrospector: (db) => new SqliteIntrospector(db),
        createQueryCompiler: () => new SqliteQueryCompiler(),
      },
      ...(options.log ? { log: options.log } : {}),
    })
  }

  /** The raw better-sqlite3 handle, for the online backup API. */
  get handle(): BetterSqlite3.Database {
    return this.#handle
  }

  prepare<P extends object, R>(build: (params: P) => Compilable<R>): Prepared<P, R> {
    const { sql, order } = compileWithParams(build)
    const statements = this.#statements
    const mutex = this.#mutex
    const runNow = (params: P): R[] => {
      try {
        return runStatement<R>(statements.get(sql), order(params)).rows
      } finally {
        mutex.unlock()
      }
    }
    return {
      sql,
      all(params) {
        // Uncontended, the statement runs at once: no hop through the event loop.
        if (mutex.tryLock()) {
          try {
            return Promise.resolve(runNow(params))
          } catch (error) {
            return Promise.reject(error)
          }
        }
        return mutex.lock().then(() => runNow(params))
      },
      async allIn(tx: Executor, params) {
        const result = await tx.executeQuery<R>(CompiledQuery.raw(sql, order(params)))
        return result.rows
      },
    }
  }

  async ping(): Promise<void> {
    await this.read(() => this.kysely.executeQuery(CompiledQuery.raw('select 1')))
  }

  poolStatus() {
    return { total: 1, idle: this.#mutex.held ? 0 : 1, waiting: 0 }
  }

  async close(): Promise<void> {
    await this.kysely.destroy()
  }
}
