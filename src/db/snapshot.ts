import BetterSqlite3 from 'better-sqlite3'
import { type CompiledQuery, type Kysely, type RawBuilder, sql } from 'kysely'
import type { Snapshot } from './database.js'
import { translateDriverError } from './driver-errors.js'
import { StatementCache } from './sqlite-driver.js'
import type { Schema } from './schema.js'

/** How long the reading connection waits on SQLite's rare reader locks (WAL recovery). */
const READER_BUSY_TIMEOUT_MS = 5_000

/**
 * A snapshot on one connection of the database's own: `begin` opens a read transaction that
 * sees one moment (PostgreSQL's REPEATABLE READ READ ONLY; SQLite's deferred `begin`, for an
 * in-memory database that has no other connection). Kysely's connection translates failures.
 */
export function snapshotOnConnection<T>(
  kysely: Kysely<Schema>,
  begin: RawBuilder<unknown>,
  work: (snapshot: Snapshot) => Promise<T>,
): Promise<T> {
  return kysely.connection().execute(async (conn) => {
    await begin.execute(conn)
    try {
      const result = await work({
        all: async <R>(query: CompiledQuery) => (await conn.executeQuery<R>(query)).rows,
      })
      await sql`commit`.execute(conn)
      return result
    } catch (error) {
      await sql`rollback`.execute(conn).catch(() => {})
      throw error
    }
  })
}

/** A better-sqlite3 call whose failure is the database's: reported as a ChatkeepError. */
async function driver<T>(call: () => T | Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (error) {
    throw translateDriverError(error)
  }
}

/**
 * A snapshot of a SQLite file on a read-only connection of its own, in a read transaction: WAL
 * lets writers go on, and the store's own connection stays free for them.
 */
export async function snapshotOfSqliteFile<T>(
  path: string,
  work: (snapshot: Snapshot) => Promise<T>,
): Promise<T> {
  const handle = await driver(
    () =>
      new BetterSqlite3(path, {
        readonly: true,
        fileMustExist: true,
        timeout: READER_BUSY_TIMEOUT_MS,
      }),
  )
  const statements = new StatementCache(handle)
  try {
    await driver(() => {
      handle.exec('begin')
      // A deferred transaction takes its snapshot at its first read: take it now.
      statements.get('select count(*) from sqlite_master').execute([])
    })
    const result = await work({
      all: <R>(query: CompiledQuery) =>
        driver(() => statements.get(query.sql).execute<R>(query.parameters).rows),
    })
    handle.exec('commit')
    return result
  } finally {
    handle.close()
  }
}
