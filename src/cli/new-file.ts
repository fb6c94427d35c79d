import { createWriteStream, existsSync } from 'node:fs'
import { open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { finished, pipeline } from 'node:stream/promises'
import { createGzip } from 'node:zlib'
import { ChatkeepError } from '../errors.js'

/**
 * Writes a file that appears only when complete: to a temporary name in the same folder, synced
 * to disk, then renamed. A failure removes the temporary file; an existing file is refused.
 */
export async function writeNewFile<T>(
  path: string,
  write: (out: NodeJS.WritableStream) => Promise<T>,
): Promise<{ summary: T; bytes: number }> {
  if (existsSync(path)) {
    throw new ChatkeepError(
      'conflict',
      `${path} already exists; choose another --output, or move the old file away.`,
    )
  }
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.partial`)
  try {
    // Owner only: an export holds every message, a whole-database one password hashes too.
    const file = createWriteStream(temp, { flags: 'wx', mode: 0o600 })
    const gzip = path.endsWith('.gz') ? createGzip() : undefined
    const written = gzip === undefined ? finished(file) : pipeline(gzip, file)
    let summary: T
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
