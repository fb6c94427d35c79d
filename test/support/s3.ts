import { mkdtempSync, rmSync } from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { S3Config } from '../../src/config/operations-config.js'

/** The little of s3rver (which ships no types) that the tests use. */
interface S3rver {
  run(): Promise<AddressInfo>
  close(): Promise<void>
  httpServer?: Server
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rver

const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor

/** s3rver accepts any credentials whose secret matches its own; these are its defaults. */
const CREDENTIALS = { access_key_id: 'S3RVER', secret_access_key: 'S3RVER' }

export interface StoredObject {
  body: Buffer
  content_type: string | undefined
}

export interface LocalS3 {
  /** What the store takes as `s3`: this server and its bucket. */
  config: S3Config
  /** The same settings as S3_* variables, for the CLI. */
  env: Record<string, string>
  /** Every object in the bucket, by key, read back from the server over S3 itself. */
  objects(): Promise<Map<string, StoredObject>>
  /** Stops the server (its folder stays, so a test can start failing uploads). */
  stop(): Promise<void>
  /** Stops it if running and removes its folder. */
  dispose(): Promise<void>
}

/**
 * A local S3-compatible server (s3rver) on a free port, storing in a temporary folder, with one
 * bucket made.
 * @example
 * const s3 = await startS3('transcripts')
 * const store = await openStore({ database_url, s3: s3.config })
 */
export async function startS3(bucket = 'chatkeep-test'): Promise<LocalS3> {
  const directory = mkdtempSync(join(tmpdir(), 'chatkeep-s3-'))
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  })
  const { port } = await server.run()
  const endpoint = `http://127.0.0.1:${port}`
  const config: S3Config = {
    bucket,
    region: 'us-east-1',
    endpoint,
    ...CREDENTIALS,
    prefix: '',
    force_path_style: true,
  }
  let running = true
  const stop = async () => {
    if (!running) return
    running = false
    // The SDK keeps connections alive; close would wait for them.
    server.httpServer?.closeAllConnections()
    await server.close()
  }
  return {
    config,
    env: {
      S3_BUCKET: bucket,
      S3_REGION: config.region,
      S3_ENDPOINT: endpoint,
      S3_ACCESS_KEY_ID: CREDENTIALS.access_key_id,
      S3_SECRET_ACCESS_KEY: CREDENTIALS.secret_access_key,
      S3_FORCE_PATH_STYLE: 'true',
    },
    async objects() {
      process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
      const sdk = await import('@aws-sdk/client-s3')
      const client = new sdk.S3Client({
        region: config.region,
        endpoint,
        forcePathStyle: true,
        credentials: { accessKeyId: CREDENTIALS.access_key_id, secretAccessKey: 'S3RVER' },
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      })
      try {
        const listed = await client.send(new sdk.ListObjectsV2Command({ Bucket: bucket }))
        const objects = new Map<string, StoredObject>()
        for (const { Key } of listed.Contents ?? []) {
          const object = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key }))
          objects.set(Key!, {
            body: Buffer.from(await object.Body!.transformToByteArray()),
            content_type: object.ContentType,
          })
        }
        return objects
      } finally {
        client.destroy()
      }
    },
    stop,
    async dispose() {
      await stop()
      rmSync(directory, { recursive: true, force: true })
    },
  }
}
