import { createReadStream, createWriteStream } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import type { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGunzip, createGzip } from 'node:zlib'
import BetterSqlite3 from 'better-sqlite3'
import { sql } from 'kysely'
import type { SqliteDatabase } from '../../db/sqlite.js'
import { ChatkeepError } from '../../errors.js'

/** Pages copied per step of a restore: 1 MiB at the default page size. */
const PAGES_PER_STEP = 256

/**
 * Copies the live database into a new file at `into` with `VACUUM INTO`: one read transaction,
 * so the copy is the database as it was at one moment, while other connections keep writing
 * (WAL). The online backup API is not used here: it starts over whenever another connection
 * writes, and a busy server writes all the time.
 */
export async function snapshotSqlite(db: SqliteDatabase, into: string): Promise<void> {
  // VACUUM INTO fills an empty file as it finds it: created here, it is the owner's only.
  await writeFile(into, '', { flag: 'wx', mode: 0o600 })
  await sql`vacuum into ${into}`.execute(db.kysely)
}

/** Streams a file through gzip into `out`. */
export async function gzipInto(path: string, out: Writable): Promise<void> {
  await pipeline(createReadStream(path), createGzip(), out)
}

/** Decompresses a gzipped backup into `into`; a damaged or cut-off stream is `backup_corrupt`. */
export async function gunzipTo(file: string, into: string): Promise<void> {
  try {
    await pipeline(createReadStream(file), createGunzip(), createWriteStream(into, { mode: 0o600 }))
  } catch (error) {
    throw new ChatkeepError(
      'backup_corrupt',
      `${file} does not decompress (${(error as Error).message}); it is damaged or cut short.`,
      { cause: error },
    )
  }
}

/** The migrations applied to a database file (empty when it has none), oldest first. */
export function sqliteMigrations(path: string): string[] {
  const handle = new BetterSqlite3(path, { readonly: true, fileMustExist: true })
  try {
    return migrationsOf(handle)
  } finally {
    handle.close()
  }
}

function migrationsOf(handle: BetterSqlite3.Database): string[] {
  const table = handle
    .prepare(`select 1 from sqlite_master where type = 'table' and name = 'chatkeep_migration'`)
    .get()
  if (table === undefined) return []
  return (
    handle.prepare('select name from chatkeep_migration order by name').all() as { name: string }[]
  ).map((r) => r.name)
}

/**
 * Checks a decompressed backup before it may replace anything: SQLite's own `integrity_check`,
 * and that it is a Chatkeep database. Returns its migrations; anything wrong is `backup_corrupt`.
 */
export function checkSqliteFile(path: string, label: string): string[] {
  const bad = (what: string, cause?: unknown) =>
    new ChatkeepError('backup_corrupt', `${label} ${what}; nothing was restored.`, {
      ...(cause === undefined ? {} : { cause }),
    })
  let handle: BetterSqlite3.Database
  try {
    handle = new BetterSqlite3(path, { readonly: true, fileMustExist: true })
  } catch (error) {
    throw bad('cannot be opened as SQLite', error)
  }
  try {
    let problems: string[]
    try {
      problems = (handle.pragma('integrity_check') as { integrity_check: string }[]).map(
        (r) => r.integrity_check,
      )
    } catch (error) {
      throw bad('is not a SQLite database', error)
    }
    if (problems.join() !== 'ok') {
      throw bad(`fails SQLite's integrity check (${problems.slice(0, 3).join('; ')})`)
    }
    const migrations = migrationsOf(handle)
    if (migrations.length === 0) throw bad('is not a Chatkeep database (no chatkeep_migration)')
    return migrations
  } finally {
    handle.close()
  }
}

/**
 * Replaces the live database's content with the file at `source`, with SQLite's online backup
 * API: the pages go into the live file inside one write transaction that commits only after the
 * last page, so a process killed half-way leaves the old database, whole (its journal or WAL
 * rolls the copy back). Readers see the old content until the commit; writers wait.
 */
export async function copyIntoLive(
  source: string,
  livePath: string,
  onProgress?: (done: number, total: number) => void,
): Promise<void> {
  const handle = new BetterSqlite3(source, { readonly: true, fileMustExist: true })
  try {
    await handle.backup(livePath, {
      progress: ({ totalPages, remainingPages }) => {
        onProgress?.(totalPages - remainingPages, totalPages)
        return PAGES_PER_STEP
      },
    })
  } finally {
    handle.close()
  }
}
