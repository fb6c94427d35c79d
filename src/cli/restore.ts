import { envToOperationsConfig } from '../config/env.js'
import type { Database } from '../db/database.js'
import { schemaStatus } from '../db/migrator.js'
import type { PostgresDatabase } from '../db/postgres.js'
import type { SqliteDatabase } from '../db/sqlite.js'
import type { BackupManifest } from '../operations/backup/manifest.js'
import {
  RESTORE_UNITS,
  restoreBackup,
  type RestoreResult,
  verifyBackup,
} from '../operations/backup/restore.js'
import { pgTool } from './backup.js'
import {
  defineCommand,
  wholeNumberOption,
  onePositional,
  type CliContext,
  EXIT_OK,
  UsageError,
} from './command.js'
import type { Progress } from './progress.js'
import { DATABASE_URL_HELP, DATABASE_URL_OPTION, withDatabase } from './with-database.js'

const USAGE = `Usage: chatkeep restore FILE --yes [options]
       chatkeep restore FILE --check

Replaces the whole database with FILE, a backup made by \`chatkeep backup\`:
  1. verifies FILE: its size and SHA-256 against its manifest (FILE.json), the engine, the
     schema (a backup from a newer Chatkeep is refused) and the file itself (SQLite's
     integrity_check; a full read of a pg_dump archive or a logical export)
  2. takes a safety backup of the current database into BACKUP_DIR/safety (recorded in
     backup_logs like any backup; the newest BACKUP_KEEP are kept), unless it is empty
  3. restores FILE all or nothing: a restore cut short leaves the old database as it was
Stop the server first: its writes wait (or fail) while the restore runs, and whatever it
writes before the restore is lost. backup_logs keeps its history across a restore.

Options:
  --yes               Go ahead; restore never asks, so without --yes (or --check) it refuses
  --check             Only verify FILE; change nothing
${DATABASE_URL_HELP}
  --dir DIR           BACKUP_DIR, where the safety backup goes (DIR/safety)
  --keep N            Safety backups to keep (overrides BACKUP_KEEP)
  --pg-dump PATH      The pg_dump for the safety backup (overrides PG_DUMP)
  --pg-restore PATH   The pg_restore to use (overrides PG_RESTORE; default: next to pg_dump,
                      PATH, then /usr/lib/postgresql/N/bin)
  --json              Print the result as JSON
  -h, --help          Show this help`

export const restore = defineCommand({
  name: 'restore',
  summary: 'Verify a backup and restore it (after a safety backup)',
  usage: USAGE,
  options: {
    ...DATABASE_URL_OPTION,
    yes: { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
    dir: { type: 'string' },
    keep: { type: 'string' },
    'pg-dump': { type: 'string' },
    'pg-restore': { type: 'string' },
    json: { type: 'boolean', default: false },
  },
  async run({ values, positionals }, ctx) {
    const file = onePositional(positionals, 'restore needs the backup FILE')
    if (values.check && values.yes) throw new UsageError('use --check or --yes, not both')
    if (!values.check && !values.yes) {
      throw new UsageError(
        'restore replaces every row of the database; pass --yes to go ahead, or --check to ' +
          'only verify the file',
      )
    }
    const keep = wholeNumberOption(values.keep, '--keep')
    const config = envToOperationsConfig(ctx.env())
    const tools = {
      pg_dump: values['pg-dump'] ?? pgTool(ctx, 'PG_DUMP'),
      pg_restore: values['pg-restore'] ?? pgTool(ctx, 'PG_RESTORE'),
    }
    return withDatabase(ctx, values['database-url'], async (db) => {
      if (values.check) {
        const manifest = await verifyBackup(db, file, tools)
        const current = (await schemaStatus(db)).current
        if (values.json) {
          ctx.stdout(
            JSON.stringify({ verified: true, manifest, database_schema: current }, null, 2),
          )
        } else {
          ctx.stdout(`${describe(file, manifest)}: verified, nothing changed.`)
          ctx.stdout(`The database is at schema ${current ?? '(none: it is empty)'}.`)
        }
        return EXIT_OK
      }
      let progress: Progress | undefined
      let result: RestoreResult
      try {
        result = await restoreBackup(db, file, {
          ...tools,
          backup_dir: values.dir ?? config.backup_dir,
          keep: keep ?? config.backup_keep,
          onStage: (stage, manifest) => {
            if (stage === 'restoring') {
              progress = ctx.progress('restore', RESTORE_UNITS[manifest.kind])
            }
          },
          onProgress: (done, total) => progress?.update(done, total),
        })
      } finally {
        progress?.finish()
      }
      printRestore(ctx, db, file, result, values.json)
      return EXIT_OK
    })
  },
})

function printRestore(
  ctx: CliContext,
  db: Database,
  file: string,
  result: RestoreResult,
  json: boolean,
): void {
  if (json) {
    ctx.stdout(
      JSON.stringify(
        {
          restored: true,
          manifest: result.manifest,
          safety_backup: result.safety?.path ?? null,
          pending: result.pending,
        },
        null,
        2,
      ),
    )
    return
  }
  ctx.stdout(`${describe(file, result.manifest)}: verified.`)
  ctx.stdout(
    result.safety === null
      ? 'The database was empty: no safety backup was needed.'
      : `Safety backup of the database as it was: ${result.safety.path}`,
  )
  ctx.stdout(`Restored into ${where(db)}.`)
  if (result.pending.length > 0) {
    ctx.stdout(
      `The restored database lacks ${result.pending.length} migration(s) of this Chatkeep; ` +
        'run `chatkeep migrate up` before starting the server.',
    )
  }
}

const describe = (file: string, m: BackupManifest): string =>
  `${file} (${m.kind} backup of ${m.engine}, schema ${m.schema ?? '(none)'}, taken ${m.started_at})`

/** The database, named without its password. */
function where(db: Database): string {
  if (db.engine === 'sqlite') return (db as SqliteDatabase).path
  const url = new URL((db as PostgresDatabase).pool.options.connectionString!)
  url.password = ''
  return url.toString()
}
