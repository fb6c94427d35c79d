import type { Database } from '../../db/database.js'
import { listBackupLogs } from '../../repositories/backup-logs.js'
import type { Page } from '../../schemas/data.js'
import { LIMITS } from '../../schemas/limits.js'
import { checkCursors, toPage } from '../../services/page.js'

/** One row of backup_logs, as the admin API hands it out. */
export interface BackupLog {
  id: string
  backup_type: string
  status: string
  started_at: string
  completed_at: string | null
  file_path: string | null
  file_size_bytes: number | null
  sha256: string | null
  error_message: string | null
}

export interface BackupLogListOptions {
  limit?: number | undefined
  after?: string | undefined
  before?: string | undefined
}

/** A page of the backup log, newest first; `after` = the previous page's `last_id`. */
export async function listBackupLog(
  db: Database,
  options: BackupLogListOptions = {},
): Promise<Page<BackupLog>> {
  checkCursors(options, 'backup log entry')
  const limit = options.limit ?? LIMITS.default_page
  const rows = await listBackupLogs(db, { ...options, limit }, 'newest_first')
  return toPage(rows, limit, options.before !== undefined, (row) => ({
    ...row,
    file_size_bytes: row.file_size_bytes === null ? null : Number(row.file_size_bytes),
  }))
}
