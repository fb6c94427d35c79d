import { envToOperationsConfig } from '../config/env.js'
import { cleanup, CLEANUP_KINDS } from '../operations/cleanup.js'
import {
  wholeNumberOption,
  EXIT_OK,
  type CliContext,
  type ParsedArgs,
  noPositionals,
  UsageError,
} from './command.js'
import { cliActor, recordCliAction } from './cli-audit.js'
import { readEmbeddingIds } from './embedding-ids.js'
import { renderTable } from './table.js'
import { withStore } from './with-database.js'
import type { cleanupOptions } from './commands/cleanup.js'

/** `chatkeep cleanup`: the work, loaded once its arguments are parsed. */
export async function run(
  { values, positionals }: ParsedArgs<typeof cleanupOptions>,
  ctx: CliContext,
): Promise<number> {
  noPositionals(positionals)
  const retentionFlag = wholeNumberOption(values['retention-days'], '--retention-days')
  const olderThan = wholeNumberOption(values['older-than'], '--older-than')
  const batchSize = wholeNumberOption(values['batch-size'], '--batch-size')
  const operations = envToOperationsConfig(ctx.env())
  const retention_days = retentionFlag ?? operations.retention_days
  const dry_run = values['dry-run']
  const embeddingIds = values['embedding-ids']
  if (embeddingIds !== undefined) {
    if (retentionFlag !== undefined || olderThan !== undefined) {
      throw new UsageError(
        '--embedding-ids runs on its own: leave out --retention-days and --older-than',
      )
    }
    return reconcile(ctx, values, embeddingIds, { dry_run, batch_size: batchSize })
  }
  const report = await withStore(ctx, values['database-url'], async (store) => {
    const progress = ctx.progress(dry_run ? 'counting' : 'cleanup', 'rows')
    let done = 0
    try {
      const report = await cleanup(store, {
        retention_days,
        events_retention_days: operations.events_retention_days,
        older_than_days: olderThan,
        dry_run,
        batch_size: batchSize,
        onBatch: (_kind, removed) => progress.update((done += removed)),
        actor: cliActor(),
      })
      await recordCliAction(store.database, 'cleanup.run', null, {
        dry_run: report.dry_run,
        removed: report.removed,
        cutoffs: {
          deleted_before: report.cutoffs.deleted_before,
          inactive_before: report.cutoffs.inactive_before,
        },
      })
      return report
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
}

/** `--embedding-ids FILE`: the orphaned-chunk reconcile with a vector store, and only that. */
async function reconcile(
  ctx: CliContext,
  values: ParsedArgs<typeof cleanupOptions>['values'],
  file: string,
  options: { dry_run: boolean; batch_size: number | undefined },
): Promise<number> {
  const { ids, listed_at } = await readEmbeddingIds(file)
  const report = await withStore(ctx, values['database-url'], async (store) => {
    const progress = ctx.progress(options.dry_run ? 'counting' : 'reconcile', 'chunks')
    let done = 0
    try {
      const reconciled = await store.documents.reconcileEmbeddings(ids, {
        ...options,
        listed_at,
        onBatch: (removed) => progress.update((done += removed)),
      })
      await recordCliAction(store.database, 'cleanup.embeddings', null, {
        dry_run: reconciled.dry_run,
        checked: reconciled.checked,
        removed: reconciled.removed,
      })
      return reconciled
    } finally {
      progress.finish()
    }
  })
  if (values.json) {
    ctx.stdout(JSON.stringify(report, null, 2))
    return EXIT_OK
  }
  ctx.stdout(
    `${report.dry_run ? 'Would remove (dry run, nothing changed)' : 'Removed'} ${report.removed} ` +
      `of ${report.checked} chunks with an embedding_id: their ids are not among the ` +
      `${ids.length} in ${file}.`,
  )
  return EXIT_OK
}
