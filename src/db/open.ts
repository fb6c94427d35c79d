import type { LogEvent, Logger } from 'kysely'
import type { ResolvedConfig } from '../config/store-config.js'
import { ChatkeepError } from '../errors.js'
import type { Database } from './database.js'
import { DEFAULT_RETRY, type RetryPolicy } from './retry.js'
import { SqliteDatabase } from './sqlite.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Opens the engine the configuration names and waits until it answers. */
export async function openDatabase(config: ResolvedConfig): Promise<Database> {
  const retry = { ...DEFAULT_RETRY, retries: config.write_retries }
  const log = config.echo ? echoToStderr : undefined
  const db =
    config.engine === 'sqlite'
      ? openSqlite(config, retry, log)
      : await openPostgres(config, retry, log)
  const deadline = Date.now() + config.database_timeout * 1000
  for (let attempt = 0; ; attempt++) {
    try {
      await db.ping()
      return db
    } catch (error) {
      if (attempt >= config.init_retry_count || Date.now() >= deadline) {
        await db.close().catch(() => {})
        throw new ChatkeepError(
          'unavailable',
          `Cannot reach the ${config.engine === 'sqlite' ? 'SQLite file' : 'PostgreSQL server'}` +
            ` after ${attempt + 1} attempts; check DATABASE_URL and that the database is running.`,
          { cause: error },
        )
      }
      await sleep(config.init_retry_delay_ms * 2 ** attempt)
    }
  }
}

/** DATABASE_ECHO writes each statement to stderr, so it never mixes with a command's output. */
const echoToStderr = (event: LogEvent) => {
  const took = `${event.queryDurationMillis.toFixed(2)} ms`
  if (event.level === 'error') console.error(`[sql error ${took}] ${event.query.sql}`, event.error)
  else console.error(`[sql ${took}] ${event.query.sql}`)
}

function openSqlite(
  config: Extract<ResolvedConfig, { engine: 'sqlite' }>,
  retry: RetryPolicy,
  log: Logger | undefined,
): Database {
  try {
    return new SqliteDatabase({
      path: config.path,
      synchronous: config.sqlite_synchronous,
      busy_timeout_ms: config.sqlite_busy_timeout_ms,
      retry,
      ...(log ? { log } : {}),
    })
  } catch (error) {
    throw new ChatkeepError(
      'unavailable',
      `Cannot open the SQLite file ${config.path} (${(error as Error).message}); check the path and its folder's permissions.`,
      { cause: error },
    )
  }
}

/** Loads the PostgreSQL driver (pg) only for a PostgreSQL database: SQLite users never load it. */
async function openPostgres(
  config: Extract<ResolvedConfig, { engine: 'postgres' }>,
  retry: RetryPolicy,
  log: Logger | undefined,
): Promise<Database> {
  const { PostgresDatabase } = await import('./postgres.js')
  return new PostgresDatabase({
    url: config.url,
    pool_size: config.pool_size,
    max_overflow: config.max_overflow,
    pool_timeout_ms: config.pool_timeout * 1000,
    pool_recycle_ms: config.pool_recycle * 1000,
    retry,
    ...(log ? { log } : {}),
  })
}
