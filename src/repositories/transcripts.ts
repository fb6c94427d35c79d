import type { Insertable, Selectable } from 'kysely'
import type { Database } from '../db/database.js'
import type { TranscriptsTable } from '../db/schema.js'
import type { Transcript, TranscriptFormat, TranscriptStorageKind } from '../schemas/transcripts.js'
import type { Owner } from './conversations.js'
import { pageById } from './keyset.js'

export type TranscriptRow = Selectable<TranscriptsTable>

export function decodeTranscript(row: TranscriptRow): Transcript {
  return {
    ...row,
    format: row.format as TranscriptFormat,
    storage: row.storage as TranscriptStorageKind,
    file_size_bytes: Number(row.file_size_bytes),
  }
}

export async function insertTranscript(
  db: Database,
  row: Insertable<TranscriptsTable>,
): Promise<TranscriptRow> {
  return db.kysely.insertInto('transcripts').values(row).returningAll().executeTakeFirstOrThrow()
}

/**
 * A transcript of a live conversation the owner may read (any for an admin: `owner` null). One
 * of a soft-deleted conversation is hidden with it.
 */
export async function getTranscript(
  db: Database,
  id: string,
  owner: Owner,
): Promise<TranscriptRow | undefined> {
  let q = db.kysely
    .selectFrom('transcripts')
    .selectAll('transcripts')
    .innerJoin('conversations', 'conversations.id', 'transcripts.conversation_id')
    .where('transcripts.id', '=', id)
    .where('conversations.deleted_at', 'is', null)
  if (owner !== null) q = q.where('transcripts.user_id', '=', owner)
  return q.executeTakeFirst()
}

export interface TranscriptFilter {
  conversation_id: string
  owner: Owner
  limit: number
  after?: string | undefined
  before?: string | undefined
}

/** A conversation's transcripts, newest first, keyset-paginated on id; limit + 1 rows. */
export async function listTranscripts(
  db: Database,
  filter: TranscriptFilter,
): Promise<TranscriptRow[]> {
  let q = db.kysely
    .selectFrom('transcripts')
    .selectAll()
    .where('conversation_id', '=', filter.conversation_id)
  if (filter.owner !== null) q = q.where('user_id', '=', filter.owner)
  return pageById(q, filter, 'newest_first').execute()
}

/** Removes the row; false when there was none to remove (another delete came first). */
export async function deleteTranscript(db: Database, id: string, owner: Owner): Promise<boolean> {
  let q = db.kysely.deleteFrom('transcripts').where('id', '=', id)
  if (owner !== null) q = q.where('user_id', '=', owner)
  const result = await q.executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}
