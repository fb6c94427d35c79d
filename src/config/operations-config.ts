import { ChatkeepError } from '../errors.js'

/** S3-compatible object storage for transcripts and backups (S3_* variables). */
export interface S3Config {
  bucket: string
  region: string
  /** For MinIO, R2 and other S3-compatible servers; AWS itself needs none. */
  endpoint?: string | undefined
  access_key_id?: string | undefined
  secret_access_key?: string | undefined
  /** Put every key under this prefix (`chatkeep/`). */
  prefix: string
  /** `http://host/bucket/key` instead of `http://bucket.host/key`; most self-hosted servers need it. */
  force_path_style: boolean
}

/** What the operator's commands (backup, cleanup, transcripts) read besides the database. */
export interface OperationsConfig {
  /** Soft-deleted rows older than this many days are purged by `chatkeep cleanup`. */
  retention_days: number
  /** Events of the change feed older than this many days are purged by `chatkeep cleanup`. */
  events_retention_days: number
  /** Where `chatkeep backup` writes and prunes. */
  backup_dir: string
  /** How many completed backups `chatkeep backup` keeps; older ones are pruned. */
  backup_keep: number
  /** Where transcripts go when S3 is not configured. */
  transcript_dir: string
  /** Set when S3_BUCKET is: transcripts then go to S3. */
  s3?: S3Config | undefined
}

export const DEFAULT_OPERATIONS_CONFIG: OperationsConfig = {
  retention_days: 30,
  events_retention_days: 7,
  backup_dir: './data/backups',
  backup_keep: 7,
  transcript_dir: './data/transcripts',
}

/** Fills defaults and checks ranges; a bad value is one `invalid_config` error naming it. */
export function resolveOperationsConfig(config: Partial<OperationsConfig> = {}): OperationsConfig {
  const merged: OperationsConfig = { ...DEFAULT_OPERATIONS_CONFIG }
  for (const [key, value] of Object.entries(config)) {
    if (value !== undefined) (merged as unknown as Record<string, unknown>)[key] = value
  }
  for (const field of ['retention_days', 'events_retention_days', 'backup_keep'] as const) {
    const value = merged[field]
    if (!Number.isInteger(value) || value < 1) {
      throw new ChatkeepError(
        'invalid_config',
        `${field} must be a whole number of at least 1; got ${value}.`,
        { field: `/${field}` },
      )
    }
  }
  for (const field of ['backup_dir', 'transcript_dir'] as const) {
    if (typeof merged[field] !== 'string' || merged[field].trim() === '') {
      throw new ChatkeepError('invalid_config', `${field} must be a folder path.`, {
        field: `/${field}`,
      })
    }
  }
  if (merged.s3 !== undefined && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(merged.s3.bucket)) {
    throw new ChatkeepError(
      'invalid_config',
      `s3_bucket must be an S3 bucket name (3–63 lowercase letters, digits, dots, hyphens); got "${merged.s3.bucket}".`,
      { field: '/s3_bucket' },
    )
  }
  return merged
}
