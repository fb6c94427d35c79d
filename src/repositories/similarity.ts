import { sql } from 'kysely'
import { byteLength, bytesForTransfer } from '../db/bytes.js'
import type { Database } from '../db/database.js'
import { MESSAGE_COLUMNS, type MessageRow } from '../db/messages-table.js'
import type { Owner } from './conversations.js'

export interface EmbeddingFilter {
  owner: Owner
  /** Bytes of the embeddings compared: only vectors of the query's dimension are read. */
  bytes: number
  document_id?: string | undefined
  doc_type?: string | undefined
}

const embeddingBytes = (db: Database) => byteLength(db, sql.ref('c.embedding'))

/**
 * How many embeddings of the query's dimension each readable live document holds, so the scan
 * can read them in batches of whole documents: a batch keyed on the chunk id would sort every
 * embedding again for each batch.
 */
export async function countEmbeddingsByDocument(
  db: Database,
  filter: EmbeddingFilter,
): Promise<{ document_id: string; n: number }[]> {
  let q = db.kysely
    .selectFrom('document_chunks as c')
    .innerJoin('documents as d', 'd.id', 'c.document_id')
    .select(['c.document_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('c.embedding', 'is not', null)
    .where(sql<boolean>`${embeddingBytes(db)} = ${filter.bytes}`)
    .where('d.deleted_at', 'is', null)
  const owner = filter.owner
  if (owner !== null) {
    q = q.where((eb) => eb.or([eb('d.user_id', '=', owner), eb('d.user_id', 'is', null)]))
  }
  if (filter.document_id !== undefined) q = q.where('c.document_id', '=', filter.document_id)
  if (filter.doc_type !== undefined) q = q.where('d.doc_type', '=', filter.doc_type)
  const rows = await q.groupBy('c.document_id').orderBy('c.document_id').execute()
  return rows.map((row) => ({ document_id: row.document_id, n: Number(row.n) }))
}

/** The embeddings of the query's dimension of these documents' chunks; reads document_chunks_document_idx. */
export async function embeddingsOfDocuments(
  db: Database,
  documentIds: string[],
  bytes: number,
): Promise<{ id: string; embedding: Buffer }[]> {
  const column = bytesForTransfer(db, sql.ref('c.embedding')).as('embedding')
  const rows = await db.kysely
    .selectFrom('document_chunks as c')
    .select(['c.id', column])
    .where('c.document_id', 'in', documentIds)
    .where('c.embedding', 'is not', null)
    .where(sql<boolean>`${embeddingBytes(db)} = ${bytes}`)
    .execute()
  return rows.map((row) => ({
    id: row.id,
    embedding:
      typeof row.embedding === 'string' ? Buffer.from(row.embedding, 'base64') : row.embedding,
  }))
}

export interface ChunkDetail {
  id: string
  document_id: string
  chunk_index: number
  content: string
  content_hash: string
  title: string | null
  source_url: string | null
  doc_type: string | null
}

/** The winners' text and document, read once the scan is done; deleted ones drop out. */
export async function getChunkDetails(db: Database, ids: string[]): Promise<ChunkDetail[]> {
  if (ids.length === 0) return []
  return db.kysely
    .selectFrom('document_chunks as c')
    .innerJoin('documents as d', 'd.id', 'c.document_id')
    .select([
      'c.id',
      'c.document_id',
      'c.chunk_index',
      'c.content',
      'c.content_hash',
      'd.title',
      'd.source_url',
      'd.doc_type',
    ])
    .where('c.id', 'in', ids)
    .where('d.deleted_at', 'is', null)
    .execute()
}

export interface MessageEmbeddingFilter {
  owner: Owner
  /** Bytes of the embeddings compared: only vectors of the query's dimension are read. */
  bytes: number
  conversation_id?: string | undefined
  role?: string | undefined
}

/**
 * One batch of the live messages' embeddings of the query's dimension, by id from `after` on:
 * the exact scan where no vector index covers the dimension yet.
 */
export async function messageEmbeddings(
  db: Database,
  filter: MessageEmbeddingFilter,
  after: string | null,
  limit: number,
): Promise<{ id: string; embedding: Buffer }[]> {
  const column = bytesForTransfer(db, sql.ref('m.embedding')).as('embedding')
  let q = db.kysely
    .selectFrom('messages as m')
    .select(['m.id', column])
    .where('m.embedding', 'is not', null)
    .where(sql<boolean>`${byteLength(db, sql.ref('m.embedding'))} = ${filter.bytes}`)
    .where('m.deleted_at', 'is', null)
  if (filter.owner !== null) q = q.where('m.user_id', '=', filter.owner)
  if (filter.conversation_id !== undefined) {
    q = q.where('m.conversation_id', '=', filter.conversation_id)
  }
  if (filter.role !== undefined) q = q.where('m.role', '=', filter.role)
  if (after !== null) q = q.where('m.id', '>', after)
  const rows = await q.orderBy('m.id').limit(limit).execute()
  return rows.map((row) => ({
    id: row.id,
    embedding:
      typeof row.embedding === 'string' ? Buffer.from(row.embedding, 'base64') : row.embedding,
  }))
}

/** The winning messages, read once the search is done; deleted ones (or their conversation) drop out. */
export async function getMessageHits(
  db: Database,
  ids: string[],
  owner: Owner,
): Promise<MessageRow[]> {
  if (ids.length === 0) return []
  let q = db.kysely
    .selectFrom('messages')
    .innerJoin('conversations as c', 'c.id', 'messages.conversation_id')
    .select(MESSAGE_COLUMNS.map((column) => `messages.${column}` as const))
    .where('messages.id', 'in', ids)
    .where('messages.deleted_at', 'is', null)
    .where('c.deleted_at', 'is', null)
  if (owner !== null) q = q.where('messages.user_id', '=', owner)
  return q.execute()
}

/** Sets or clears a live message's embedding; undefined when no such message (of this owner). */
export async function setMessageEmbedding(
  db: Database,
  id: string,
  owner: Owner,
  embedding: Buffer | null,
): Promise<{ id: string } | undefined> {
  let q = db.kysely
    .updateTable('messages')
    .set({ embedding })
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
  if (owner !== null) q = q.where('user_id', '=', owner)
  return q.returning('id').executeTakeFirst()
}
