import type { Insertable, Selectable, Updateable } from 'kysely'
import type { Codec } from '../db/codec.js'
import type { Database, Executor } from '../db/database.js'
import type { DocumentsTable } from '../db/schema.js'
import type { Document } from '../schemas/documents.js'
import type { Owner } from './conversations.js'
import { pageById } from './keyset.js'

export type DocumentRow = Selectable<DocumentsTable>

export function decodeDocument(codec: Codec, row: DocumentRow): Document {
  return { ...row, metadata: codec.json(row.metadata) }
}

/**
 * A live document the owner may read: their own or a shared one (user_id null); any for an admin
 * (`owner` null).
 */
export async function getReadableDocument(
  tx: Executor,
  id: string,
  owner: Owner,
): Promise<DocumentRow | undefined> {
  let q = tx
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
  tx: Executor,
  userId: string | null,
  sourceUrl: string,
): Promise<DocumentRow | undefined> {
  // Reads documents_owner_source_key.
  return tx
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
  return db.read(() => pageById(q, filter, 'newest_first').execute())
}

export async function insertDocument(
  tx: Executor,
  row: Insertable<DocumentsTable>,
): Promise<DocumentRow> {
  return tx.insertInto('documents').values(row).returningAll().executeTakeFirstOrThrow()
}

export async function updateDocument(
  tx: Executor,
  id: string,
  patch: Updateable<DocumentsTable>,
): Promise<DocumentRow | undefined> {
  return tx
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
  tx: Executor,
  before: string,
): Promise<{ documents: number; chunks: number }> {
  const doomed = tx
    .selectFrom('documents')
    .select('id')
    .where('deleted_at', 'is not', null)
    .where('deleted_at', '<', before)
  const { chunks } = await tx
    .selectFrom('document_chunks')
    .select((eb) => eb.fn.countAll<number>().as('chunks'))
    .where('document_id', 'in', doomed)
    .executeTakeFirstOrThrow()
  const result = await tx.deleteFrom('documents').where('id', 'in', doomed).executeTakeFirst()
  return { documents: Number(result.numDeletedRows), chunks: Number(chunks) }
}
