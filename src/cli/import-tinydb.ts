import { formatReport } from '../operations/import/report.js'
import { importTinyDb } from '../operations/import/tinydb.js'
import { onePositional, EXIT_OK, type CliContext, type ParsedArgs } from './command.js'
import { recordCliAction } from './cli-audit.js'
import { withStore } from './with-database.js'
import type { importTinyDbOptions } from './commands/import-tinydb.js'

/** `chatkeep import tinydb`: the work, loaded once its arguments are parsed. */
export async function run(
  { values, positionals }: ParsedArgs<typeof importTinyDbOptions>,
  ctx: CliContext,
): Promise<number> {
  const file = onePositional(positionals, 'import tinydb needs a FILE')
  return withStore(ctx, values['database-url'], async (store) => {
    const progress = ctx.progress('import tinydb', 'conversations')
    let report
    try {
      report = await importTinyDb(store, file, {
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
