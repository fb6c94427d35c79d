import type { Insertable, Selectable, Updateable } from 'kysely'
import type { Database } from '../db/database.js'
import type { DocumentChunksTable } from '../db/schema.js'
import type { DocumentChunk } from '../schemas/documents.js'

export type DocumentChunkRow = Selectable<DocumentChunksTable>

export function decodeChunk(row: DocumentChunkRow): DocumentChunk {
  // Field by field, as decodeConversation: object rest of a driver row is V8's slow path.
  return {
    id: row.id,
    document_id: row.document_id,
    chunk_index: row.chunk_index,
    content: row.content,
    content_hash: row.content_hash,
    token_count: row.token_count,
    embedding_id: row.embedding_id,
    embedding_dimensions: row.embedding === null ? null : row.embedding.length / 4,
    created_at: row.created_at,
    updated_at: row.updated_at,
  }
}

/** A document's chunks in order; walks document_chunks_document_idx. */
export async function listChunksOfDocument(
  db: Database,
  documentId: string,
): Promise<DocumentChunkRow[]> {
  return db.kysely
    .selectFrom('document_chunks')
    .selectAll()
    .where('document_id', '=', documentId)
    .orderBy('chunk_index')
    .orderBy('id')
    .execute()
}

/**
 * The next `limit` chunks by id after `after` that have an embedding_id and were last written
 * before `before`, of the owner's documents (deleted ones too) or, for null, of all: what a
 * reconcile with a vector store compares. Walks the primary key.
 */
export async function listEmbeddedChunks(
  db: Database,
  p: { owner: string | null; after: string | null; before: string; limit: number },
): Promise<{ id: string; embedding_id: string }[]> {
  let q = db.kysely
    .selectFrom('document_chunks as c')
    .select(['c.id', 'c.embedding_id'])
    .where('c.embedding_id', 'is not', null)
    .where('c.updated_at', '<', p.before)
  if (p.owner !== null) {
    q = q.innerJoin('documents as d', 'd.id', 'c.document_id').where('d.user_id', '=', p.owner)
  }
  if (p.after !== null) q = q.where('c.id', '>', p.after)
  const rows = await q.orderBy('c.id').limit(p.limit).execute()
  return rows as { id: string; embedding_id: string }[]
}

/** Rows per INSERT: 10 parameters a row stays well under SQLite's 32766. */
const INSERT_BATCH = 500

/** The dimensions of the embeddings about to be written, for the vector index to cover. */
const dimensionsOf = (rows: { embedding?: Uint8Array | null | undefined }[]): number[] =>
  rows.flatMap((row) => (row.embedding ? [row.embedding.length / 4] : []))

export async function insertChunks(
  db: Database,
  rows: Insertable<DocumentChunksTable>[],
): Promise<void> {
  await db.vectors.cover(db, dimensionsOf(rows))
  for (let i = 0; i < rows.length; i += INSERT_BATCH) {
    await db.kysely
      .insertInto('document_chunks')
      .values(rows.slice(i, i + INSERT_BATCH))
      .execute()
  }
}

export async function updateChunk(
  db: Database,
  id: string,
  patch: Updateable<DocumentChunksTable>,
): Promise<void> {
  await db.vectors.cover(db, dimensionsOf([patch]))
  await db.kysely.updateTable('document_chunks').set(patch).where('id', '=', id).execute()
}

export async function deleteChunks(db: Database, ids: string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += INSERT_BATCH) {
    await db.kysely
      .deleteFrom('document_chunks')
      .where('id', 'in', ids.slice(i, i + INSERT_BATCH))
      .execute()
  }
}
