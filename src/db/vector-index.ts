import type { Database } from './database.js'

/** A nearest-neighbour query over chunk embeddings, its filters applied inside the search. */
export interface NearestQuery {
  /** The query's embedding; only chunks of its dimension are compared. */
  vector: Float32Array
  k: number
  /** A user (their own documents and the shared ones), or null for every document. */
  owner: string | null
  document_id?: string | undefined
  doc_type?: string | undefined
}

/** A chunk and its cosine similarity to the query (-1 … 1). */
export interface VectorHit {
  id: string
  score: number
}

/**
 * The index each engine keeps of chunk embeddings, so that a similarity search reads the k best
 * chunks instead of every vector: sqlite-vec on SQLite, an in-memory index fed by a change log
 * on PostgreSQL. Only live documents' chunks are in it.
 */
export interface VectorIndex {
  /**
   * Makes sure embeddings of these dimensions are indexed from now on, inside the caller's
   * transaction `tx`; a chunk write calls it before writing.
   */
  cover(tx: Database, dimensions: readonly number[]): Promise<void>
  /**
   * The k chunks most similar to the query, best first; null when no index covers the query's
   * dimension (the caller then compares every vector itself).
   */
  nearest(db: Database, query: NearestQuery): Promise<VectorHit[] | null>
}
