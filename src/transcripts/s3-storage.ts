import { randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import type { S3Client } from '@aws-sdk/client-s3'
import type { S3Config } from '../config/operations-config.js'
import { type StagedFile, storageFailed, type TranscriptBackend } from './storage.js'

type Sdk = typeof import('@aws-sdk/client-s3')

/** Attempts of one request before its failure is reported; only retriable failures are retried. */
const ATTEMPTS = 3
const BACKOFF_MS = 100

/** Network failures worth another attempt. */
const RETRIABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN'])

let sdk: Promise<Sdk> | undefined

/**
 * Without a logger of its own the SDK writes to the console when a streaming upload fails; every
 * failure already leaves as a `storage_failed` error, so the console stays quiet.
 */
const QUIET = { trace() {}, debug() {}, info() {}, warn() {}, error() {} }

/**
 * The AWS SDK, loaded on first use so nothing pays for it while S3 is off. On Node 20 it would
 * print a warning about Node's support window on load; an operator who set the variable keeps
 * their choice.
 */
function loadSdk(): Promise<Sdk> {
  if (process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED === undefined) {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
  }
  return (sdk ??= import('@aws-sdk/client-s3'))
}

/**
 * Transcripts as objects in an S3-compatible bucket (AWS, MinIO, R2, …), at `S3_PREFIX` + key.
 * A transcript is rendered to a temporary file first (in the system's temp folder, TMPDIR), so
 * its size and SHA-256 are known before the upload: one PutObject with Content-Length and
 * x-amz-checksum-sha256, which S3 verifies, so a damaged upload is refused rather than stored.
 * A single PutObject takes up to 5 GiB; that is the largest transcript S3 can hold.
 */
export class S3TranscriptStorage implements TranscriptBackend {
  readonly kind = 's3' as const
  #client: Promise<{ sdk: Sdk; client: S3Client }> | undefined

  constructor(readonly config: S3Config) {}

  async stagingPath(): Promise<string> {
    return join(tmpdir(), `chatkeep-transcript-${randomBytes(8).toString('hex')}.tmp`)
  }

  async put(file: StagedFile): Promise<string> {
    const key = `${this.config.prefix}${file.key}`
    try {
      await this.send('upload the transcript to S3', (sdk, client) => {
        return client.send(
          new sdk.PutObjectCommand({
            Bucket: this.config.bucket,
            Key: key,
            // A new stream each attempt: a retry must send the whole file again.
            Body: createReadStream(file.path),
            ContentLength: file.size,
            ContentType: file.content_type,
            ChecksumSHA256: Buffer.from(file.sha256, 'hex').toString('base64'),
            Metadata: { sha256: file.sha256 },
          }),
        )
      })
    } finally {
      await rm(file.path, { force: true })
    }
    return key
  }

  async get(key: string): Promise<Readable> {
    const response = await this.send('read the transcript from S3', (sdk, client) => {
      return client.send(new sdk.GetObjectCommand({ Bucket: this.config.bucket, Key: key }))
    })
    return response.Body as Readable
  }

  async remove(key: string): Promise<void> {
    await this.send('remove the transcript from S3', (sdk, client) => {
      return client.send(new sdk.DeleteObjectCommand({ Bucket: this.config.bucket, Key: key }))
    })
  }

  locate(key: string): string {
    return `s3://${this.config.bucket}/${key}`
  }

  /**
   * Sends one request, retrying network failures, throttling and 5xx answers with backoff; any
   * failure leaves as `storage_failed` saying what was being done, with S3's error as the cause.
   */
  private async send<O>(
    doing: string,
    request: (sdk: Sdk, client: S3Client) => Promise<O>,
  ): Promise<O> {
    let ready: { sdk: Sdk; client: S3Client }
    try {
      ready = await this.client()
    } catch (error) {
      // A client that could not be made is not kept: the next request tries again.
      this.#client = undefined
      throw storageFailed(`Could not ${doing}: the S3 settings are not usable.`, error)
    }
    const { sdk, client } = ready
    for (let attempt = 1; ; attempt++) {
      try {
        return await request(sdk, client)
      } catch (error) {
        if (attempt < ATTEMPTS && retriable(error)) {
          const delay = BACKOFF_MS * 4 ** (attempt - 1)
          await new Promise((resolve) => setTimeout(resolve, delay / 2 + Math.random() * delay))
          continue
        }
        throw storageFailed(`Could not ${doing}: ${describe(error)}.`, error)
      }
    }
  }

  private client(): Promise<{ sdk: Sdk; client: S3Client }> {
    return (this.#client ??= loadSdk().then((sdk) => {
      const c = this.config
      const client = new sdk.S3Client({
        region: c.region,
        ...(c.endpoint === undefined ? {} : { endpoint: c.endpoint }),
        forcePathStyle: c.force_path_style,
        ...(c.access_key_id !== undefined && c.secret_access_key !== undefined
          ? { credentials: { accessKeyId: c.access_key_id, secretAccessKey: c.secret_access_key } }
          : {}),
        // Checksums only where S3 requires them: streaming ones (aws-chunked) are not understood
        // by every S3-compatible server. The upload carries its SHA-256 itself.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        // Retries are ours (see send): the SDK cannot replay a file stream.
        maxAttempts: 1,
        logger: QUIET,
        requestHandler: { connectionTimeout: 10_000, socketTimeout: 120_000 },
      })
      return { sdk, client }
    }))
  }
}

function retriable(error: unknown): boolean {
  const e = error as {
    $retryable?: unknown
    $metadata?: { httpStatusCode?: number }
    code?: string
    name?: string
  }
  const status = e.$metadata?.httpStatusCode
  return (
    Boolean(e.$retryable) ||
    (status !== undefined && (status >= 500 || status === 429)) ||
    RETRIABLE_CODES.has(e.code ?? '') ||
    e.name === 'TimeoutError'
  )
}

/** S3's error in a few words: `NoSuchBucket (404)`, `ECONNREFUSED`. */
function describe(error: unknown): string {
  const e = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } }
  const status = e.$metadata?.httpStatusCode
  const name = e.code ?? e.name ?? 'an error'
  return status === undefined ? name : `${name} (${status})`
}
