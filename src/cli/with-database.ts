import { existsSync } from 'node:fs'
import { envToStoreConfig } from '../config/env.js'
import { resolveConfig } from '../config/store-config.js'
import type { Database } from '../db/database.js'
import { openDatabase } from '../db/open.js'
import { ChatkeepError } from '../errors.js'
import type { CliContext } from './command.js'

/** The option every command that opens the database takes, for `parseArgs`. */
export const DATABASE_URL_OPTION = { 'database-url': { type: 'string' } } as const

export const DATABASE_URL_HELP =
  '  --database-url URL  The database to use (overrides DATABASE_URL)'

export interface WithDatabaseOptions {
  /**
   * Create the SQLite file when there is none (the default). Commands that only look at a
   * database say so instead of leaving an empty file behind.
   */
  create?: boolean
}

/**
 * Opens the configured database without checking its schema (a command may be there to fix
 * it), runs `work` on it and always closes it.
 */
export async function withDatabase<T>(
  ctx: CliContext,
  databaseUrl: string | undefined,
  work: (db: Database) => Promise<T>,
  options: WithDatabaseOptions = {},
): Promise<T> {
  const env = databaseUrl === undefined ? ctx.env() : { ...ctx.env(), DATABASE_URL: databaseUrl }
  const config = resolveConfig(envToStoreConfig(env))
  if (options.create === false && config.engine === 'sqlite' && !sqliteFileExists(config.path)) {
    throw new ChatkeepError(
      'not_found',
      `There is no SQLite database at ${config.path}; check DATABASE_URL, or run \`chatkeep migrate up\` to create one.`,
    )
  }
  const db = await openDatabase(config)
  try {
    return await work(db)
  } finally {
    await db.close()
  }
}

const sqliteFileExists = (path: string) => path === ':memory:' || existsSync(path)
