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
  wholeNumberOption,
  onePositional,
  type CliContext,
  EXIT_OK,
  UsageError,
  type ParsedArgs,
} from './command.js'
import type { Progress } from './progress.js'
import { recordCliActionIfMigrated } from './cli-audit.js'
import { withDatabase } from './with-database.js'
import type { restoreOptions } from './commands/restore.js'

/** `chatkeep restore`: the work, loaded once its arguments are parsed. */
export async function run(
  { values, positionals }: ParsedArgs<typeof restoreOptions>,
  ctx: CliContext,
): Promise<number> {
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
        ctx.stdout(JSON.stringify({ verified: true, manifest, database_schema: current }, null, 2))
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
    // Into the restored database, after the restore: written before, the restore would replace it.
    await recordCliActionIfMigrated(ctx, db, 'backup.restore', null, {
      file,
      kind: result.manifest.kind,
      sha256: result.manifest.sha256,
      taken_at: result.manifest.started_at,
      safety_backup: result.safety?.path ?? null,
    })
    printRestore(ctx, db, file, result, values.json)
    return EXIT_OK
  })
}

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
