import {
  DEFAULT_CLEANUP_BATCH,
  DEFAULT_CREDENTIAL_GRACE_DAYS,
  DEFAULT_EVENTS_RETENTION_DAYS,
} from '../../operations/defaults.js'
import { DATABASE_URL_HELP, DATABASE_URL_OPTION, defineCommand } from '../command.js'

const USAGE = `Usage: chatkeep cleanup [options]

Removes what is past keeping, in batches of about ${DEFAULT_CLEANUP_BATCH} rows per transaction, so
the server keeps running; stopped anywhere, it leaves a consistent database, and running it again
finishes the work:
  - conversations soft-deleted more than RETENTION_DAYS days ago (default 30), with their messages
  - messages and documents (with their chunks) soft-deleted that long ago
  - API keys revoked that long ago
  - login sessions and refresh tokens expired or revoked more than ${DEFAULT_CREDENTIAL_GRACE_DAYS} days ago
  - rate-limit windows that have ended
  - change-feed events older than EVENTS_RETENTION_DAYS days (default ${DEFAULT_EVENTS_RETENTION_DAYS})
  - with --older-than DAYS: every conversation, live ones too, with no activity for DAYS days

With --embedding-ids FILE it does only this instead: removes the document chunks whose
embedding_id is not in FILE (every id your vector store holds, one per line, or a JSON array);
chunks written after FILE was last modified are kept, as the list cannot know their ids.

Options:
  --retention-days N  Days a soft-deleted row is kept (overrides RETENTION_DAYS)
  --older-than DAYS   Also delete conversations inactive for DAYS days, with their messages
  --dry-run           Count what would go; change nothing
  --batch-size N      Rows per transaction (default ${DEFAULT_CLEANUP_BATCH})
  --embedding-ids FILE  Remove chunks whose embedding_id FILE lacks (and nothing else)
${DATABASE_URL_HELP}
  --json              Print JSON
  -h, --help          Show this help`

/** The options of `chatkeep cleanup`, for `parseArgs`. */
export const cleanupOptions = {
  ...DATABASE_URL_OPTION,
  'retention-days': { type: 'string' },
  'older-than': { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
  'batch-size': { type: 'string' },
  'embedding-ids': { type: 'string' },
  json: { type: 'boolean', default: false },
} as const

export const cleanupCommand = defineCommand({
  name: 'cleanup',
  summary: 'Purge soft-deleted rows past retention, ended sessions, old data',
  usage: USAGE,
  options: cleanupOptions,
  load: () => import('../cleanup.js'),
})
