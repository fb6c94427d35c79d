import { type Compilable, CompiledQuery, type Kysely, SelectQueryNode } from 'kysely'
import { ChatkeepError } from '../errors.js'
import type { Codec } from './codec.js'
import type { EngineDialect } from './dialect.js'
import { storeClosed, translateDriverError } from './driver-errors.js'
import { type RetryPolicy, withRetry } from './retry.js'
import type { Schema } from './schema.js'
import type { VectorIndex } from './vector-index.js'

export type Engine = 'sqlite' | 'postgres'

/** What differs between the engines, asked for by name instead of by engine. */
export interface Capabilities {
  /** UPDATE … RETURNING inside WITH, so an append is one statement (PostgreSQL). */
  writable_cte: boolean
  /**
   * Statements run in process, one at a time, on one synchronous connection (SQLite): a query
   * costs no round trip to share, and writes to different rows gain nothing from running apart,
   * so they can share one transaction and one commit.
   */
  in_process: boolean
}

/**
 * A query compiled once and run many times with new parameters, on whichever handle it is
 * given: the database itself or a transaction. On SQLite a cached prepared statement run on the
 * spot; on PostgreSQL a named prepared statement.
 */
export interface Prepared<P extends object, R> extends CompiledStatement<P> {
  /** Runs on `db`. Writes are not retried here: wrap them in `db.write` (or a transaction). */
  all(db: Database, params: P): Promise<R[]>
}

/** A prepared statement as the engines run it. */
export interface CompiledStatement<P extends object = object> {
  readonly sql: string
  /** The parameters in the order the SQL takes them. */
  order(params: P): unknown[]
  /** A SELECT: it cannot have written anything. */
  readonly reader: boolean
}

/** Connections of the pool (seed 002's pool status); SQLite has one connection. */
export interface PoolStatus {
  /** Connections open now. */
  total: number
  /** Open connections not in use. */
  idle: number
  /** Callers waiting for a connection. */
  waiting: number
  /** The most connections the pool opens: pool_size + max_overflow. */
  max: number
}

export interface TransactionOptions {
  /** Retry the whole transaction on retriable failures (the default). */
  retry?: boolean
}

/** Reads that all see the database as it was at one moment, whatever is written meanwhile. */
export interface Snapshot {
  all<R>(query: CompiledQuery): Promise<R[]>
}

/**
 * A handle that statements run on: the database itself, or a transaction open on it. Both have
 * the same type, so a repository function `(db, …)` works the same inside and outside a
 * transaction; `db.transaction(async (tx) => …)` hands its work such a handle. This is the one
 * place that knows which engine is underneath: connections, transactions, retries, prepared
 * statements, the SQL that differs (`dialect`) and the shape of rows (`codec`). Every failure of
 * a statement leaves it as a ChatkeepError.
 */
export abstract class Database {
  abstract readonly engine: Engine
  abstract readonly codec: Codec
  abstract readonly capabilities: Capabilities
  abstract readonly dialect: EngineDialect
  abstract readonly retry: RetryPolicy
  /** The database itself: this handle, or the one its transaction runs on. */
  abstract readonly root: Database
  /** True on a transaction's handle. */
  abstract readonly inTransaction: boolean
  /** The engine's index of chunk embeddings, for similarity search. */
  abstract readonly vectors: VectorIndex

  /**
   * The query builder of this handle: what is built from it runs on this handle (inside the
   * transaction, for a transaction's handle). Throws `store_closed` once the database is
   * closed, and on a transaction's handle once its transaction has ended.
   */
  abstract get kysely(): Kysely<Schema>

  /**
   * Compiles `build` once; every property read from its argument becomes a parameter filled in
   * at run time, by name.
   * @example
   * const byId = db.prepare((p: { id: string }) => db.kysely.selectFrom('users').selectAll().where('id', '=', p.id))
   * const [user] = await byId.all(db, { id })
   */
  prepare<P extends object, R>(build: (params: P) => Compilable<R>): Prepared<P, R> {
    const compiled = compileWithParams(build)
    return { ...compiled, all: (db, params) => db.runPrepared<P, R>(compiled, params) }
  }

  /** Runs a prepared statement on this handle. */
  protected abstract runPrepared<P extends object, R>(
    statement: CompiledStatement<P>,
    params: P,
  ): Promise<R[]>

  /**
   * Runs `work` in one write transaction, retried as a whole on retriable failures (unless
   * `retry: false`: work that consumed a stream cannot run again). Called on a transaction's
   * handle, `work` joins that transaction.
   */
  abstract transaction<T>(
    work: (tx: Database) => Promise<T>,
    options?: TransactionOptions,
  ): Promise<T>

  /**
   * A write outside a transaction (one statement is atomic), retried on retriable failures;
   * on a transaction's handle, part of the transaction (which is retried as a whole).
   */
  abstract write<T>(work: () => Promise<T>): Promise<T>

  /**
   * One write statement, committed as soon as it has run and durable once the promise resolves,
   * for many small writes acknowledged together (the audit rows of reads). On SQLite its commit
   * does not stop the event loop for the fsync (`SqliteDatabase`); on PostgreSQL the server
   * flushes while Node goes on, so it is `write`. On a transaction's handle, part of the
   * transaction.
   */
  async writeFlushedOffLoop(query: CompiledQuery): Promise<void> {
    await this.write(() => this.kysely.executeQuery(query))
  }

  /** One consistent, read-only view of the database for `work`, which does not hold up writers. */
  abstract snapshot<T>(work: (snapshot: Snapshot) => Promise<T>): Promise<T>

  /** The bytes the database takes on disk. */
  abstract sizeOnDisk(): Promise<number>

  abstract ping(): Promise<void>
  abstract poolStatus(): PoolStatus
  abstract close(): Promise<void>
}

/** What the engines' root databases share: retried writes and transactions, the closed state. */
export abstract class RootDatabase extends Database {
  readonly root: Database = this
  readonly inTransaction = false
  #closed = false

  constructor(readonly retry: RetryPolicy) {
    super()
  }

  protected abstract readonly builder: Kysely<Schema>

  get kysely(): Kysely<Schema> {
    this.assertOpen()
    return this.builder
  }

  get closed(): boolean {
    return this.#closed
  }

  protected assertOpen(): void {
    if (this.#closed) throw storeClosed()
  }

  protected markClosed(): boolean {
    if (this.#closed) return false
    this.#closed = true
    return true
  }

  async transaction<T>(
    work: (tx: Database) => Promise<T>,
    options: TransactionOptions = {},
  ): Promise<T> {
    const once = () =>
      this.kysely.transaction().execute(async (trx) => {
        const tx = new TransactionHandle(this, trx, (statement, params) =>
          this.runInTransaction(trx, statement, params),
        )
        try {
          return await work(tx)
        } finally {
          tx.end()
        }
      })
    if (options.retry !== false) return this.write(once)
    try {
      return await once()
    } catch (error) {
      throw translateDriverError(error)
    }
  }

  async write<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await withRetry(this.retry, work)
    } catch (error) {
      throw translateDriverError(error)
    }
  }

  /** A prepared statement inside an open transaction (through Kysely's connection). */
  protected async runInTransaction<P extends object, R>(
    trx: Kysely<Schema>,
    statement: CompiledStatement<P>,
    params: P,
  ): Promise<R[]> {
    const result = await trx.executeQuery<R>(
      CompiledQuery.raw(statement.sql, statement.order(params)),
    )
    return result.rows
  }

  protected runPrepared<P extends object, R>(
    statement: CompiledStatement<P>,
    params: P,
  ): Promise<R[]> {
    this.assertOpen()
    return this.runOnRoot(statement, params)
  }

  /** A prepared statement outside any transaction, on an open database. */
  protected abstract runOnRoot<P extends object, R>(
    statement: CompiledStatement<P>,
    params: P,
  ): Promise<R[]>
}

type RunInTransaction = <P extends object, R>(
  statement: CompiledStatement<P>,
  params: P,
) => Promise<R[]>

/**
 * The handle a transaction's work gets: the same type as the database, bound to the
 * transaction. Once the transaction has ended, every use of it is refused with a clear error
 * instead of running outside the transaction (or on a connection gone back to the pool).
 */
class TransactionHandle extends Database {
  readonly inTransaction = true
  #trx: Kysely<Schema> | undefined

  constructor(
    readonly root: RootDatabase,
    trx: Kysely<Schema>,
    private readonly run: RunInTransaction,
  ) {
    super()
    this.#trx = trx
  }

  get engine() {
    return this.root.engine
  }
  get codec() {
    return this.root.codec
  }
  get capabilities() {
    return this.root.capabilities
  }
  get dialect() {
    return this.root.dialect
  }
  get retry() {
    return this.root.retry
  }
  get vectors() {
    return this.root.vectors
  }

  get kysely(): Kysely<Schema> {
    if (this.#trx === undefined) throw transactionEnded()
    return this.#trx
  }

  end(): void {
    this.#trx = undefined
  }

  protected runPrepared<P extends object, R>(
    statement: CompiledStatement<P>,
    params: P,
  ): Promise<R[]> {
    if (this.#trx === undefined) return Promise.reject(transactionEnded())
    return this.run(statement, params)
  }

  transaction<T>(work: (tx: Database) => Promise<T>): Promise<T> {
    if (this.#trx === undefined) return Promise.reject(transactionEnded())
    return work(this)
  }

  async write<T>(work: () => Promise<T>): Promise<T> {
    if (this.#trx === undefined) throw transactionEnded()
    try {
      return await work()
    } catch (error) {
      throw translateDriverError(error)
    }
  }

  snapshot<T>(): Promise<T> {
    return Promise.reject(insideTransaction('take a snapshot'))
  }

  sizeOnDisk(): Promise<number> {
    return this.root.sizeOnDisk()
  }

  async ping(): Promise<void> {
    await this.kysely.executeQuery(CompiledQuery.raw('select 1'))
  }

  poolStatus(): PoolStatus {
    return this.root.poolStatus()
  }

  close(): Promise<void> {
    return Promise.reject(insideTransaction('close the database'))
  }
}

const transactionEnded = () =>
  new ChatkeepError(
    'internal',
    'A transaction handle was used after its transaction ended; run the statement inside the ' +
      "transaction's work, or on the database itself.",
  )

const insideTransaction = (what: string) =>
  new ChatkeepError(
    'internal',
    `Cannot ${what} from inside a transaction; use the database itself.`,
  )

const PARAM_MARK = '\u0000chatkeep-param:'

/**
 * Compiles a query with marker values, then records which marker sits at which position, so
 * that a run only has to put the caller's values in that order.
 */
export function compileWithParams<P extends object>(
  build: (params: P) => Compilable<unknown>,
): CompiledStatement<P> {
  const markers = new Proxy({} as P, {
    get: (_target, name) => `${PARAM_MARK}${String(name)}`,
  })
  const compiled = build(markers).compile()
  const slots: { name?: string; value?: unknown }[] = compiled.parameters.map((value) =>
    typeof value === 'string' && value.startsWith(PARAM_MARK)
      ? { name: value.slice(PARAM_MARK.length) }
      : { value },
  )
  return {
    sql: compiled.sql,
    reader: SelectQueryNode.is(compiled.query),
    order: (params) =>
      slots.map((slot) =>
        slot.name === undefined
          ? slot.value
          : ((params as Record<string, unknown>)[slot.name] ?? null),
      ),
  }
}
