import { createHash } from 'node:crypto'
import {
  CompiledQuery,
  Kysely,
  type LogConfig,
  PostgresAdapter,
  PostgresDriver,
  PostgresIntrospector,
  PostgresQueryCompiler,
  sql,
} from 'kysely'
import pg from 'pg'
import { postgresCodec } from './codec.js'
import { type CompiledStatement, RootDatabase, type Snapshot } from './database.js'
import { postgresDialect } from './dialect.js'
import { storeClosed, translateDriverError } from './driver-errors.js'
import type { RetryPolicy } from './retry.js'
import { PostgresVectorIndex } from './pgvector.js'
import type { Schema } from './schema.js'
import { snapshotOnConnection } from './snapshot.js'
import { TranslatingDriver } from './translating-driver.js'

export interface PostgresOptions {
  url: string
  /** Connections kept open (DATABASE_POOL_SIZE). */
  pool_size: number
  /** Connections opened past pool_size under load, closed again when idle (DATABASE_MAX_OVERFLOW). */
  max_overflow: number
  /** How long a query waits for a free connection (DATABASE_POOL_TIMEOUT). */
  pool_timeout_ms: number
  /** A connection is replaced after this long (DATABASE_POOL_RECYCLE); 0 keeps it. */
  pool_recycle_ms: number
  retry: RetryPolicy
  log?: LogConfig
}

const OID = { int8: 20, timestamp: 1114, timestamptz: 1184 }

const PG_UTC = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?\+00$/

/**
 * PostgreSQL prints `2026-11-25 12:30:19.123456+00` in UTC; data objects carry ISO-8601 with
 * milliseconds. The usual shape is rewritten as text (a list of 50 conversations has 150 of
 * them, and a Date round trip each was a quarter of the list's time in JavaScript); anything
 * else goes through Date. Both truncate to milliseconds.
 */
const isoTimestamp = (text: string): string => {
  const m = PG_UTC.exec(text)
  if (m === null) return new Date(text.replace(' ', 'T').replace(/\+00$/, 'Z')).toISOString()
  return `${m[1]}T${m[2]}.${`${m[3] ?? ''}000`.slice(0, 3)}Z`
}

const parsers: Record<number, (text: string) => unknown> = {
  [OID.int8]: (text) => Number(text),
  [OID.timestamptz]: isoTimestamp,
  [OID.timestamp]: (text) => isoTimestamp(`${text}+00`),
}

const typeParsers = {
  getTypeParser: ((oid: number, format?: string) =>
    parsers[oid] ?? pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
}

/** A named prepared statement per SQL text: the server parses and plans it once per connection. */
const statementName = (text: string) =>
  `ck_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`

export class PostgresDatabase extends RootDatabase {
  readonly engine = 'postgres' as const
  readonly codec = postgresCodec
  readonly dialect = postgresDialect
  readonly capabilities = { writable_cte: true, in_process: false }
  readonly vectors = new PostgresVectorIndex()
  protected readonly builder: Kysely<Schema>
  readonly pool: pg.Pool
  readonly #names = new Map<string, string>()

  constructor(options: PostgresOptions) {
    super(options.retry)
    this.pool = new pg.Pool({
      connectionString: options.url,
      min: options.pool_size,
      max: options.pool_size + options.max_overflow,
      connectionTimeoutMillis: options.pool_timeout_ms,
      idleTimeoutMillis: 30_000,
      ...(options.pool_recycle_ms > 0
        ? { maxLifetimeSeconds: Math.ceil(options.pool_recycle_ms / 1000) }
        : {}),
      options: '-c TimeZone=UTC',
      types: typeParsers,
    })
    // An idle connection that dies (server restart) must not crash the process; the pool
    // replaces it on the next checkout.
    this.pool.on('error', () => {})
    // The same for a connection in use (a transaction's, between its statements): pg would
    // emit the loss as an uncaught 'error'; the statement that runs on it next fails instead.
    this.pool.on('connect', (client) => client.on('error', () => {}))
    const errors = {
      translate: translateDriverError,
      closedError: () => (this.closed ? storeClosed() : undefined),
    }
    const pool = this.pool
    this.builder = new Kysely<Schema>({
      dialect: {
        createAdapter: () => new PostgresAdapter(),
        createDriver: () => new TranslatingDriver(new PostgresDriver({ pool }), errors),
        createIntrospector: (db) => new PostgresIntrospector(db),
        createQueryCompiler: () => new PostgresQueryCompiler(),
      },
      ...(options.log ? { log: options.log } : {}),
    })
  }

  protected async runOnRoot<P extends object, R>(
    statement: CompiledStatement<P>,
    params: P,
  ): Promise<R[]> {
    let name = this.#names.get(statement.sql)
    if (name === undefined) {
      name = statementName(statement.sql)
      this.#names.set(statement.sql, name)
    }
    try {
      const result = await this.pool.query({
        name,
        text: statement.sql,
        values: statement.order(params),
      })
      return result.rows as R[]
    } catch (error) {
      throw translateDriverError(error, { may_have_committed: !statement.reader })
    }
  }

  snapshot<T>(work: (snapshot: Snapshot) => Promise<T>): Promise<T> {
    const begin = sql`start transaction isolation level repeatable read, read only`
    return snapshotOnConnection(this.kysely, begin, work)
  }

  async sizeOnDisk(): Promise<number> {
    const { rows } = await sql<{
      size: number
    }>`select pg_database_size(current_database()) as size`.execute(this.kysely)
    return Number(rows[0]!.size)
  }

  async ping(): Promise<void> {
    await this.kysely.executeQuery(CompiledQuery.raw('select 1'))
  }

  poolStatus() {
    return {
      total: this.pool.totalCount,
      idle: this.pool.idleCount,
      waiting: this.pool.waitingCount,
      max: this.pool.options.max,
    }
  }

  async close(): Promise<void> {
    if (!this.markClosed()) return
    await this.builder.destroy()
    // Kysely ends the pool only once a query of its own has run; a ping alone opened it too.
    if (!this.pool.ended) await this.pool.end()
  }
}
