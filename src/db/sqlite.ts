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

/**
 * One lock per database file for every store of this process. better-sqlite3 is synchronous: a
 * second connection that met the first one's write lock would wait out busy_timeout blocking the
 * event loop, while the first one, on that same thread, could never finish. Stores on the same
 * file take turns here instead; other processes are still kept in order by SQLite's own locks.
 */
const fileLocks = new Map<string, { mutex: Mutex; users: number }>()

function takeFileLock(path: string): Mutex {
  if (path === ':memory:') return new Mutex()
  let lock = fileLocks.get(path)
  if (lock === undefined) {
    lock = { mutex: new Mutex(), users: 0 }
    fileLocks.set(path, lock)
  }
  lock.users++
  return lock.mutex
}

function releaseFileLock(path: string): void {
  const lock = fileLocks.get(path)
  if (lock !== undefined && --lock.users === 0) fileLocks.delete(path)
}

/** A prepared statement that can also run inside `immediate`, on the connection already held. */
export interface SqlitePrepared<P extends object, R> extends Prepared<P, R> {
  runHeld(params: P): R[]
}

export class SqliteDatabase extends Database {
  readonly engine = 'sqlite' as const
  readonly codec = sqliteCodec
  readonly capabilities = { writable_cte: false, in_process: true }
  readonly kysely: Kysely<Schema>
  readonly path: string
  readonly #handle: BetterSqlite3.Database
  readonly #statements: StatementCache
  readonly #mutex: Mutex

  constructor(options: SqliteOptions) {
    super(options.retry)
    this.path = options.path
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true })
    this.#handle = new BetterSqlite3(options.path, { timeout: options.busy_timeout_ms })
    this.#handle.pragma('journal_mode = WAL')
    this.#handle.pragma(`synchronous = ${options.synchronous}`)
    this.#handle.pragma('foreign_keys = ON')
    this.#mutex = takeFileLock(options.path)
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

  prepare<P extends object, R>(build: (params: P) => Compilable<R>): SqlitePrepared<P, R> {
    const { sql, order } = compileWithParams(build)
    const statements = this.#statements
    const run = (params: P): R[] => runStatement<R>(statements.get(sql), order(params)).rows
    return {
      sql,
      all: (params) => this.#locked(() => run(params)),
      async allIn(tx: Executor, params) {
        const result = await tx.executeQuery<R>(CompiledQuery.raw(sql, order(params)))
        return result.rows
      },
      runHeld: run,
    }
  }

  /**
   * Runs synchronous `work` in one BEGIN IMMEDIATE transaction straight on the connection, retried
   * as a whole like `transaction`: the append path without a promise and Kysely's executor per
   * statement. `work` runs its statements with `runHeld` and cannot await; nothing else can run on
   * the connection meanwhile.
   */
  immediate<T>(work: () => T): Promise<T> {
    const statements = this.#statements
    const handle = this.#handle
    return this.write(() =>
      this.#locked(() => {
        statements.get('begin immediate').run()
        try {
          const result = work()
          statements.get('commit').run()
          return result
        } catch (error) {
          if (handle.inTransaction) statements.get('rollback').run()
          throw error
        }
      }),
    )
  }

  /** Runs `work` holding the connection: at once when it is free (no hop through the event loop). */
  #locked<T>(work: () => T): Promise<T> {
    const mutex = this.#mutex
    const runNow = (): T => {
      try {
        return work()
      } finally {
        mutex.unlock()
      }
    }
    if (mutex.tryLock()) {
      try {
        return Promise.resolve(runNow())
      } catch (error) {
        return Promise.reject(error)
      }
    }
    return mutex.lock().then(runNow)
  }

  async ping(): Promise<void> {
    await this.read(() => this.kysely.executeQuery(CompiledQuery.raw('select 1')))
  }

  poolStatus() {
    return { total: 1, idle: this.#mutex.held ? 0 : 1, waiting: this.#mutex.waiting, max: 1 }
  }

  async close(): Promise<void> {
    try {
      await this.kysely.destroy()
    } finally {
      releaseFileLock(this.path)
    }
  }
}
