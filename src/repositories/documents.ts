import type { Insertable, Selectable, Updateable } from 'kysely'
import type { Codec } from '../db/codec.js'
import type { Database } from '../db/database.js'
import type { DocumentsTable } from '../db/schema.js'
import type { Document } from '../schemas/documents.js'
import type { Owner } from './conversations.js'
import { pageById } from './keyset.js'
import { documentHeld } from './legal-holds.js'

export type DocumentRow = Selectable<DocumentsTable>

export function decodeDocument(codec: Codec, row: DocumentRow): Document {
  return { ...row, metadata: codec.json(row.metadata) }
}

/**
 * A live document the owner may read: their own or a shared one (user_id null); any for an admin
 * (`owner` null).
 */
export async function getReadableDocument(
  db: Database,
  id: string,
  owner: Owner,
): Promise<DocumentRow | undefined> {
  let q = db.kysely
    .selectFrom('documents')
    .selectAll()
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
  if (owner !== null) {
    q = q.where((eb) => eb.or([eb('user_id', '=', owner), eb('user_id', 'is', null)]))
  }
  return q.executeTakeFirst()
}

/** The live document of exactly this owner (null: shared) at `source_url`; the key of a re-ingest. */
export async function getDocumentBySource(
  db: Database,
  userId: string | null,
  sourceUrl: string,
): Promise<DocumentRow | undefined> {
  // Reads documents_owner_source_key.
  return db.kysely
    .selectFrom('documents')
    .selectAll()
    .where('source_url', '=', sourceUrl)
    .where('deleted_at', 'is', null)
    .where('user_id', userId === null ? 'is' : '=', userId)
    .executeTakeFirst()
}

export interface DocumentFilter {
  owner: Owner
  limit: number
  after?: string | undefined
  before?: string | undefined
  doc_type?: string | undefined
  source_url?: string | undefined
}

/**
 * Live documents the owner may read, newest first (UUIDv7 ids are time-ordered), keyset-paginated
 * on id; limit + 1 rows, oldest first with `before`.
 */
export async function listDocuments(db: Database, filter: DocumentFilter): Promise<DocumentRow[]> {
  const { owner } = filter
  let q = db.kysely.selectFrom('documents').selectAll().where('deleted_at', 'is', null)
  if (owner !== null) {
    q = q.where((eb) => eb.or([eb('user_id', '=', owner), eb('user_id', 'is', null)]))
  }
  if (filter.doc_type !== undefined) q = q.where('doc_type', '=', filter.doc_type)
  if (filter.source_url !== undefined) q = q.where('source_url', '=', filter.source_url)
  return pageById(q, filter, 'newest_first').execute()
}

export async function insertDocument(
  db: Database,
  row: Insertable<DocumentsTable>,
): Promise<DocumentRow> {
  return db.kysely.insertInto('documents').values(row).returningAll().executeTakeFirstOrThrow()
}

export async function updateDocument(
  db: Database,
  id: string,
  patch: Updateable<DocumentsTable>,
): Promise<DocumentRow | undefined> {
  return db.kysely
    .updateTable('documents')
    .set(patch)
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .returningAll()
    .executeTakeFirst()
}

/**
 * Removes documents soft-deleted before `before`, with their chunks (the foreign key cascades,
 * and the full-text triggers take them out of the index). Returns how many of each went.
 */
export async function purgeDeletedDocuments(
  db: Database,
  before: string,
): Promise<{ documents: number; chunks: number }> {
  const doomed = db.kysely
    .selectFrom('documents')
    .select('id')
    .where('deleted_at', 'is not', null)
    .where('deleted_at', '<', before)
    .where((eb) => eb.not(documentHeld(eb)))
  const { chunks } = await db.kysely
    .selectFrom('document_chunks')
    .select((eb) => eb.fn.countAll<number>().as('chunks'))
    .where('document_id', 'in', doomed)
    .executeTakeFirstOrThrow()
  const result = await db.kysely
    .deleteFrom('documents')
    .where('id', 'in', doomed)
    .executeTakeFirst()
  return { documents: Number(result.numDeletedRows), chunks: Number(chunks) }
}
