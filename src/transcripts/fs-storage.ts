import { randomBytes } from 'node:crypto'
import { mkdir, open, rename, rm } from 'node:fs/promises'
import { dirname, resolve, sep } from 'node:path'
import type { Readable } from 'node:stream'
import type { Sink } from './render.js'
import { type StagedFile, storageFailed, type TranscriptBackend } from './storage.js'

/**
 * Transcripts as files under one folder, at their key (`<user_id>/<conversation_id>/<id>.<ext>`).
 * A file is written under a temporary name beside its final one, fsynced and renamed into place,
 * so a reader never meets half a file and a crash leaves at most a `*.tmp` behind. Files are
 * readable by the user Chatkeep runs as only.
 */
export class FsTranscriptStorage implements TranscriptBackend {
  readonly kind = 'fs' as const
  /** The folder, absolute. */
  readonly root: string

  constructor(dir: string) {
    this.root = resolve(dir)
  }

  async stagingPath(key: string): Promise<string> {
    const final = this.path(key)
    try {
      await mkdir(dirname(final), { recursive: true, mode: 0o700 })
    } catch (error) {
      throw storageFailed(
        'Cannot create a folder for the transcript under the transcript folder; check that TRANSCRIPT_DIR is a writable folder.',
        error,
      )
    }
    return stagingName(final)
  }

  async put(file: StagedFile): Promise<string> {
    try {
      await commitFile(file.path, this.path(file.key))
    } catch (error) {
      await rm(file.path, { force: true })
      throw storageFailed(
        'Cannot store the transcript in the transcript folder; check that TRANSCRIPT_DIR is writable and has room.',
        error,
      )
    }
    return file.key
  }

  async get(key: string): Promise<Readable> {
    try {
      const handle = await open(this.path(key), 'r')
      return handle.createReadStream()
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT'
      throw storageFailed(
        missing
          ? `The transcript's file ${key} is missing from the transcript folder; delete the transcript and make a new one.`
          : `Cannot read the transcript's file ${key} in the transcript folder; check its permissions.`,
        error,
      )
    }
  }

  async remove(key: string): Promise<void> {
    try {
      await rm(this.path(key), { force: true })
    } catch (error) {
      throw storageFailed(
        `Cannot remove the transcript's file ${key}; check its permissions.`,
        error,
      )
    }
  }

  locate(key: string): string {
    return this.path(key)
  }

  /** The key's file; a key is ours, but one that would leave the folder is refused all the same. */
  private path(key: string): string {
    const path = resolve(this.root, key)
    if (!path.startsWith(this.root + sep)) {
      throw storageFailed(`The transcript key ${key} points outside the transcript folder.`)
    }
    return path
  }
}

/** A temporary name beside `final`, unique to this write. */
export const stagingName = (final: string): string =>
  `${final}.${randomBytes(6).toString('hex')}.tmp`

/**
 * Writes a new file (`wx`: never over an existing one) through `work`'s sink and closes it. On a
 * failure the caller removes what was written.
 */
export async function writeStaged<T>(path: string, work: (sink: Sink) => Promise<T>): Promise<T> {
  const handle = await open(path, 'wx', 0o600)
  try {
    return await work(async (chunk) => {
      for (let offset = 0; offset < chunk.length;) {
        offset += (await handle.write(chunk, offset)).bytesWritten
      }
    })
  } finally {
    await handle.close()
  }
}

/** Makes a finished file durable under its final name: fsync it, rename it, fsync the folder. */
export async function commitFile(staging: string, final: string): Promise<void> {
  const file = await open(staging, 'r')
  try {
    await file.sync()
  } finally {
    await file.close()
  }
  await rename(staging, final)
  const folder = await open(dirname(final), 'r')
  try {
    await folder.sync()
  } finally {
    await folder.close()
  }
}

/**
 * A file written whole or not at all: rendered into a temporary name beside `final`, then
 * committed; on any failure the temporary file is removed and `final` is untouched.
 */
export async function writeFileAtomically<T>(
  final: string,
  work: (sink: Sink) => Promise<T>,
): Promise<T> {
  const staging = stagingName(resolve(final))
  try {
    const result = await writeStaged(staging, work)
    await commitFile(staging, resolve(final))
    return result
  } catch (error) {
    await rm(staging, { force: true })
    throw error
  }
}
