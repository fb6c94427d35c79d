import { existsSync } from 'node:fs'
import { envToOperationsConfig, envToStoreConfig } from '../config/env.js'
import { resolveConfig } from '../config/store-config.js'
import type { Database } from '../db/database.js'
import { prepareSchema } from '../db/migrator.js'
import { openDatabase } from '../db/open.js'
import { ChatkeepError } from '../errors.js'
import { createStore, type Store } from '../store.js'
import type { CliContext } from './command.js'

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

/**
 * Runs `work` on a store over the configured database, as the server would open it: the schema
 * must be up to date, and the key ring (ENCRYPTION_KEYS) and transcript storage come from the
 * environment, so a command reads and writes messages exactly as the server does.
 */
export async function withStore<T>(
  ctx: CliContext,
  databaseUrl: string | undefined,
  work: (store: Store) => Promise<T>,
): Promise<T> {
  const env = databaseUrl === undefined ? ctx.env() : { ...ctx.env(), DATABASE_URL: databaseUrl }
  // Read before the database is opened, so a bad setting stops the command at once.
  const config = { ...envToStoreConfig(env), ...envToOperationsConfig(env) }
  return withDatabase(
    ctx,
    databaseUrl,
    async (db) => {
      await prepareSchema(db, false)
      // Closed with what it owns beyond the database (the key store of encryption at rest).
      const store = createStore(db, config)
      try {
        return await work(store)
      } finally {
        await store.close()
      }
    },
    { create: false },
  )
}

const sqliteFileExists = (path: string) => path === ':memory:' || existsSync(path)
