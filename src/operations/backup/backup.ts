import { mkdir, rm } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGzip } from 'node:zlib'
import type { Database } from '../../db/database.js'
import { type SchemaStatus, schemaStatus } from '../../db/migrator.js'
import type { PostgresDatabase } from '../../db/postgres.js'
import type { SqliteDatabase } from '../../db/sqlite.js'
import { ChatkeepError } from '../../errors.js'
import { uuid7 } from '../../lib/uuid7.js'
import { insertBackupLog, updateBackupLog } from '../../repositories/backup-logs.js'
import { exportDatabase } from '../logical/export.js'
import { partialPath, writeAtomically } from './files.js'
import {
  type BackupKind,
  type BackupManifest,
  checksumPath,
  EXTENSIONS,
  MANIFEST_FORMAT,
  MANIFEST_VERSION,
  manifestPath,
  writeManifest,
} from './manifest.js'
import { findPgTool, pgDump, type PgTool, serverMajor } from './pg-dump.js'
import { pruneBackups, stampOf } from './prune.js'
import { gzipInto, snapshotSqlite, sqliteMigrations } from './sqlite-snapshot.js'

/**
 * `native`: the engine's own copy (SQLite's file, pg_dump); `logical`: Chatkeep's export, which
 * either engine can restore; `auto`: native, or logical on PostgreSQL when no pg_dump that can
 * dump the server is installed.
 */
export type BackupFormat = 'auto' | 'native' | 'logical'

export const BACKUP_FORMATS: readonly BackupFormat[] = ['auto', 'native', 'logical']

export interface BackupOptions {
  /** The folder the backup goes to (BACKUP_DIR). */
  dir: string
  /** Complete backups kept in `dir` (BACKUP_KEEP); older ones are deleted after this one. */
  keep: number
  format?: BackupFormat
  /** The pg_dump to use (PG_DUMP); otherwise PATH and /usr/lib/postgresql/N/bin are searched. */
  pg_dump?: string | undefined
  /** Delete old backups beyond `keep` once this one is complete (the default). */
  prune?: boolean
  /** Bytes written so far. */
  onProgress?: (bytes: number) => void
}

export interface BackupResult {
  /** The backup file; its manifest is `path + '.json'`. */
  path: string
  manifest: BackupManifest
  /** Why a PostgreSQL backup in `auto` format is logical rather than pg_dump. */
  fallback_reason: string | null
  /** Older backups deleted to keep `keep`. */
  pruned: string[]
  /** A prune that failed after the backup was complete: the backup itself is fine. */
  warnings: string[]
}

interface Plan {
  kind: BackupKind
  tool: PgTool | null
  fallback_reason: string | null
}

const now = () => new Date().toISOString()

/**
 * Takes a consistent backup of the database while it keeps serving writes, recorded in
 * backup_logs: `started`, `in_progress`, then `completed` with the file's path, size and
 * SHA-256, or `failed` with the reason (the row is committed first, so a failure cannot lose
 * it). The file is written under a temporary name, fsynced and renamed, then its manifest is
 * written: a failed backup leaves no file behind. Then backups beyond `keep` are pruned.
 * @example
 * const { path } = await createBackup(store.database, { dir: './data/backups', keep: 7 })
 */
export async function createBackup(db: Database, options: BackupOptions): Promise<BackupResult> {
  const status = await schemaStatus(db)
  const started_at = now()
  const id = uuid7()
  const logged = hasBackupLogs(status)
  const tentative: BackupKind =
    options.format === 'logical' ? 'logical' : db.engine === 'sqlite' ? 'sqlite' : 'pg_dump'
  if (logged) {
    await db.write(() =>
      insertBackupLog(db, { id, backup_type: tentative, status: 'started', started_at }),
    )
  }
  const log = (patch: Parameters<typeof updateBackupLog>[2]) =>
    logged ? db.write(() => updateBackupLog(db, id, patch)) : Promise.resolve()

  let manifest: BackupManifest
  let path: string
  /** The backup's file once it has a name, for the failure to remove. */
  let named: string | undefined
  let plan: Plan
  try {
    plan = await planBackup(db, options)
    await log({ status: 'in_progress', backup_type: plan.kind })
    await mkdir(options.dir, { recursive: true })
    const name = `chatkeep-${stampOf(started_at)}-${id.slice(-8)}${EXTENSIONS[plan.kind]}`
    path = resolve(options.dir, name)
    named = path
    const { written, schema } = await WRITERS[plan.kind](db, path, plan, options)
    manifest = {
      format: MANIFEST_FORMAT,
      format_version: MANIFEST_VERSION,
      engine: db.engine,
      kind: plan.kind,
      schema: schema === undefined ? newestApplied(status) : schema,
      file: name,
      file_size_bytes: written.file_size_bytes,
      sha256: written.sha256,
      started_at,
      completed_at: now(),
      backup_log_id: logged ? id : null,
      tool: plan.tool?.version ?? null,
    }
    await writeManifest(path, manifest)
  } catch (error) {
    const failure = asBackupFailure(error, options.dir)
    // A file is complete only with its manifest: one that could not be written (a full disk)
    // takes the backup and its checksum with it. The names are this backup's own.
    if (named !== undefined) {
      for (const file of [named, checksumPath(named), manifestPath(named)]) {
        await rm(file, { force: true }).catch(() => {})
      }
    }
    await log({ status: 'failed', completed_at: now(), error_message: failure.message }).catch(
      () => {},
    )
    throw failure
  }
  await log({
    status: 'completed',
    completed_at: manifest.completed_at,
    file_path: path,
    file_size_bytes: manifest.file_size_bytes,
    sha256: manifest.sha256,
  })
  const result: BackupResult = {
    path,
    manifest,
    fallback_reason: plan.fallback_reason,
    pruned: [],
    warnings: [],
  }
  if (options.prune !== false) {
    try {
      result.pruned = await pruneBackups(options.dir, options.keep, path)
    } catch (error) {
      result.warnings.push(`Pruning ${options.dir} failed: ${(error as Error).message}`)
    }
  }
  return result
}

/** The first migration creates backup_logs; a database without it has nowhere to log to. */
const hasBackupLogs = (status: SchemaStatus): boolean =>
  status.current !== null || status.unknown.length > 0

const latest = (names: string[]): string | null => [...names].sort().at(-1) ?? null

/** The newest migration applied, known to this code or not: migration names sort by date. */
const newestApplied = (status: SchemaStatus): string | null =>
  latest([
    ...status.migrations.filter((m) => m.applied_at !== null).map((m) => m.name),
    ...status.unknown,
  ])

async function planBackup(db: Database, options: BackupOptions): Promise<Plan> {
  const format = options.format ?? 'auto'
  if (format === 'logical') return { kind: 'logical', tool: null, fallback_reason: null }
  if (db.engine === 'sqlite') return { kind: 'sqlite', tool: null, fallback_reason: null }
  const found = await findPgTool('pg_dump', {
    explicit: options.pg_dump,
    min_major: await serverMajor(db as PostgresDatabase),
  })
  if ('tool' in found) return { kind: 'pg_dump', tool: found.tool, fallback_reason: null }
  if (format === 'native') {
    throw new ChatkeepError(
      'invalid_config',
      `--format native needs pg_dump, but ${found.reason}; install the PostgreSQL client ` +
        'programs, set PG_DUMP, or use --format logical.',
    )
  }
  return { kind: 'logical', tool: null, fallback_reason: found.reason }
}

interface Writer {
  (
    db: Database,
    path: string,
    plan: Plan,
    options: BackupOptions,
  ): Promise<{
    written: { sha256: string; file_size_bytes: number }
    /** The schema read from the copy itself, when the writer can. */
    schema?: string | null
  }>
}

/** How each kind of backup is written: the one place that knows the engines apart. */
const WRITERS: Record<BackupKind, Writer> = {
  async sqlite(db, path, _plan, options) {
    // The snapshot is a plain database file next to the backup, removed whatever happens.
    const snapshot = partialPath(`${path}.snapshot`)
    try {
      await snapshotSqlite(db as SqliteDatabase, snapshot)
      const schema = latest(sqliteMigrations(snapshot))
      const written = await writeAtomically(
        path,
        (out) => gzipInto(snapshot, out),
        options.onProgress,
      )
      return { written, schema }
    } finally {
      await rm(snapshot, { force: true })
    }
  },

  async pg_dump(db, path, plan, options) {
    const url = (db as PostgresDatabase).pool.options.connectionString!
    const written = await writeAtomically(
      path,
      (out) => pgDump(plan.tool!, url, out),
      options.onProgress,
    )
    return { written }
  },

  async logical(db, path, _plan, options) {
    let schema: string | undefined
    const written = await writeAtomically(
      path,
      async (out: Writable) => {
        const gzip = createGzip()
        const piped = pipeline(gzip, out)
        piped.catch(() => {})
        try {
          schema = (await exportDatabase(db, gzip)).schema
        } catch (error) {
          gzip.destroy(error as Error)
          throw error
        }
        gzip.end()
        await piped
      },
      options.onProgress,
    )
    return { written, schema: schema ?? null }
  },
}

/** What a full disk or an exhausted quota says: the file system's error, or SQLite's. */
const DISK_FULL = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL'])

/**
 * A failure as the operator sees it: `backup_failed`, saying what failed and, for the usual
 * causes, what to do. Chatkeep's own errors keep their code (`invalid_config` for a pg_dump
 * that does not run, `unavailable` for a database that went away) unless they are the database
 * layer's account of the backup's own file failing: SQLite writes its snapshot into BACKUP_DIR,
 * and a full disk there comes back from the driver as SQLITE_FULL.
 */
function asBackupFailure(error: unknown, dir: string): ChatkeepError {
  const raw = error instanceof ChatkeepError ? (error.cause ?? error) : error
  const code = (raw as NodeJS.ErrnoException | undefined)?.code
  const full = code !== undefined && DISK_FULL.has(code)
  if (error instanceof ChatkeepError && error.code !== 'internal' && !full) return error
  const where =
    code === 'EACCES' || code === 'EPERM' || code === 'ENOTDIR' || code === 'EROFS'
      ? ` BACKUP_DIR (${dir}) must be a folder Chatkeep can write to.`
      : full
        ? ` The disk holding BACKUP_DIR (${dir}) is full: free some space (or point BACKUP_DIR elsewhere) and run the backup again.`
        : ''
  return new ChatkeepError(
    'backup_failed',
    `The backup failed and nothing was kept: ${(raw as Error).message}.${where}`,
    { cause: raw },
  )
}
