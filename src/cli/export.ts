import { createWriteStream, existsSync } from 'node:fs'
import { open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { finished, pipeline } from 'node:stream/promises'
import { createGzip } from 'node:zlib'
import { ChatkeepError } from '../errors.js'
import { exportDatabase, type ExportSummary } from '../operations/logical/export.js'
import { EXIT_OK, UsageError, type CliContext, type ParsedArgs, noPositionals } from './command.js'
import { withDatabase } from './with-database.js'
import type { exportOptions } from './commands/export.js'
import { formatBytes } from './format.js'

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
}

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
    // Owner only: an export holds password hashes and every message.
    const file = createWriteStream(temp, { flags: 'wx', mode: 0o600 })
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
