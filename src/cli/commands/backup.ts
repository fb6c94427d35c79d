import { DATABASE_URL_HELP, DATABASE_URL_OPTION, defineCommand } from '../command.js'

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

/** The options of `chatkeep backup`, for `parseArgs`. */
export const backupOptions = {
  ...DATABASE_URL_OPTION,
  dir: { type: 'string' },
  keep: { type: 'string' },
  format: { type: 'string', default: 'auto' },
  'pg-dump': { type: 'string' },
  json: { type: 'boolean', default: false },
} as const

export const backupCommand = defineCommand({
  name: 'backup',
  summary: 'Back up the database (online, checksummed, pruned to BACKUP_KEEP)',
  usage: USAGE,
  options: backupOptions,
  load: () => import('../backup.js'),
})
