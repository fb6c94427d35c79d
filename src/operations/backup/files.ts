import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { Transform, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'

export interface Written {
  sha256: string
  file_size_bytes: number
}

/** The name a file has while it is being written: hidden, and never taken for a backup. */
export const partialPath = (path: string): string =>
  join(dirname(path), `.${basename(path)}.partial`)

export const PARTIAL = /^\..+\.partial$/

/**
 * Writes what `produce` writes to the stream it is handed into `path`, all or nothing: to a
 * temporary name first, hashed (SHA-256) and counted on the way, fsynced, then renamed. When
 * `produce` or the disk fails, the temporary file is removed and `path` is never created.
 * `produce` must end the stream (a `pipeline` into it does).
 */
export async function writeAtomically(
  path: string,
  produce: (out: Writable) => Promise<void>,
  onProgress?: (bytes: number) => void,
): Promise<Written> {
  const temp = partialPath(path)
  try {
    const hash = createHash('sha256')
    let size = 0
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk)
        size += chunk.length
        onProgress?.(size)
        done(null, chunk)
      },
    })
    // Owner only: a backup holds password hashes and every message.
    const file = createWriteStream(temp, { flags: 'wx', mode: 0o600 })
    const written = pipeline(meter, file)
    // Whichever fails first is the one reported; the other rejection must not go unhandled.
    written.catch(() => {})
    try {
      await produce(meter)
    } catch (error) {
      meter.destroy(error as Error)
      throw error
    }
    await written
    await syncFile(temp)
    await rename(temp, path)
    await syncFile(dirname(path))
    return { sha256: hash.digest('hex'), file_size_bytes: size }
  } catch (error) {
    // EEXIST: the temporary name is another writer's, not ours to remove.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') await rm(temp, { force: true })
    throw error
  }
}

/** A small text file, written all or nothing. */
export async function writeTextAtomically(path: string, text: string): Promise<void> {
  await writeAtomically(path, async (out) => {
    out.end(text)
  })
}

/**
 * fsync: what was written to the file (or the entries of the folder, after a rename) is on disk
 * once this returns. Linux syncs the file itself, whichever descriptor asks.
 */
export async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** SHA-256 (hex) and size of a file, read as a stream. */
export async function hashFile(path: string): Promise<Written> {
  const hash = createHash('sha256')
  let size = 0
  await pipeline(createReadStream(path), async (chunks: AsyncIterable<Buffer>) => {
    for await (const chunk of chunks) {
      hash.update(chunk)
      size += chunk.length
    }
  })
  return { sha256: hash.digest('hex'), file_size_bytes: size }
}
