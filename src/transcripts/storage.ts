import type { Readable } from 'node:stream'
import { ChatkeepError } from '../errors.js'
import type { TranscriptStorageKind } from '../schemas/transcripts.js'

/** A finished local file, ready to be stored under `key`. */
export interface StagedFile {
  /** The local file rendering wrote (from `stagingPath`). */
  path: string
  key: string
  content_type: string
  sha256: string
  size: number
}

/** Where transcript files live: the local folder or an S3 bucket. */
export interface TranscriptBackend {
  readonly kind: TranscriptStorageKind
  /** A new local file to render into before `put` stores it under `key`. */
  stagingPath(key: string): Promise<string>
  /**
   * Stores the staged file and answers the key to record. The staged file is gone afterwards,
   * stored or not. Throws `storage_failed` when the folder or the bucket refuses.
   */
  put(file: StagedFile): Promise<string>
  /** The stored bytes; `storage_failed` when the object is missing or cannot be read. */
  get(key: string): Promise<Readable>
  /** Removes an object; one that is already gone is not an error. */
  remove(key: string): Promise<void>
  /** Where the object is, for people: an absolute path or `s3://bucket/key`. */
  locate(key: string): string
}

/** The one error every storage failure becomes; `cause` keeps the system's or S3's own. */
export function storageFailed(message: string, cause?: unknown): ChatkeepError {
  return new ChatkeepError('storage_failed', message, cause === undefined ? {} : { cause })
}
