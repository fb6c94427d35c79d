import type { Insertable, Selectable, Updateable } from 'kysely'
import type { Database } from '../db/database.js'
import type { BackupLogsTable } from '../db/schema.js'
import { type IdCursor, pageById } from './keyset.js'

export type BackupLogRow = Selectable<BackupLogsTable>

export type BackupStatus = 'started' | 'in_progress' | 'completed' | 'failed'

export async function insertBackupLog(
  db: Database,
  row: Insertable<BackupLogsTable>,
): Promise<BackupLogRow> {
  return db.kysely.insertInto('backup_logs').values(row).returningAll().executeTakeFirstOrThrow()
}

export async function updateBackupLog(
  db: Database,
  id: string,
  patch: Updateable<BackupLogsTable>,
): Promise<void> {
  await db.kysely.updateTable('backup_logs').set(patch).where('id', '=', id).execute()
}

export async function getBackupLog(db: Database, id: string): Promise<BackupLogRow | undefined> {
  return db.kysely.selectFrom('backup_logs').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function allBackupLogs(db: Database): Promise<BackupLogRow[]> {
  return db.kysely.selectFrom('backup_logs').selectAll().orderBy('id').execute()
}

/**
 * Writes rows as given, replacing those with the same id: a restore puts back the log of the
 * backups made before it, which the restored snapshot does not know about.
 */
export async function upsertBackupLogs(db: Database, rows: BackupLogRow[]): Promise<void> {
  for (const row of rows) {
    await db.kysely
      .insertInto('backup_logs')
      .values(row)
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({
          backup_type: row.backup_type,
          status: row.status,
          started_at: row.started_at,
          completed_at: row.completed_at,
          file_path: row.file_path,
          file_size_bytes: row.file_size_bytes,
          sha256: row.sha256,
          error_message: row.error_message,
        }),
      )
      .execute()
  }
}

/** A page of the log, newest first by default (limit + 1 rows, see pageById). */
export async function listBackupLogs(
  db: Database,
  cursor: IdCursor,
  order: 'newest_first' | 'oldest_first',
): Promise<BackupLogRow[]> {
  return pageById(db.kysely.selectFrom('backup_logs').selectAll(), cursor, order).execute()
}
