import type { Compilable, Kysely, Transaction } from 'kysely'
import type { Codec } from './codec.js'
import { translateDriverError } from './driver-errors.js'
import { type RetryPolicy, withRetry } from './retry.js'
import type { Schema } from './schema.js'

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

/** A handle that queries run on: the database itself or an open transaction. */
export type Executor = Kysely<Schema> | Transaction<Schema>

/**
 * A query compiled once and run many times with new parameters. On SQLite it is a cached
 * prepared statement run on the spot; on PostgreSQL a named prepared statement.
 */
export interface Prepared<P extends object, R> {
  readonly sql: string
  /** Runs outside any transaction; writes are not retried here, wrap them in `db.write`. */
  all(params: P): Promise<R[]>
  /** Runs inside an open transaction. */
  allIn(tx: Executor, params: P): Promise<R[]>
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

/**
 * The one place that knows which engine is underneath: connections, transactions, retries,
 * prepared statements and the shape of rows.
 */
export abstract class Database {
  abstract readonly engine: Engine
  abstract readonly kysely: Kysely<Schema>
  abstract readonly codec: Codec
  abstract readonly capabilities: Capabilities

  constructor(readonly retry: RetryPolicy) {}

  /**
   * Compiles `build` once; every property read from its argument becomes a parameter filled in
   * at run time, by name.
   * @example
   * const byId = db.prepare((p: { id: string }) => db.kysely.selectFrom('users').selectAll().where('id', '=', p.id))
   * const [user] = await byId.all({ id })
   */
  abstract prepare<P extends object, R>(build: (params: P) => Compilable<R>): Prepared<P, R>

  /** A write transaction, retried as a whole on retriable failures. */
  async transaction<T>(work: (tx: Transaction<Schema>) => Promise<T>): Promise<T> {
    return this.write(() => this.kysely.transaction().execute(work))
  }

  /** A write outside a transaction (one statement is atomic), retried on retriable failures. */
  async write<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await withRetry(this.retry, work)
    } catch (error) {
      throw translateDriverError(error)
    }
  }

  /** A read: never retried, so a failure reaches the caller at once. */
  async read<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work()
    } catch (error) {
      throw translateDriverError(error)
    }
  }

  abstract ping(): Promise<void>
  abstract poolStatus(): PoolStatus
  abstract close(): Promise<void>
}

const PARAM_MARK = '\u0000chatkeep-param:'

/**
 * Compiles a query with marker values, then records which marker sits at which position, so
 * that a run only has to put the caller's values in that order.
 */
export function compileWithParams<P extends object>(
  build: (params: P) => Compilable<unknown>,
): { sql: string; order: (params: P) => unknown[] } {
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
    order: (params) =>
      slots.map((slot) =>
        slot.name === undefined
          ? slot.value
          : ((params as Record<string, unknown>)[slot.name] ?? null),
      ),
  }
}
