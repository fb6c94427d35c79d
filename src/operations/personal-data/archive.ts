import { createHash } from 'node:crypto'
import { open } from 'node:fs/promises'
import { ChatkeepError } from '../../errors.js'
import { readZip, type ZipEntry } from '../../lib/zip.js'
import {
  USER_EXPORT_FORMAT,
  USER_EXPORT_MANIFEST,
  USER_EXPORT_ROWS,
  type UserExportManifest,
} from './export.js'

/** Whether the file starts as a zip archive does (a user export), not as JSON Lines or gzip. */
export async function isZipFile(path: string): Promise<boolean> {
  const file = await open(path, 'r')
  try {
    const start = Buffer.alloc(4)
    const { bytesRead } = await file.read(start, 0, 4, 0)
    return bytesRead === 4 && start.readUInt32LE(0) === 0x04034b50
  } finally {
    await file.close()
  }
}

/** A user export read back: its manifest, and the JSON Lines it checks. */
export interface UserArchive {
  manifest: UserExportManifest
  /** The rows, in Chatkeep's logical format: what `importDatabase` reads. */
  rows(): AsyncGenerator<Buffer>
}

const damaged = (path: string, why: string) =>
  new ChatkeepError(
    'validation_failed',
    `${path} is not an intact Chatkeep user export: ${why}. Export the user again.`,
  )

/**
 * Opens a user export (`chatkeep user export`, `GET /v1/users/me/export`) and checks it against
 * its manifest before anything is imported: every listed file there, of the listed size and
 * SHA-256. A damaged archive is refused whole, so an import never takes half of one.
 */
export async function openUserArchive(path: string): Promise<UserArchive> {
  const entries = new Map<string, ZipEntry>((await readZip(path)).map((e) => [e.name, e]))
  const manifestEntry = entries.get(USER_EXPORT_MANIFEST)
  if (manifestEntry === undefined) throw damaged(path, `it has no ${USER_EXPORT_MANIFEST}`)
  const chunks: Buffer[] = []
  for await (const chunk of manifestEntry.open()) chunks.push(chunk)
  let manifest: UserExportManifest
  try {
    manifest = JSON.parse(Buffer.concat(chunks).toString('utf8')) as UserExportManifest
  } catch {
    throw damaged(path, `its ${USER_EXPORT_MANIFEST} is not JSON`)
  }
  if (manifest.format !== USER_EXPORT_FORMAT || !Array.isArray(manifest.files)) {
    throw damaged(path, `its ${USER_EXPORT_MANIFEST} is not a ${USER_EXPORT_FORMAT} manifest`)
  }
  for (const file of manifest.files) {
    const entry = entries.get(file.name)
    if (entry === undefined) throw damaged(path, `${file.name} is missing`)
    const hash = createHash('sha256')
    let bytes = 0
    for await (const chunk of entry.open()) {
      hash.update(chunk)
      bytes += chunk.length
    }
    if (bytes !== file.bytes || hash.digest('hex') !== file.sha256) {
      throw damaged(path, `${file.name} does not match the SHA-256 in its manifest`)
    }
  }
  const rows = entries.get(USER_EXPORT_ROWS)
  if (rows === undefined || !manifest.files.some((f) => f.name === USER_EXPORT_ROWS)) {
    throw damaged(path, `it has no checked ${USER_EXPORT_ROWS}`)
  }
  return { manifest, rows: () => rows.open() }
}
