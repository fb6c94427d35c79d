import { type FileHandle, open } from 'node:fs/promises'
import { ChatkeepError } from '../errors.js'

/**
 * fsyncs a SQLite database's write-ahead log on libuv's thread pool, so that a commit made at
 * `synchronous=NORMAL` (a write to the WAL, no fsync) becomes as durable as one at FULL, which
 * fsyncs the WAL inside the commit, on the main thread. The file stays open: SQLite keeps it
 * for as long as a connection is open (it may reuse it from the start after a checkpoint, which
 * fsyncs the WAL itself first), so the same file always holds the frames to flush.
 */
export class WalFlush {
  readonly #path: string
  #file: Promise<FileHandle> | undefined

  constructor(databasePath: string) {
    this.#path = `${databasePath}-wal`
  }

  /** Resolves once every frame written to the WAL before the call is on disk. */
  async flush(): Promise<void> {
    try {
      this.#file ??= open(this.#path, 'r')
      await (await this.#file).datasync()
    } catch (error) {
      this.#file = undefined
      throw new ChatkeepError(
        'unavailable',
        `The database's write-ahead log ${this.#path} could not be flushed to disk ` +
          `(${(error as Error).message}); check the disk and its free space, then retry.`,
        { cause: error },
      )
    }
  }

  async close(): Promise<void> {
    const file = this.#file
    this.#file = undefined
    await file?.then(
      (handle) => handle.close(),
      () => {},
    )
  }
}
