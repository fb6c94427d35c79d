import { createWriteStream, existsSync } from 'node:fs'
import { open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { finished, pipeline } from 'node:stream/promises'
import { createGzip } from 'node:zlib'
import { ChatkeepError } from '../errors.js'
import { exportDatabase, type ExportSummary } from '../operations/logical/export.js'
import { defineCommand, EXIT_OK, UsageError } from './command.js'
import { DATABASE_URL_HELP, DATABASE_URL_OPTION, withDatabase } from './with-database.js'

const USAGE = `Usage: chatkeep export [options]

Writes every table of the database as Chatkeep's logical export: JSON Lines, the same from
SQLite and PostgreSQL, read back by \`chatkeep import\` into either. It is taken from one
consistent snapshot while the server keeps writing, in constant memory.

Options:
  -o, --output FILE   Where to write; a name ending in .gz is gzip-compressed, - writes plain
                      JSON Lines to stdout. Default: chatkeep-export-<UTC time>.jsonl.gz in the
                      working directory. An existing file is never overwritten.
${DATABASE_URL_HELP}
  -h, --help          Show this help`

export const exportCommand = defineCommand({
  name: 'export',
  summary: 'Write every table as engine-neutral JSON Lines',
  usage: USAGE,
  options: {
    ...DATABASE_URL_OPTION,
    output: { type: 'string', short: 'o' },
  },
  async run({ values, positionals }, ctx) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`)
    const output = values.output ?? defaultName(new Date())
    if (output === '') throw new UsageError('--output needs a file name, or - for stdout')
    return withDatabase(
      ctx,
      values['database-url'],
      async (db) => {
        const progress = ctx.progress('export', 'rows')
        const onProgress = (done: number, total: number) => progress.update(done, total)
        try {
          if (output === '-') {
            const summary = await exportDatabase(db, process.stdout, { onProgress })
            progress.finish()
            // stdout carries the data: the summary goes to stderr.
            ctx.stderr(summaryLine(summary, 'stdout'))
            return EXIT_OK
          }
          const path = resolve(output)
          const { summary, bytes } = await writeNewFile(path, (out) =>
            exportDatabase(db, out, { onProgress }),
          )
          progress.finish()
          ctx.stdout(`${summaryLine(summary, output)} (${formatBytes(bytes)})`)
          return EXIT_OK
        } finally {
          progress.finish()
        }
      },
      { create: false },
    )
  },
})

/** `chatkeep-export-20261125T123019Z.jsonl.gz`: sorts by time, safe in any file system. */
export const defaultName = (now: Date): string =>
  `chatkeep-export-${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')}.jsonl.gz`

/**
 * Writes a file that appears only when complete: to a temporary name in the same folder, synced
 * to disk, then renamed. A failure removes the temporary file; an existing file is refused.
 */
async function writeNewFile(
  path: string,
  write: (out: NodeJS.WritableStream) => Promise<ExportSummary>,
): Promise<{ summary: ExportSummary; bytes: number }> {
  if (existsSync(path)) {
    throw new ChatkeepError(
      'conflict',
      `${path} already exists; choose another --output, or move the old file away.`,
    )
  }
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.partial`)
  try {
    const file = createWriteStream(temp, { flags: 'wx' })
    const gzip = path.endsWith('.gz') ? createGzip() : undefined
    const written = gzip === undefined ? finished(file) : pipeline(gzip, file)
    let summary: ExportSummary
    try {
      summary = await write(gzip ?? file)
    } catch (error) {
      ;(gzip ?? file).destroy()
      await written.catch(() => {})
      throw error
    }
    ;(gzip ?? file).end()
    await written.catch((error: unknown) => {
      throw new ChatkeepError(
        'unavailable',
        `Cannot write ${temp} (${(error as Error).message}); check the folder, its permissions and free space.`,
        { cause: error },
      )
    })
    const bytes = await syncFile(temp)
    await rename(temp, path)
    await syncFolder(dirname(path))
    return { summary, bytes }
  } catch (error) {
    await rm(temp, { force: true })
    throw error
  }
}

/** Flushes a written file to disk (fsync covers the file, whichever descriptor asks); its size. */
async function syncFile(path: string): Promise<number> {
  const handle = await open(path, 'r+')
  try {
    await handle.sync()
    return (await handle.stat()).size
  } finally {
    await handle.close()
  }
}

/** The rename itself reaches the disk only once the folder is synced. */
async function syncFolder(folder: string): Promise<void> {
  const dir = await open(folder, 'r')
  try {
    await dir.sync()
  } catch {
    // Some file systems cannot sync a folder; the file itself is synced already.
  } finally {
    await dir.close()
  }
}

const summaryLine = (s: ExportSummary, where: string) => {
  const tables = Object.keys(s.counts).length
  return (
    `Exported ${s.rows.toLocaleString('en-US')} rows of ${tables} tables ` +
    `(${s.engine}, schema ${s.schema}) to ${where}`
  )
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(1)} ${units[unit]}`
}
