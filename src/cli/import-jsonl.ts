import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { ChatkeepError } from '../errors.js'
import { TABLE_ORDER } from '../operations/logical/format.js'
import { importDatabase, type ImportSummary } from '../operations/logical/import.js'
import { defineCommand, onePositional, EXIT_OK } from './command.js'
import { DATABASE_URL_HELP, DATABASE_URL_OPTION, withDatabase } from './with-database.js'

const USAGE = `Usage: chatkeep import [jsonl] FILE [options]

Imports a \`chatkeep export\` file (JSON Lines, plain or .gz) into the database, which must be
up to date first (\`chatkeep migrate up\`). Rows already there (the same id, or the same
username, email, API key, …) are skipped, so importing a file twice changes nothing. A file
without its last line (truncated) is reported as an error after its complete rows are in.
FILE - reads stdin.

Options:
  --replace           Replace the whole database with the file, in one transaction: every row
                      of every table is deleted and the file imported; any failure, a
                      truncated file included, leaves the database as it was
${DATABASE_URL_HELP}
  -h, --help          Show this help`

export const importJsonl = defineCommand({
  name: 'jsonl',
  summary: 'A `chatkeep export` file (the default source)',
  usage: USAGE,
  options: {
    ...DATABASE_URL_OPTION,
    replace: { type: 'boolean', default: false },
  },
  async run({ values, positionals }, ctx) {
    const file = onePositional(positionals, 'import needs a FILE (or - for stdin)')
    if (file !== '-') await mustBeFile(file)
    return withDatabase(
      ctx,
      values['database-url'],
      async (db) => {
        const progress = ctx.progress('import', 'rows')
        const input = file === '-' ? process.stdin : createReadStream(file)
        try {
          const summary = await importDatabase(db, input, {
            replace: values.replace,
            onProgress: (done, total) => progress.update(done, total),
          })
          progress.finish()
          for (const line of summaryLines(summary, file === '-' ? 'stdin' : file)) ctx.stdout(line)
          return EXIT_OK
        } finally {
          progress.finish()
          if (input !== process.stdin) input.destroy()
        }
      },
      { create: false },
    )
  },
})

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
