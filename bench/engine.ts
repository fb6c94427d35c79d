import { sql } from 'kysely'
import type { Store } from '../src/index.js'

const SYNCHRONOUS = ['off', 'normal', 'full', 'extra']

/** The engine's version and settings, read from the store Chatkeep opened. */
export async function describeEngine(
  store: Store,
): Promise<{ heading: string; synchronous: string }> {
  const db = store.database.kysely
  if (store.engine === 'sqlite') {
    const { rows } = await sql<{ version: string }>`select sqlite_version() as version`.execute(db)
    const sync = await sql<{ synchronous: number }>`pragma synchronous`.execute(db)
    const synchronous = SYNCHRONOUS[sync.rows[0]!.synchronous] ?? 'full'
    return {
      heading: `SQLite ${rows[0]!.version} (better-sqlite3, WAL, synchronous=${synchronous.toUpperCase()} on both sides)`,
      synchronous,
    }
  }
  const { rows } = await sql<{ version: string; sc: string }>`
    select current_setting('server_version') as version,
           current_setting('synchronous_commit') as sc`.execute(db)
  return {
    heading: `PostgreSQL ${rows[0]!.version} (pg, synchronous_commit=${rows[0]!.sc})`,
    synchronous: '',
  }
}
