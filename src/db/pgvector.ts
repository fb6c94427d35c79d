import { type Kysely, sql } from 'kysely'
import type { Database } from './database.js'
import { MemoryVectorIndexes } from './memory-vectors.js'
import type { Schema } from './schema.js'
import {
  filtersOf,
  type NearestQuery,
  type VectorHit,
  type VectorIndex,
  type VectorKind,
} from './vector-index.js'

/**
 * PostgreSQL with pgvector (the migration set it up where the server has the extension): an
 * HNSW index (cosine) per dimension on `chatkeep_vector(embedding)::vector(n)`, partial on the
 * embeddings of that dimension. No column is added: the function reads the float32 bytes the
 * chunk already stores, so every write path keeps the index in step in its own transaction.
 * The search runs pgvector's iterative index scan, so the owner, document and doc_type filters
 * are applied while the index is walked instead of to its first few candidates. Messages the
 * same way: `messages_vector_<n>_idx` on messages.embedding, filtered on owner, conversation and
 * role during the walk.
 */

const TABLE: Record<VectorKind, string> = { chunks: 'document_chunks', messages: 'messages' }

export const pgvectorIndexName = (dimensions: number, kind: VectorKind = 'chunks') =>
  `${TABLE[kind]}_vector_${dimensions}_idx`

/** Candidates the HNSW walk keeps (hnsw.ef_search); more than k keeps recall near 1. */
const efSearch = (k: number) => Math.max(100, k * 4)

/** Creates the index of one dimension unless it exists. */
export async function coverPgvector(
  kysely: Kysely<Schema>,
  dimensions: number,
  kind: VectorKind = 'chunks',
): Promise<void> {
  const expression = sql.raw(`(chatkeep_vector(embedding)::vector(${dimensions}))`)
  await sql`create index if not exists ${sql.raw(pgvectorIndexName(dimensions, kind))}
    on ${sql.table(TABLE[kind])} using hnsw (${expression} vector_cosine_ops)
    where octet_length(embedding) = ${sql.lit(dimensions * 4)}`.execute(kysely)
}

/**
 * The k nearest live chunks the owner may read, or live messages of the owner, through the
 * dimension's HNSW index.
 */
export async function pgvectorNearest(
  kysely: Kysely<Schema>,
  query: NearestQuery,
): Promise<VectorHit[]> {
  const n = query.vector.length
  const f = filtersOf(query)
  const literal = `[${Array.from(query.vector).join(',')}]`
  const alias = f.kind === 'chunks' ? 'c' : 'm'
  const distance = sql`chatkeep_vector(${sql.ref(`${alias}.embedding`)})::vector(${sql.lit(n)}) <=> ${literal}::vector(${sql.lit(n)})`
  const where = [
    sql`octet_length(${sql.ref(`${alias}.embedding`)}) = ${sql.lit(n * 4)}`,
    ...(f.kind === 'chunks'
      ? [
          sql`d.deleted_at is null`,
          ...(f.owner === null ? [] : [sql`(d.user_id = ${f.owner} or d.user_id is null)`]),
          ...(f.group === undefined ? [] : [sql`c.document_id = ${f.group}`]),
          ...(f.tag === undefined ? [] : [sql`d.doc_type = ${f.tag}`]),
        ]
      : [
          sql`m.deleted_at is null`,
          ...(f.owner === null ? [] : [sql`m.user_id = ${f.owner}`]),
          ...(f.group === undefined ? [] : [sql`m.conversation_id = ${f.group}`]),
          ...(f.tag === undefined ? [] : [sql`m.role = ${f.tag}`]),
        ]),
  ]
  const from =
    f.kind === 'chunks'
      ? sql`document_chunks c join documents d on d.id = c.document_id`
      : sql`messages m`
  return kysely.transaction().execute(async (trx) => {
    await sql`set local hnsw.ef_search = ${sql.lit(efSearch(query.k))}`.execute(trx)
    await sql`set local hnsw.iterative_scan = relaxed_order`.execute(trx)
    const { rows } = await sql<{ id: string; distance: number | null }>`select
      ${sql.ref(`${alias}.id`)} as id, ${distance} as distance
      from ${from}
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
  readonly #covered = new Set<string>()

  async cover(tx: Database, dimensions: readonly number[], kind: VectorKind = 'chunks') {
    for (const n of new Set(dimensions)) {
      const name = pgvectorIndexName(n, kind)
      if (this.#covered.has(name)) continue
      await coverPgvector(tx.kysely, n, kind)
      this.#covered.add(name)
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
      .then(({ rows }) =>
        rows[0]?.found === true ? new PgvectorIndex() : new MemoryVectorIndexes(),
      )
    this.#chosen.catch(() => (this.#chosen = undefined))
    return this.#chosen
  }

  async cover(tx: Database, dimensions: readonly number[], kind: VectorKind = 'chunks') {
    if (dimensions.length === 0) return
    await (await this.#choose(tx)).cover(tx, dimensions, kind)
  }

  async nearest(db: Database, query: NearestQuery): Promise<VectorHit[] | null> {
    return (await this.#choose(db)).nearest(db, query)
  }
}
