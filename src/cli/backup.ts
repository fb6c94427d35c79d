import { envToOperationsConfig } from '../config/env.js'
import {
  BACKUP_FORMATS,
  type BackupFormat,
  type BackupResult,
  createBackup,
} from '../operations/backup/backup.js'
import {
  wholeNumberOption,
  type CliContext,
  EXIT_OK,
  UsageError,
  type ParsedArgs,
  noPositionals,
} from './command.js'
import { recordCliActionIfMigrated } from './cli-audit.js'
import { withDatabase } from './with-database.js'
import type { backupOptions } from './commands/backup.js'

/** `chatkeep backup`: the work, loaded once its arguments are parsed. */
export async function run(
  { values, positionals }: ParsedArgs<typeof backupOptions>,
  ctx: CliContext,
): Promise<number> {
  noPositionals(positionals)
  const format = parseFormat(values.format)
  const keep = wholeNumberOption(values.keep, '--keep')
  const config = envToOperationsConfig(ctx.env())
  const progress = ctx.progress('backup', 'bytes')
  const result = await withDatabase(ctx, values['database-url'], async (db) => {
    const backup = await createBackup(db, {
      dir: values.dir ?? config.backup_dir,
      keep: keep ?? config.backup_keep,
      format,
      pg_dump: values['pg-dump'] ?? pgTool(ctx, 'PG_DUMP'),
      onProgress: (bytes) => progress.update(bytes),
    }).finally(() => progress.finish())
    const id = backup.manifest.backup_log_id
    await recordCliActionIfMigrated(
      ctx,
      db,
      'backup.create',
      id === null ? null : { type: 'backup', id },
      {
        path: backup.path,
        kind: backup.manifest.kind,
        sha256: backup.manifest.sha256,
        file_size_bytes: backup.manifest.file_size_bytes,
      },
    )
    return backup
  })
  printBackup(ctx, result, values.json)
  return EXIT_OK
}

function printBackup(ctx: CliContext, result: BackupResult, json: boolean): void {
  if (json) {
    const { path, manifest, fallback_reason, pruned, warnings } = result
    ctx.stdout(JSON.stringify({ path, manifest, fallback_reason, pruned, warnings }, null, 2))
    return
  }
  const { manifest } = result
  if (result.fallback_reason !== null) {
    ctx.stdout(`pg_dump was not used (${result.fallback_reason}); wrote a logical export instead.`)
  }
  ctx.stdout(`Backup written: ${result.path}`)
  ctx.stdout(
    `  ${manifest.kind}, ${manifest.file_size_bytes.toLocaleString('en-US')} bytes, ` +
      `schema ${manifest.schema ?? '(empty database)'}, sha256 ${manifest.sha256}`,
  )
  for (const path of result.pruned) ctx.stdout(`Pruned ${path}`)
  for (const warning of result.warnings) ctx.stderr(`warning: ${warning}`)
}

export function parseFormat(value: string): BackupFormat {
  if (!(BACKUP_FORMATS as readonly string[]).includes(value)) {
    throw new UsageError(`--format must be one of ${BACKUP_FORMATS.join(', ')}; got '${value}'`)
  }
  return value as BackupFormat
}

/** PG_DUMP / PG_RESTORE from the environment; empty counts as unset. */
export function pgTool(ctx: CliContext, name: 'PG_DUMP' | 'PG_RESTORE'): string | undefined {
  return ctx.env()[name]?.trim() || undefined
}
