import { envToStoreConfig } from '../config/env.js'
import { resolveConfig } from '../config/store-config.js'
import type { Database } from '../db/database.js'
import { openDatabase } from '../db/open.js'
import type { CliContext } from './command.js'

/** The option every command that opens the database takes, for `parseArgs`. */
export const DATABASE_URL_OPTION = { 'database-url': { type: 'string' } } as const

export const DATABASE_URL_HELP =
  '  --database-url URL  The database to use (overrides DATABASE_URL)'

/**
 * Opens the configured database without checking its schema (a command may be there to fix
 * it), runs `work` on it and always closes it.
 */
export async function withDatabase<T>(
  ctx: CliContext,
  databaseUrl: string | undefined,
  work: (db: Database) => Promise<T>,
): Promise<T> {
  const env = databaseUrl === undefined ? ctx.env() : { ...ctx.env(), DATABASE_URL: databaseUrl }
  const db = await openDatabase(resolveConfig(envToStoreConfig(env)))
  try {
    return await work(db)
  } finally {
    await db.close()
  }
}
