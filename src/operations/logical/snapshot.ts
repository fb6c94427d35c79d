import BetterSqlite3 from 'better-sqlite3'
import { type CompiledQuery, sql } from 'kysely'
import type { Database } from '../../db/database.js'
import { translateDriverError } from '../../db/driver-errors.js'
import { SqliteDatabase } from '../../db/sqlite.js'

/** Reads that all see the database as it was at one moment, whatever is written meanwhile. */
export interface Snapshot {
  all<R>(query: CompiledQuery): Promise<R[]>
}

/** How long the reading connection waits on SQLite's rare reader locks (WAL recovery). */
const READER_BUSY_TIMEOUT_MS = 5_000

/** A database call whose failure is the database's: reported as a ChatkeepError. */
async function driver<T>(call: () => T | Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (error) {
    throw translateDriverError(error)
  }
}

/**
 * Runs `work` in one consistent, read-only snapshot that does not hold up writers.
 *
 * PostgreSQL: a REPEATABLE READ READ ONLY transaction on one pooled connection. SQLite: a
 * separate read-only connection to the same file in a read transaction; WAL lets writers go on,
 * and the store's own connection stays free for them. An in-memory SQLite database has only the
 * store's connection, which the snapshot then holds to itself.
 */
export async function withSnapshot<T>(
  db: Database,
  work: (snapshot: Snapshot) => Promise<T>,
): Promise<T> {
  if (db instanceof SqliteDatabase && db.path !== ':memory:') return onSqliteFile(db.path, work)
  const begin =
    db.engine === 'postgres'
      ? sql`start transaction isolation level repeatable read, read only`
      : sql`begin`
  const connection = db.kysely.connection()
  return connection.execute(async (conn) => {
    await driver(() => begin.execute(conn))
    try {
      const result = await work({
        all: <R>(query: CompiledQuery) =>
          driver(async () => (await conn.executeQuery<R>(query)).rows),
      })
      await driver(() => sql`commit`.execute(conn))
      return result
    } catch (error) {
      await sql`rollback`.execute(conn).catch(() => {})
      throw error
    }
  })
}

async function onSqliteFile<T>(path: string, work: (snapshot: Snapshot) => Promise<T>) {
  const handle = await driver(
    () =>
      new BetterSqlite3(path, {
        readonly: true,
        fileMustExist: true,
        timeout: READER_BUSY_TIMEOUT_MS,
      }),
  )
  const statements = new Map<string, BetterSqlite3.Statement>()
  const prepared = (text: string) => {
    let statement = statements.get(text)
    if (statement === undefined) {
      statement = handle.prepare(text)
      statements.set(text, statement)
    }
    return statement
  }
  try {
    await driver(() => {
      handle.exec('begin')
      // A deferred transaction takes its snapshot at its first read: take it now.
      prepared('select count(*) from sqlite_master').get()
    })
    const result = await work({
      all: <R>(query: CompiledQuery) =>
        driver(() => prepared(query.sql).all(...(query.parameters as unknown[])) as R[]),
    })
    handle.exec('commit')
    return result
  } finally {
    handle.close()
  }
}
