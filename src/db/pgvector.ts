import { type Kysely, sql } from 'kysely'
import type { Database } from './database.js'
import { MemoryVectorIndex } from './memory-vectors.js'
import type { Schema } from './schema.js'
import type { NearestQuery, VectorHit, VectorIndex } from './vector-index.js'

/**
 * PostgreSQL with pgvector (the migration set it up where the server has the extension): an
 * HNSW index (cosine) per dimension on `chatkeep_vector(embedding)::vector(n)`, partial on the
 * embeddings of that dimension. No column is added: the function reads the float32 bytes the
 * chunk already stores, so every write path keeps the index in step in its own transaction.
 * The search runs pgvector's iterative index scan, so the owner, document and doc_type filters
 * are applied while the index is walked instead of to its first few candidates.
 */

export const pgvectorIndexName = (dimensions: number) => `document_chunks_vector_${dimensions}_idx`

/** Candidates the HNSW walk keeps (hnsw.ef_search); more than k keeps recall near 1. */
const efSearch = (k: number) => Math.max(100, k * 4)

/** Creates the index of one dimension unless it exists. */
export async function coverPgvector(kysely: Kysely<Schema>, dimensions: number): Promise<void> {
  const expression = sql.raw(`(chatkeep_vector(embedding)::vector(${dimensions}))`)
  await sql`create index if not exists ${sql.raw(pgvectorIndexName(dimensions))}
    on document_chunks using hnsw (${expression} vector_cosine_ops)
    where octet_length(embedding) = ${sql.lit(dimensions * 4)}`.execute(kysely)
}

/** The k nearest live chunks the owner may read, through the dimension's HNSW index. */
export async function pgvectorNearest(
  kysely: Kysely<Schema>,
  query: NearestQuery,
): Promise<VectorHit[]> {
  const n = query.vector.length
  const literal = `[${Array.from(query.vector).join(',')}]`
  const distance = sql`chatkeep_vector(c.embedding)::vector(${sql.lit(n)}) <=> ${literal}::vector(${sql.lit(n)})`
  const where = [
    sql`octet_length(c.embedding) = ${sql.lit(n * 4)}`,
    sql`d.deleted_at is null`,
    ...(query.owner === null ? [] : [sql`(d.user_id = ${query.owner} or d.user_id is null)`]),
    ...(query.document_id === undefined ? [] : [sql`c.document_id = ${query.document_id}`]),
    ...(query.doc_type === undefined ? [] : [sql`d.doc_type = ${query.doc_type}`]),
  ]
  return kysely.transaction().execute(async (trx) => {
    await sql`set local hnsw.ef_search = ${sql.lit(efSearch(query.k))}`.execute(trx)
    await sql`set local hnsw.iterative_scan = relaxed_order`.execute(trx)
    const { rows } = await sql<{ id: string; distance: number | null }>`select c.id,
      ${distance} as distance
      from document_chunks c join documents d on d.id = c.document_id
      where ${sql.join(where, sql` and `)}
      order by ${distance} limit ${query.k}`.execute(trx)
    // relaxed_order may hand them back slightly out of order; a zero vector's distance is NaN.
    return rows
      .map((r) => ({
        id: r.id,
        score: Number.isNaN(Number(r.distance)) ? 0 : 1 - Number(r.distance),
      }))
      .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
  })
}

class PgvectorIndex implements VectorIndex {
  readonly #covered = new Set<number>()

  async cover(tx: Database, dimensions: readonly number[]): Promise<void> {
    for (const n of new Set(dimensions)) {
      if (this.#covered.has(n)) continue
      await coverPgvector(tx.kysely, n)
      this.#covered.add(n)
    }
  }

  nearest(db: Database, query: NearestQuery): Promise<VectorHit[]> {
    return pgvectorNearest(db.root.kysely, query)
  }
}

/**
 * PostgreSQL's vector index: pgvector's where the migration found the extension (it made
 * `chatkeep_vector`), else the in-memory index. Chosen on first use, once per process.
 */
export class PostgresVectorIndex implements VectorIndex {
  #chosen: Promise<VectorIndex> | undefined

  #choose(db: Database): Promise<VectorIndex> {
    this.#chosen ??= sql<{ found: boolean }>`select to_regprocedure('chatkeep_vector(bytea)')
      is not null as found`
      .execute(db.root.kysely)
      .then(({ rows }) => (rows[0]?.found === true ? new PgvectorIndex() : new MemoryVectorIndex()))
    this.#chosen.catch(() => (this.#chosen = undefined))
    return this.#chosen
  }

  async cover(tx: Database, dimensions: readonly number[]): Promise<void> {
    if (dimensions.length === 0) return
    await (await this.#choose(tx)).cover(tx, dimensions)
  }

  async nearest(db: Database, query: NearestQuery): Promise<VectorHit[] | null> {
    return (await this.#choose(db)).nearest(db, query)
  }
}
