import { resolve } from 'node:path'
import { exportDatabase, type ExportSummary } from '../operations/logical/export.js'
import { EXIT_OK, UsageError, type CliContext, type ParsedArgs, noPositionals } from './command.js'
import { withDatabase } from './with-database.js'
import type { exportOptions } from './commands/export.js'
import { recordCliAction } from './cli-audit.js'
import { formatBytes } from './format.js'
import { writeNewFile } from './new-file.js'

/** `chatkeep export`: the work, loaded once its arguments are parsed. */
export async function run(
  { values, positionals }: ParsedArgs<typeof exportOptions>,
  ctx: CliContext,
): Promise<number> {
  noPositionals(positionals)
  const output = values.output ?? defaultName(new Date())
  if (output === '') throw new UsageError('--output needs a file name, or - for stdout')
  return withDatabase(
    ctx,
    values['database-url'],
    async (db) => {
      const progress = ctx.progress('export', 'rows')
      const onProgress = (done: number, total: number) => progress.update(done, total)
      // Before the first byte, once the output is open: every row may leave with it, and an
      // export that dies part-way is on record too.
      const recorded = () => recordCliAction(db, 'database.export', null, { output })
      try {
        if (output === '-') {
          await recorded()
          const summary = await exportDatabase(db, process.stdout, { onProgress })
          progress.finish()
          // stdout carries the data: the summary goes to stderr.
          ctx.stderr(summaryLine(summary, 'stdout'))
          return EXIT_OK
        }
        const path = resolve(output)
        const { summary, bytes } = await writeNewFile(path, async (out) => {
          await recorded()
          return exportDatabase(db, out, { onProgress })
        })
        progress.finish()
        ctx.stdout(`${summaryLine(summary, output)} (${formatBytes(bytes)})`)
        return EXIT_OK
      } finally {
        progress.finish()
      }
    },
    { create: false },
  )
}

/** `chatkeep-export-20261125T123019Z.jsonl.gz`: sorts by time, safe in any file system. */
export const defaultName = (now: Date): string =>
  `chatkeep-export-${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')}.jsonl.gz`

const summaryLine = (s: ExportSummary, where: string) => {
  const tables = Object.keys(s.counts).length
  return (
    `Exported ${s.rows.toLocaleString('en-US')} rows of ${tables} tables ` +
    `(${s.engine}, schema ${s.schema}) to ${where}`
  )
}
