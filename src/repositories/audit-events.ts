import type { Insertable, Selectable } from 'kysely'
import type { Codec } from '../db/codec.js'
import type { Database } from '../db/database.js'
import type { AuditEventsTable } from '../db/schema.js'
import type { AuditEvent } from '../schemas/audit.js'
import { type IdCursor, pageById } from './keyset.js'

export type AuditEventRow = Selectable<AuditEventsTable>
export type NewAuditEventRow = Insertable<AuditEventsTable>

export function decodeAuditEvent(codec: Codec, row: AuditEventRow): AuditEvent {
  return {
    id: row.id,
    user_id: row.user_id,
    action: row.action,
    target_type: row.target_type,
    target_id: row.target_id,
    ip_address: row.ip_address,
    user_agent: row.user_agent,
    details: codec.json(row.details),
    created_at: row.created_at,
  }
}

/** One statement for one or several events; nothing is read back. */
export async function insertAuditEvents(
  db: Database,
  rows: NewAuditEventRow | NewAuditEventRow[],
): Promise<void> {
  await insertQuery(db, rows).execute()
}

/**
 * The same as one group of events whose commit is made durable off the event loop
 * (`Database.writeFlushedOffLoop`), for the audit rows of reads.
 */
export async function insertAuditEventsFlushedOffLoop(
  db: Database,
  rows: NewAuditEventRow[],
): Promise<void> {
  await db.writeFlushedOffLoop(insertQuery(db, rows).compile())
}

const insertQuery = (db: Database, rows: NewAuditEventRow | NewAuditEventRow[]) =>
  db.kysely.insertInto('audit_events').values(rows)

export interface AuditFilter extends IdCursor {
  user_id?: string | undefined
  action?: string | undefined
  target_type?: string | undefined
  target_id?: string | undefined
  /** Normalized ISO-8601 times: created_at >= since, created_at < until. */
  since?: string | undefined
  until?: string | undefined
}

/** Events newest first, keyset-paginated on the UUIDv7 id; limit + 1 rows. */
export async function listAuditEvents(db: Database, filter: AuditFilter): Promise<AuditEventRow[]> {
  let q = db.kysely.selectFrom('audit_events').selectAll()
  if (filter.user_id !== undefined) q = q.where('user_id', '=', filter.user_id)
  if (filter.action !== undefined) q = q.where('action', '=', filter.action)
  if (filter.target_type !== undefined) q = q.where('target_type', '=', filter.target_type)
  if (filter.target_id !== undefined) q = q.where('target_id', '=', filter.target_id)
  if (filter.since !== undefined) q = q.where('created_at', '>=', filter.since)
  if (filter.until !== undefined) q = q.where('created_at', '<', filter.until)
  return pageById(q, filter, 'newest_first').execute()
}
