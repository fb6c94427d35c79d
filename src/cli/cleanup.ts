import { envToOperationsConfig } from '../config/env.js'
import {
  cleanup,
  CLEANUP_KINDS,
  DEFAULT_CLEANUP_BATCH,
  DEFAULT_CREDENTIAL_GRACE_DAYS,
} from '../operations/cleanup.js'
import { defineCommand, wholeNumberOption, EXIT_OK, UsageError } from './command.js'
import { renderTable } from './table.js'
import { DATABASE_URL_HELP, DATABASE_URL_OPTION, withStore } from './with-database.js'

const USAGE = `Usage: chatkeep cleanup [options]

Removes what is past keeping, in batches of about ${DEFAULT_CLEANUP_BATCH} rows per transaction, so
the server keeps running; stopped anywhere, it leaves a consistent database, and running it again
finishes the work:
  - conversations soft-deleted more than RETENTION_DAYS days ago (default 30), with their messages
  - messages and documents (with their chunks) soft-deleted that long ago
  - API keys revoked that long ago
  - login sessions and refresh tokens expired or revoked more than ${DEFAULT_CREDENTIAL_GRACE_DAYS} days ago
  - rate-limit windows that have ended
  - with --older-than DAYS: every conversation, live ones too, with no activity for DAYS days

Options:
  --retention-days N  Days a soft-deleted row is kept (overrides RETENTION_DAYS)
  --older-than DAYS   Also delete conversations inactive for DAYS days, with their messages
  --dry-run           Count what would go; change nothing
  --batch-size N      Rows per transaction (default ${DEFAULT_CLEANUP_BATCH})
${DATABASE_URL_HELP}
  --json              Print JSON
  -h, --help          Show this help`

export const cleanupCommand = defineCommand({
  name: 'cleanup',
  summary: 'Purge soft-deleted rows past retention, ended sessions, old data',
  usage: USAGE,
  options: {
    ...DATABASE_URL_OPTION,
    'retention-days': { type: 'string' },
    'older-than': { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    'batch-size': { type: 'string' },
    json: { type: 'boolean', default: false },
  },
  async run({ values, positionals }, ctx) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`)
    const retentionFlag = wholeNumberOption(values['retention-days'], '--retention-days')
    const olderThan = wholeNumberOption(values['older-than'], '--older-than')
    const batchSize = wholeNumberOption(values['batch-size'], '--batch-size')
    const retention_days = retentionFlag ?? envToOperationsConfig(ctx.env()).retention_days
    const dry_run = values['dry-run']
    const report = await withStore(ctx, values['database-url'], async (store) => {
      const progress = ctx.progress(dry_run ? 'counting' : 'cleanup', 'rows')
      let done = 0
      try {
        return await cleanup(store, {
          retention_days,
          older_than_days: olderThan,
          dry_run,
          batch_size: batchSize,
          onBatch: (_kind, removed) => progress.update((done += removed)),
        })
      } finally {
        progress.finish()
      }
    })
    if (values.json) {
      ctx.stdout(JSON.stringify(report, null, 2))
      return EXIT_OK
    }
    const kinds = CLEANUP_KINDS.filter(
      (kind) => kind !== 'inactive_conversations' || report.older_than_days !== null,
    )
    const { deleted_before, inactive_before } = report.cutoffs
    ctx.stdout(
      `${report.dry_run ? 'Would remove (dry run, nothing changed)' : 'Removed'} what was ` +
        `soft-deleted before ${deleted_before}` +
        (inactive_before === null ? '' : `, and conversations inactive since ${inactive_before}`) +
        ':\n',
    )
    ctx.stdout(
      renderTable(
        ['kind', 'rows'],
        kinds.map((kind) => [kind, report.removed[kind]]),
      ),
    )
    return EXIT_OK
  },
})
