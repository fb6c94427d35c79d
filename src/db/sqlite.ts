import { mkdirSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import * as sqliteVec from 'sqlite-vec'
import {
  CompiledQuery,
  Kysely,
  type LogConfig,
  sql,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely'
import { sqliteCodec } from './codec.js'
import { type CompiledStatement, type Prepared, RootDatabase, type Snapshot } from './database.js'
import { sqliteDialect } from './dialect.js'
import {
  classifyDriverError,
  type StatementContext,
  storeClosed,
  translateDriverError,
} from './driver-errors.js'
import { Mutex } from './mutex.js'
import type { RetryPolicy } from './retry.js'
import type { Schema } from './schema.js'
import { snapshotOfSqliteFile, snapshotOnConnection } from './snapshot.js'
import { sqliteVectors } from './sqlite-vectors.js'
import { UniqueIndexNames } from './sqlite-constraints.js'
import { ConnectionGate, SqliteDriver, StatementCache } from './sqlite-driver.js'
import { TranslatingDriver } from './translating-driver.js'
import { WalFlush } from './wal-flush.js'

export type SqliteSynchronous = 'off' | 'normal' | 'full' | 'extra'

export interface SqliteOptions {
  /** A file path, or `:memory:`. */
  path: string
  synchronous: SqliteSynchronous
  /**
   * How long a statement waits in all for a lock another process holds (SQLITE_BUSY_TIMEOUT_MS),
   * waiting asynchronously: the event loop never stops for it.
   */
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
 * second connection of this process that met the first one's write lock could only wait for a
 * lock that its own thread holds. Stores on the same file take turns here instead; other
 * processes are kept in order by SQLite's own locks, waited for asynchronously (ConnectionGate).
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

const pause = new Int32Array(new SharedArrayBuffer(4))

/**
 * Switching a new file to WAL takes an exclusive lock. When two processes have both read the
 * empty file and then ask for that lock, SQLite answers one of them SQLITE_BUSY at once, without
 * waiting in the busy handler (waiting could only deadlock); so the switch is tried again, after
 * a short random pause, until the busy timeout has passed. This runs once, while opening.
 */
function enterWalMode(handle: BetterSqlite3.Database, timeoutMs: number): void {
  const started = Date.now()
  for (let attempt = 0; ; attempt++) {
    try {
      handle.pragma('journal_mode = WAL')
      return
    } catch (error) {
      if (classifyDriverError(error) !== 'busy' || Date.now() - started >= timeoutMs) throw error
      Atomics.wait(pause, 0, 0, Math.random() * Math.min(100, 5 * 2 ** attempt))
    }
  }
}

/** The connection `immediate` holds for its work: prepared statements run on it synchronously. */
export interface HeldConnection {
  run<P extends object, R>(statement: Prepared<P, R>, params: P): R[]
}

export class SqliteDatabase extends RootDatabase {
  readonly engine = 'sqlite' as const
  readonly codec = sqliteCodec
  readonly dialect = sqliteDialect
  readonly capabilities = { writable_cte: false, in_process: true }
  readonly vectors = sqliteVectors
  readonly path: string
  protected readonly builder: Kysely<Schema>
  readonly #handle: BetterSqlite3.Database
  readonly #statements: StatementCache
  readonly #gate: ConnectionGate
  readonly #uniqueNames: UniqueIndexNames
  readonly #held: HeldConnection
  /** Set when each commit fsyncs (FULL, EXTRA): `writeFlushedOffLoop` moves that fsync. */
  readonly #walFlush: WalFlush | undefined
  readonly #synchronous: SqliteSynchronous

  constructor(options: SqliteOptions) {
    super(options.retry)
    this.path = options.path
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true })
    // Opening may wait for a process that is creating the file or switching it to WAL, before
    // this store serves anything. From then on busy_timeout is 0: better-sqlite3 would wait for
    // another process's lock on the main thread, and ConnectionGate waits asynchronously instead.
    this.#handle = new BetterSqlite3(options.path, { timeout: options.busy_timeout_ms })
    enterWalMode(this.#handle, options.busy_timeout_ms)
    this.#handle.pragma(`synchronous = ${options.synchronous}`)
    this.#synchronous = options.synchronous
    const fsyncsCommits = options.synchronous === 'full' || options.synchronous === 'extra'
    this.#walFlush =
      fsyncsCommits && options.path !== ':memory:' ? new WalFlush(options.path) : undefined
    this.#handle.pragma('foreign_keys = ON')
    this.#handle.pragma('busy_timeout = 0')
    // vec0, the vector index of chunk and message embeddings (sqlite-vectors.ts): its triggers
    // fire on chunk and message writes, so every connection to the file loads it.
    sqliteVec.load(this.#handle)
    this.#gate = new ConnectionGate(
      this.#handle,
      takeFileLock(options.path),
      options.busy_timeout_ms,
    )
    this.#statements = new StatementCache(this.#handle)
    this.#uniqueNames = new UniqueIndexNames(this.#handle)
    const statements = this.#statements
    this.#held = {
      run: (statement, params) =>
        statements.get(statement.sql).execute<never>(statement.order(params)).rows,
    }
    const driver = new SqliteDriver(this.#statements, this.#gate, () => this.#handle.close())
    this.builder = new Kysely<Schema>({
      dialect: {
        createAdapter: () => new TransactionalDdlSqliteAdapter(),
        createDriver: () => new TranslatingDriver(driver, this.#errors),
        createIntrospector: (db) => new SqliteIntrospector(db),
        createQueryCompiler: () => new SqliteQueryCompiler(),
      },
      ...(options.log ? { log: options.log } : {}),
    })
  }

  /** The raw better-sqlite3 handle, for the online backup API. */
  get handle(): BetterSqlite3.Database {
    this.assertOpen()
    return this.#handle
  }

  readonly #errors = {
    translate: (error: unknown, context: StatementContext = {}) =>
      translateDriverError(error, { ...context, constraintOf: (e) => this.#uniqueNames.of(e) }),
    closedError: () => (this.closed ? storeClosed() : undefined),
  }

  protected async runOnRoot<P extends object, R>(
    statement: CompiledStatement<P>,
    params: P,
  ): Promise<R[]> {
    const statements = this.#statements
    try {
      return await this.#gate.run(
        () => statements.get(statement.sql).execute<R>(statement.order(params)).rows,
      )
    } catch (error) {
      throw this.#errors.translate(error)
    }
  }

  /**
   * Runs synchronous `work` in one BEGIN IMMEDIATE transaction straight on the connection, retried
   * as a whole like `transaction`: the append path without a promise and Kysely's executor per
   * statement. `work` runs prepared statements on the connection it is handed and cannot await;
   * nothing else can run on the connection meanwhile.
   */
  immediate<T>(work: (held: HeldConnection) => T): Promise<T> {
    const statements = this.#statements
    const handle = this.#handle
    const held = this.#held
    return this.write(async () => {
      this.assertOpen()
      try {
        return await this.#gate.run(() => {
          statements.get('begin immediate').execute([])
          try {
            const result = work(held)
            statements.get('commit').execute([])
            return result
          } catch (error) {
            if (handle.inTransaction) statements.get('rollback').execute([])
            throw error
          }
        })
      } catch (error) {
        throw this.#errors.translate(error)
      }
    })
  }

  /**
   * The statement commits at `synchronous=NORMAL`, a write to the WAL, and the promise resolves
   * once the WAL has been fsynced on libuv's thread pool (WalFlush): as durable as a commit at
   * FULL, but the fsync no longer stops every other request on the main thread. Both pragmas
   * run in the same synchronous turn as the statement, so no other commit of this connection
   * runs at NORMAL.
   */
  override async writeFlushedOffLoop(query: CompiledQuery): Promise<void> {
    const flush = this.#walFlush
    if (flush === undefined) return super.writeFlushedOffLoop(query)
    const statements = this.#statements
    const restore = `pragma synchronous = ${this.#synchronous}`
    await this.write(async () => {
      this.assertOpen()
      try {
        await this.#gate.run(() => {
          statements.get('pragma synchronous = normal').execute([])
          try {
            statements.get(query.sql).execute(query.parameters)
          } finally {
            statements.get(restore).execute([])
          }
        })
      } catch (error) {
        throw this.#errors.translate(error)
      }
    })
    await flush.flush()
  }

  snapshot<T>(work: (snapshot: Snapshot) => Promise<T>): Promise<T> {
    if (this.path !== ':memory:') return snapshotOfSqliteFile(this.path, work)
    return snapshotOnConnection(this.kysely, sql`begin`, work)
  }

  async sizeOnDisk(): Promise<number> {
    const { rows } = await sql<{ size: number }>`select page_count * page_size as size
      from pragma_page_count(), pragma_page_size()`.execute(this.kysely)
    return Number(rows[0]!.size) + this.#walSize()
  }

  #walSize(): number {
    if (this.path === ':memory:') return 0
    try {
      return statSync(`${this.path}-wal`).size
    } catch {
      return 0
    }
  }

  async ping(): Promise<void> {
    await this.kysely.executeQuery(CompiledQuery.raw('select 1'))
  }

  poolStatus() {
    const mutex = this.#gate.mutex
    return { total: 1, idle: mutex.held ? 0 : 1, waiting: mutex.waiting, max: 1 }
  }

  async close(): Promise<void> {
    if (!this.markClosed()) return
    try {
      await this.#walFlush?.close()
      await this.builder.destroy()
    } finally {
      releaseFileLock(this.path)
    }
  }
}
