import { envToOperationsConfig } from '../config/env.js'
import {
  BACKUP_FORMATS,
  type BackupFormat,
  type BackupResult,
  createBackup,
} from '../operations/backup/backup.js'
import {
  defineCommand,
  wholeNumberOption,
  type CliContext,
  EXIT_OK,
  UsageError,
} from './command.js'
import { DATABASE_URL_HELP, DATABASE_URL_OPTION, withDatabase } from './with-database.js'

const USAGE = `Usage: chatkeep backup [options]

Takes a consistent backup of the database while it keeps serving writes:
  SQLite      a copy of the database file (VACUUM INTO, one snapshot), gzipped
  PostgreSQL  pg_dump --format=custom (compressed), or the logical export (gzipped JSON Lines)
              when no pg_dump that can dump the server is installed
The file goes to BACKUP_DIR under a temporary name and is renamed once complete and on disk,
with FILE.json (its manifest) and FILE.sha256 (for \`sha256sum -c\`) next to it. Each backup
is recorded in the backup_logs table (started, completed with its size and SHA-256, or failed
with the reason). Then the oldest backups beyond BACKUP_KEEP are deleted.

Options:
${DATABASE_URL_HELP}
  --dir DIR           Where to write (overrides BACKUP_DIR; default ./data/backups)
  --keep N            Complete backups to keep (overrides BACKUP_KEEP; default 7)
  --format FORMAT     auto (default), native (the engine's own: SQLite file or pg_dump),
                      or logical (Chatkeep's export, restorable on either engine)
  --pg-dump PATH      The pg_dump to use (overrides PG_DUMP; default: PATH, then
                      /usr/lib/postgresql/N/bin)
  --json              Print the result as JSON
  -h, --help          Show this help`

export const backup = defineCommand({
  name: 'backup',
  summary: 'Back up the database (online, checksummed, pruned to BACKUP_KEEP)',
  usage: USAGE,
  options: {
    ...DATABASE_URL_OPTION,
    dir: { type: 'string' },
    keep: { type: 'string' },
    format: { type: 'string', default: 'auto' },
    'pg-dump': { type: 'string' },
    json: { type: 'boolean', default: false },
  },
  async run({ values, positionals }, ctx) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`)
    const format = parseFormat(values.format)
    const keep = wholeNumberOption(values.keep, '--keep')
    const config = envToOperationsConfig(ctx.env())
    const progress = ctx.progress('backup', 'bytes')
    const result = await withDatabase(ctx, values['database-url'], (db) =>
      createBackup(db, {
        dir: values.dir ?? config.backup_dir,
        keep: keep ?? config.backup_keep,
        format,
        pg_dump: values['pg-dump'] ?? pgTool(ctx, 'PG_DUMP'),
        onProgress: (bytes) => progress.update(bytes),
      }).finally(() => progress.finish()),
    )
    printBackup(ctx, result, values.json)
    return EXIT_OK
  },
})

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
