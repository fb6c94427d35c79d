import { resolveOperationsConfig, type S3Config } from '../config/operations-config.js'
import type { TranscriptStorageKind } from '../schemas/transcripts.js'
import { FsTranscriptStorage } from './fs-storage.js'
import { S3TranscriptStorage } from './s3-storage.js'
import { storageFailed, type TranscriptBackend } from './storage.js'

/** Where transcripts go: a folder by default, an S3 bucket when `s3` is set. */
export interface TranscriptStorageConfig {
  /** The folder for transcripts when `s3` is absent (TRANSCRIPT_DIR; default ./data/transcripts). */
  transcript_dir?: string | undefined
  /** S3-compatible object storage (the S3_* settings); new transcripts then go there. */
  s3?: S3Config | undefined
}

/**
 * Both places a transcript may be: new ones go to S3 when it is configured, else to the folder;
 * reading follows each row's `storage`, so transcripts written before S3 was turned on stay
 * readable. Nothing is touched until the first transcript: the folder is made then, and the AWS
 * SDK is loaded on the first S3 request.
 */
export class TranscriptStorage {
  readonly fs: FsTranscriptStorage
  readonly s3: S3TranscriptStorage | undefined

  /** Checks the settings as `resolveOperationsConfig` does: a bad one is `invalid_config`. */
  constructor(config: TranscriptStorageConfig = {}) {
    const { transcript_dir, s3 } = resolveOperationsConfig({
      transcript_dir: config.transcript_dir,
      s3: config.s3,
    })
    this.fs = new FsTranscriptStorage(transcript_dir)
    this.s3 = s3 === undefined ? undefined : new S3TranscriptStorage(s3)
  }

  /** Where a new transcript goes. */
  get writer(): TranscriptBackend {
    return this.s3 ?? this.fs
  }

  /** Where a recorded transcript is. */
  backend(kind: TranscriptStorageKind): TranscriptBackend {
    if (kind === 'fs') return this.fs
    if (this.s3 === undefined) {
      throw storageFailed(
        'This transcript is stored in S3, but S3 is not configured here; set S3_BUCKET and the other S3_* settings to read it.',
      )
    }
    return this.s3
  }
}
