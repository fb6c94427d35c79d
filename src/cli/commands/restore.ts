import { DATABASE_URL_HELP, DATABASE_URL_OPTION, defineCommand } from '../command.js'

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

/** The options of `chatkeep restore`, for `parseArgs`. */
export const restoreOptions = {
  ...DATABASE_URL_OPTION,
  yes: { type: 'boolean', default: false },
  check: { type: 'boolean', default: false },
  dir: { type: 'string' },
  keep: { type: 'string' },
  'pg-dump': { type: 'string' },
  'pg-restore': { type: 'string' },
  json: { type: 'boolean', default: false },
} as const

export const restoreCommand = defineCommand({
  name: 'restore',
  summary: 'Verify a backup and restore it (after a safety backup)',
  usage: USAGE,
  options: restoreOptions,
  load: () => import('../restore.js'),
})
