import { randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { rm, stat } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import type { Database } from '../../db/database.js'
import { MIGRATIONS } from '../../db/migrations/index.js'
import { prepareSchema, refreshStatistics, schemaStatus } from '../../db/migrator.js'
import type { PostgresDatabase } from '../../db/postgres.js'
import type { SqliteDatabase } from '../../db/sqlite.js'
import { ChatkeepError } from '../../errors.js'
import {
  allBackupLogs,
  type BackupLogRow,
  upsertBackupLogs,
} from '../../repositories/backup-logs.js'
import { importDatabase } from '../logical/import.js'
import { ExportReader } from '../logical/reader.js'
import { decompressed, lines } from '../logical/streams.js'
import { type BackupResult, createBackup } from './backup.js'
import { hashFile } from './files.js'
import { type BackupKind, type BackupManifest, readManifest } from './manifest.js'
import { checkPgArchive, findPgTool, pgRestore, type PgTool, serverMajor } from './pg-dump.js'
import { pruneBackups } from './prune.js'
import { checkSqliteFile, copyIntoLive, gunzipTo } from './sqlite-snapshot.js'

/** The folder of BACKUP_DIR where restore keeps its safety backups, pruned apart. */
export const SAFETY_FOLDER = 'safety'

/** What a restore's progress counts, by kind of backup. */
export const RESTORE_UNITS: Record<BackupKind, string> = {
  sqlite: 'pages',
  pg_dump: 'bytes',
  logical: 'rows',
}

export type RestoreStage = 'verified' | 'safety_backup' | 'restoring' | 'restored'

export interface RestoreOptions {
  /** BACKUP_DIR: the safety backup goes to its `safety` folder. */
  backup_dir: string
  /** Safety backups kept (BACKUP_KEEP). */
  keep: number
  pg_dump?: string | undefined
  pg_restore?: string | undefined
  /** Each step as it begins, for a command to report. */
  onStage?: (stage: RestoreStage, manifest: BackupManifest) => void
  /** How far the restoring step got, in RESTORE_UNITS of the backup's kind. */
  onProgress?: (done: number, total: number) => void
}

export interface RestoreResult {
  manifest: BackupManifest
  /** The copy of the database as it was just before, or null when it was empty. */
  safety: BackupResult | null
  /** Migrations this code has that the restored database lacks: `chatkeep migrate up`. */
  pending: string[]
}

/** A backup that passed every check, ready to be restored; `dispose` removes what it unpacked. */
interface Verified {
  path: string
  manifest: BackupManifest
  /** SQLite: the decompressed, checked database file. */
  unpacked: string | null
  /** pg_dump: the pg_restore that read the archive. */
  pg_restore: PgTool | null
  dispose(): Promise<void>
}

/**
 * Checks a backup without changing anything: the manifest, the file's size and SHA-256 against
 * it, the engine, the schema (a newer one than this code knows is `schema_too_new`) and the
 * file's own integrity (SQLite's integrity_check, a full read of a pg_dump archive or of a
 * logical export). A bad file is `backup_corrupt`.
 */
export async function verifyBackup(
  db: Database,
  file: string,
  options: Pick<RestoreOptions, 'pg_dump' | 'pg_restore'> = {},
): Promise<BackupManifest> {
  const verified = await verify(db, file, options)
  await verified.dispose()
  return verified.manifest
}

/**
 * Replaces the database with a backup. The file is verified first (see `verifyBackup`); then a
 * safety backup of the current database is taken (into BACKUP_DIR/safety, recorded in
 * backup_logs); then the backup is restored all or nothing: SQLite through the online backup
 * API into the live file (one write transaction), PostgreSQL through `pg_restore
 * --single-transaction`, a logical backup through one replacing import. A restore cut short
 * leaves the old database as it was. backup_logs keeps its history across the restore.
 * @example
 * await restoreBackup(store.database, 'data/backups/chatkeep-….db.gz', { backup_dir: 'data/backups', keep: 7 })
 */
export async function restoreBackup(
  db: Database,
  file: string,
  options: RestoreOptions,
): Promise<RestoreResult> {
  const verified = await verify(db, file, options)
  try {
    const { manifest } = verified
    options.onStage?.('verified', manifest)
    const status = await schemaStatus(db)
    const empty = status.current === null && status.unknown.length === 0
    let safety: BackupResult | null = null
    if (!empty) {
      options.onStage?.('safety_backup', manifest)
      safety = await createBackup(db, {
        dir: join(options.backup_dir, SAFETY_FOLDER),
        keep: options.keep,
        pg_dump: options.pg_dump,
        prune: false,
      }).catch((error: unknown) => {
        throw saidFirst(error, 'The safety backup failed, so nothing was restored:')
      })
    }
    const logs = empty ? [] : await allBackupLogs(db)
    options.onStage?.('restoring', manifest)
    await RESTORERS[manifest.kind](db, verified, options)
    await keepBackupHistory(db, logs, verified)
    options.onStage?.('restored', manifest)
    if (safety !== null) {
      await pruneBackups(dirname(safety.path), options.keep, resolve(file))
    }
    const pending = (await schemaStatus(db)).pending
    return { manifest, safety, pending }
  } finally {
    await verified.dispose()
  }
}

async function verify(
  db: Database,
  file: string,
  options: Pick<RestoreOptions, 'pg_dump' | 'pg_restore'>,
): Promise<Verified> {
  const path = resolve(file)
  const found = await stat(path).then(
    (s) => s.isFile(),
    () => false,
  )
  if (!found) {
    throw new ChatkeepError('not_found', `There is no backup file at ${path}; check the path.`, {
      field: '/file',
    })
  }
  const manifest = await readManifest(path)
  const label = basename(path)
  if (manifest.kind !== 'logical' && manifest.engine !== db.engine) {
    throw new ChatkeepError(
      'validation_failed',
      `${label} is a ${ENGINE_NAMES[manifest.engine]} backup and the database is ` +
        `${ENGINE_NAMES[db.engine]}; a backup restores onto the engine it came from. To move ` +
        'data between engines, `chatkeep export` the source and `chatkeep import` the file into ' +
        'the target (or restore a backup taken with --format logical).',
      { field: '/file' },
    )
  }
  if (manifest.schema === null) {
    throw new ChatkeepError(
      'validation_failed',
      `${label} is a backup of an empty database: there is nothing to restore.`,
      { field: '/file' },
    )
  }
  refuseUnknown([manifest.schema], label)
  const actual = await hashFile(path)
  if (actual.file_size_bytes !== manifest.file_size_bytes || actual.sha256 !== manifest.sha256) {
    throw new ChatkeepError(
      'backup_corrupt',
      `${label} does not match its manifest (${actual.file_size_bytes} bytes, SHA-256 ` +
        `${actual.sha256.slice(0, 12)}…; expected ${manifest.file_size_bytes} bytes, ` +
        `${manifest.sha256.slice(0, 12)}…): it is damaged or incomplete. Nothing was restored.`,
    )
  }
  return CHECKS[manifest.kind](db, path, manifest, options)
}

const ENGINE_NAMES = { sqlite: 'SQLite', postgres: 'PostgreSQL' } as const

/** A file holding a migration this code does not know comes from a newer Chatkeep. */
function refuseUnknown(migrations: string[], label: string): void {
  const unknown = migrations.filter((name) => !Object.hasOwn(MIGRATIONS, name))
  if (unknown.length === 0) return
  throw new ChatkeepError(
    'schema_too_new',
    `${label} comes from a newer Chatkeep (its database has migration(s) ${unknown.join(', ')}, ` +
      'which this version does not know); upgrade Chatkeep to restore it. Nothing was restored.',
  )
}

type Check = (
  db: Database,
  path: string,
  manifest: BackupManifest,
  options: Pick<RestoreOptions, 'pg_dump' | 'pg_restore'>,
) => Promise<Verified>

const nothing = async () => {}

/** How each kind of backup is checked, beyond its checksum. */
const CHECKS: Record<BackupKind, Check> = {
  async sqlite(db, path, manifest) {
    const live = (db as SqliteDatabase).path
    if (live === ':memory:') {
      throw new ChatkeepError('validation_failed', 'An in-memory database cannot be restored into.')
    }
    // Unpacked next to the live file: the same disk, and never a small /tmp.
    const unpacked = join(dirname(live), `.chatkeep-restore-${randomBytes(6).toString('hex')}.db`)
    const dispose = () => rm(unpacked, { force: true })
    try {
      await gunzipTo(path, unpacked)
      refuseUnknown(checkSqliteFile(unpacked, basename(path)), basename(path))
    } catch (error) {
      await dispose()
      throw error
    }
    return { path, manifest, unpacked, pg_restore: null, dispose }
  },

  async pg_dump(db, path, manifest, options) {
    const made = Number(/\(PostgreSQL\)\s+(\d+)/.exec(manifest.tool ?? '')?.[1] ?? 0)
    const found = await findPgTool('pg_restore', {
      explicit: options.pg_restore,
      near: options.pg_dump === undefined ? undefined : dirname(options.pg_dump),
      min_major: Math.max(made, await serverMajor(db as PostgresDatabase)),
    })
    if (!('tool' in found)) {
      throw new ChatkeepError(
        'invalid_config',
        `Restoring a pg_dump backup needs pg_restore, but ${found.reason}; install the ` +
          'PostgreSQL client programs or set PG_RESTORE.',
      )
    }
    const migrations = await checkPgArchive(found.tool, path)
    if (migrations.length === 0) {
      throw new ChatkeepError(
        'backup_corrupt',
        `${basename(path)} is not a dump of a Chatkeep database (no chatkeep_migration rows).`,
      )
    }
    refuseUnknown(migrations, basename(path))
    return { path, manifest, unpacked: null, pg_restore: found.tool, dispose: nothing }
  },

  async logical(db, path, manifest) {
    try {
      const reader = new ExportReader(lines(decompressed(createReadStream(path))), db.codec)
      await reader.header()
      // Every row is read and decoded, up to the trailer and its counts.
      const rows = reader.rows()
      while ((await rows.next()).done !== true);
    } catch (error) {
      if (error instanceof ChatkeepError && error.code !== 'validation_failed') throw error
      throw new ChatkeepError(
        'backup_corrupt',
        `${basename(path)} is not a complete logical export: ${(error as Error).message} ` +
          'Nothing was restored.',
        { cause: error },
      )
    }
    return { path, manifest, unpacked: null, pg_restore: null, dispose: nothing }
  },
}

type Restorer = (db: Database, verified: Verified, options: RestoreOptions) => Promise<void>

/** How each kind of backup replaces the database, all or nothing. */
const RESTORERS: Record<BackupKind, Restorer> = {
  async sqlite(db, verified, options) {
    await copyIntoLive(verified.unpacked!, (db as SqliteDatabase).path, options.onProgress)
  },

  async pg_dump(db, verified, options) {
    const url = (db as PostgresDatabase).pool.options.connectionString!
    await pgRestore(verified.pg_restore!, url, verified.path, options.onProgress)
    // pg_restore copies the rows but not the planner's statistics.
    await refreshStatistics(db)
  },

  async logical(db, verified, options) {
    // The import writes into an up-to-date schema; the safety backup is already taken.
    await prepareSchema(db, true)
    await importDatabase(db, createReadStream(verified.path), {
      replace: true,
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    })
  },
}

/**
 * backup_logs describes the files in BACKUP_DIR, not the data: after a restore it still lists
 * every backup made before it (the safety backup too), and the restored backup as completed.
 */
async function keepBackupHistory(
  db: Database,
  before: BackupLogRow[],
  { manifest, path }: Verified,
): Promise<void> {
  const rows = [...before]
  const id = manifest.backup_log_id
  if (id !== null && !rows.some((row) => row.id === id)) {
    rows.push({
      id,
      backup_type: manifest.kind,
      status: 'completed',
      started_at: manifest.started_at,
      completed_at: manifest.completed_at,
      file_path: path,
      file_size_bytes: manifest.file_size_bytes,
      sha256: manifest.sha256,
      error_message: null,
    })
  }
  if (rows.length > 0) await db.transaction((tx) => upsertBackupLogs(tx, rows))
}

/** The same error, its message led by what it means here. */
function saidFirst(error: unknown, lead: string): unknown {
  if (!(error instanceof ChatkeepError)) return error
  return new ChatkeepError(error.code, `${lead} ${error.message}`, {
    ...(error.field === undefined ? {} : { field: error.field }),
    cause: error.cause ?? error,
  })
}
