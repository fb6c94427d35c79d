import type { Database } from './database.js'

/** What a vector index holds: document chunks' embeddings, or messages'. */
export type VectorKind = 'chunks' | 'messages'

/** A nearest-neighbour query over chunk embeddings, its filters applied inside the search. */
export interface ChunkQuery {
  kind?: 'chunks' | undefined
  /** The query's embedding; only chunks of its dimension are compared. */
  vector: Float32Array
  k: number
  /** A user (their own documents and the shared ones), or null for every document. */
  owner: string | null
  document_id?: string | undefined
  doc_type?: string | undefined
}

/** A nearest-neighbour query over message embeddings: live messages, filters inside the search. */
export interface MessageQuery {
  kind: 'messages'
  vector: Float32Array
  k: number
  /** A user (their own messages: there are no shared ones), or null for everyone's. */
  owner: string | null
  conversation_id?: string | undefined
  role?: string | undefined
}

export type NearestQuery = ChunkQuery | MessageQuery

/**
 * A query as every index reads it, whatever it holds: the owner's partition, then `group`
 * (a chunk's document, a message's conversation) and `tag` (doc_type, role) to filter on.
 */
export interface Filters {
  kind: VectorKind
  owner: string | null
  group: string | undefined
  tag: string | undefined
}

export function filtersOf(query: NearestQuery): Filters {
  return query.kind === 'messages'
    ? { kind: 'messages', owner: query.owner, group: query.conversation_id, tag: query.role }
    : { kind: 'chunks', owner: query.owner, group: query.document_id, tag: query.doc_type }
}

/** A chunk or message and its cosine similarity to the query (-1 … 1). */
export interface VectorHit {
  id: string
  score: number
}

/**
 * The index each engine keeps of embeddings (chunks', messages'), so that a similarity search
 * reads the k best instead of every vector: sqlite-vec on SQLite, pgvector or an in-memory index
 * fed by a change log on PostgreSQL. Only live documents' chunks and live messages are in it.
 */
export interface VectorIndex {
  /**
   * Makes sure embeddings of these dimensions are indexed from now on, inside the caller's
   * transaction `tx`; a chunk write calls it before writing, a message append before its own.
   */
  cover(tx: Database, dimensions: readonly number[], kind?: VectorKind): Promise<void>
  /**
   * The k most similar to the query, best first; null when no index covers the query's
   * dimension (the caller then compares every vector itself).
   */
  nearest(db: Database, query: NearestQuery): Promise<VectorHit[] | null>
}
