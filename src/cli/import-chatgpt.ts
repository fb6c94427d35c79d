import { importChatGpt } from '../operations/import/chatgpt.js'
import { formatReport } from '../operations/import/report.js'
import { onePositional, EXIT_OK, UsageError, type CliContext, type ParsedArgs } from './command.js'
import { recordCliAction } from './cli-audit.js'
import { withStore } from './with-database.js'
import type { importChatGptOptions } from './commands/import-chatgpt.js'

/** `chatkeep import chatgpt`: the work, loaded once its arguments are parsed. */
export async function run(
  { values, positionals }: ParsedArgs<typeof importChatGptOptions>,
  ctx: CliContext,
): Promise<number> {
  const file = onePositional(positionals, 'import chatgpt needs a FILE')
  if (values.user === undefined || values.user.trim() === '') {
    throw new UsageError('import chatgpt needs --user USERNAME')
  }
  const username = values.user
  return withStore(ctx, values['database-url'], async (store) => {
    const user = await store.users.getByUsername(username)
    const progress = ctx.progress('import chatgpt', 'bytes')
    let report
    try {
      report = await importChatGpt(store, file, {
        user_id: user.id,
        progress: (done, total) => progress.update(done, total),
      })
    } finally {
      progress.finish()
    }
    await recordCliAction(store.database, 'database.import', null, {
      source: report.source,
      file: report.file,
      created: report.created,
      skipped: report.skipped.length,
    })
    ctx.stdout(values.json ? JSON.stringify(report, null, 2) : formatReport(report).join('\n'))
    return EXIT_OK
  })
}
