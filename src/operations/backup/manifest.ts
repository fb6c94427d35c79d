import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import type { Engine } from '../../db/database.js'
import { ChatkeepError } from '../../errors.js'
import { writeTextAtomically } from './files.js'

/**
 * How the database was copied: SQLite's own file (`VACUUM INTO`, gzipped), PostgreSQL's
 * `pg_dump --format=custom`, or Chatkeep's logical export (JSON Lines, gzipped), which either
 * engine can restore.
 */
export type BackupKind = 'sqlite' | 'pg_dump' | 'logical'

export const BACKUP_KINDS: readonly BackupKind[] = ['sqlite', 'pg_dump', 'logical']

/** What each kind of file is called after the time stamp. */
export const EXTENSIONS: Record<BackupKind, string> = {
  sqlite: '.db.gz',
  pg_dump: '.dump',
  logical: '.jsonl.gz',
}

export const MANIFEST_FORMAT = 'chatkeep-backup'
export const MANIFEST_VERSION = 1

/**
 * The manifest `FILE.json` next to every backup: what it is and the checksum it must match. A
 * backup is complete once its manifest exists; restore trusts nothing without it.
 */
export interface BackupManifest {
  format: typeof MANIFEST_FORMAT
  format_version: number
  engine: Engine
  kind: BackupKind
  /** The newest migration applied to the database copied, or null for an empty one. */
  schema: string | null
  /** The backup file's name (it sits next to this manifest). */
  file: string
  file_size_bytes: number
  sha256: string
  started_at: string
  completed_at: string
  /** The backup_logs row that records it, or null when the database had no such table yet. */
  backup_log_id: string | null
  /** `pg_dump --version`, for a pg_dump backup. */
  tool: string | null
}

export const manifestPath = (file: string): string => `${file}.json`

/** `sha256sum -c FILE.sha256` checks a backup without Chatkeep. */
export const checksumPath = (file: string): string => `${file}.sha256`

export async function writeManifest(file: string, manifest: BackupManifest): Promise<void> {
  await writeTextAtomically(checksumPath(file), `${manifest.sha256}  ${basename(file)}\n`)
  await writeTextAtomically(manifestPath(file), `${JSON.stringify(manifest, null, 2)}\n`)
}

const corrupt = (file: string, what: string, cause?: unknown) =>
  new ChatkeepError(
    'backup_corrupt',
    `The manifest of ${file} ${what}; restore needs the manifest chatkeep backup wrote next to it (${basename(manifestPath(file))}).`,
    cause === undefined ? {} : { cause },
  )

/** Reads and checks the manifest of `file`; a missing or malformed one is `backup_corrupt`. */
export async function readManifest(file: string): Promise<BackupManifest> {
  let text: string
  try {
    text = await readFile(manifestPath(file), 'utf8')
  } catch (error) {
    throw corrupt(file, 'cannot be read', error)
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw corrupt(file, 'is not JSON', error)
  }
  const m = value as Partial<Record<keyof BackupManifest, unknown>>
  const problem =
    typeof value !== 'object' || value === null
      ? 'is not an object'
      : m.format !== MANIFEST_FORMAT
        ? `is not a ${MANIFEST_FORMAT} manifest`
        : m.format_version !== MANIFEST_VERSION
          ? `has format_version ${String(m.format_version)}, which this Chatkeep cannot read`
          : m.engine !== 'sqlite' && m.engine !== 'postgres'
            ? 'names no engine'
            : !BACKUP_KINDS.includes(m.kind as BackupKind)
              ? 'names no kind'
              : typeof m.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(m.sha256)
                ? 'has no sha256'
                : !Number.isSafeInteger(m.file_size_bytes)
                  ? 'has no file_size_bytes'
                  : m.schema !== null && typeof m.schema !== 'string'
                    ? 'has no schema'
                    : undefined
  if (problem !== undefined) throw corrupt(file, problem)
  return value as BackupManifest
}
