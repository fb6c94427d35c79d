import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { ChatkeepError } from '../errors.js'
import { TABLE_ORDER } from '../operations/logical/format.js'
import { importDatabase, type ImportSummary } from '../operations/logical/import.js'
import { isZipFile, openUserArchive } from '../operations/personal-data/archive.js'
import { onePositional, EXIT_OK, type CliContext, type ParsedArgs } from './command.js'
import { recordCliAction } from './cli-audit.js'
import { withDatabase } from './with-database.js'
import type { importJsonlOptions } from './commands/import-jsonl.js'

/** `chatkeep import jsonl`: the work, loaded once its arguments are parsed. */
export async function run(
  { values, positionals }: ParsedArgs<typeof importJsonlOptions>,
  ctx: CliContext,
): Promise<number> {
  const file = onePositional(positionals, 'import needs a FILE (or - for stdin)')
  if (file !== '-') await mustBeFile(file)
  return withDatabase(
    ctx,
    values['database-url'],
    async (db) => {
      const progress = ctx.progress('import', 'rows')
      // A user export is a zip, checked against its manifest before a row is read.
      const archive = file !== '-' && (await isZipFile(file)) ? await openUserArchive(file) : null
      const input =
        archive !== null ? archive.rows() : file === '-' ? process.stdin : createReadStream(file)
      try {
        const summary = await importDatabase(db, input, {
          replace: values.replace,
          onProgress: (done, total) => progress.update(done, total),
        })
        progress.finish()
        // After the import: written before, it would make the empty database an import needs not empty.
        await recordCliAction(db, 'database.import', null, {
          source: file === '-' ? 'stdin' : file,
          user_export: archive !== null,
          replaced: summary.replaced,
          inserted: summary.inserted,
          skipped: summary.skipped,
        })
        for (const line of summaryLines(summary, file === '-' ? 'stdin' : file)) ctx.stdout(line)
        return EXIT_OK
      } finally {
        progress.finish()
        if ('destroy' in input && input !== process.stdin) input.destroy()
      }
    },
    { create: false },
  )
}

async function mustBeFile(path: string): Promise<void> {
  const info = await stat(path).catch(() => undefined)
  if (info === undefined || !info.isFile()) {
    throw new ChatkeepError('not_found', `There is no file ${path}; check the path.`)
  }
}

function summaryLines(s: ImportSummary, source: string): string[] {
  const n = (value: number) => value.toLocaleString('en-US')
  const lines = [
    `${s.replaced ? 'Replaced the database with' : 'Imported'} ${source} ` +
      `(exported from ${s.engine} at ${s.exported_at}, schema ${s.schema}): ` +
      `${n(s.inserted)} rows inserted, ${n(s.skipped)} already present.`,
  ]
  const width = Math.max(...TABLE_ORDER.map((t) => t.length))
  for (const table of TABLE_ORDER) {
    const { inserted, skipped } = s.tables[table]
    if (inserted + skipped === 0) continue
    lines.push(
      `  ${table.padEnd(width)}  ${n(inserted).padStart(9)} inserted  ${n(skipped).padStart(9)} skipped`,
    )
  }
  if (s.recounted > 0) {
    lines.push(
      `Raised the counters of ${n(s.recounted)} conversation(s) to cover the messages added to them.`,
    )
  }
  return lines
}
