import { createHash } from 'node:crypto'
import { CompiledQuery, type Compilable, Kysely, type LogConfig, PostgresDialect } from 'kysely'
import pg from 'pg'
import { postgresCodec } from './codec.js'
import { compileWithParams, Database, type Executor, type Prepared } from './database.js'
import type { RetryPolicy } from './retry.js'
import type { Schema } from './schema.js'

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

export class PostgresDatabase extends Database {
  readonly engine = 'postgres' as const
  readonly codec = postgresCodec
  readonly capabilities = { writable_cte: true, in_process: false }
  readonly kysely: Kysely<Schema>
  readonly pool: pg.Pool

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
    this.kysely = new Kysely<Schema>({
      dialect: new PostgresDialect({ pool: this.pool }),
      ...(options.log ? { log: options.log } : {}),
    })
  }

  prepare<P extends object, R>(build: (params: P) => Compilable<R>): Prepared<P, R> {
    const { sql, order } = compileWithParams(build)
    const name = `ck_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`
    const pool = this.pool
    return {
      sql,
      async all(params) {
        const result = await pool.query({ name, text: sql, values: order(params) })
        return result.rows as R[]
      },
      async allIn(tx: Executor, params) {
        const result = await tx.executeQuery<R>(CompiledQuery.raw(sql, order(params)))
        return result.rows
      },
    }
  }

  async ping(): Promise<void> {
    await this.read(() => this.pool.query('select 1'))
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
    await this.kysely.destroy()
    // Kysely ends the pool only once a query of its own has run; a ping alone opened it too.
    if (!this.pool.ended) await this.pool.end()
  }
}
