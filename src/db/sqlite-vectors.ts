import { sql } from 'kysely'
import type { Database } from './database.js'
import type { NearestQuery, VectorHit, VectorIndex } from './vector-index.js'

/**
 * Chunk embeddings in sqlite-vec's vec0 tables, one per dimension (`chunk_vectors_<n>`), cosine
 * distance, the document's owner as the partition key ('' for shared documents), so that one
 * user's search reads their own partition and the shared one only. document_id and doc_type are
 * metadata columns the search filters on inside the scan. Triggers keep a table in step with
 * document_chunks and documents in the writing transaction, whatever writes them (ingest,
 * imports, restores, cascades): a chunk is in it exactly while it has an embedding of that
 * dimension and its document is live. A dimension no table covers yet is searched by the exact
 * scan until a chunk write covers it (creating and filling its table in that transaction).
 */

export const vectorTable = (dimensions: number) => `chunk_vectors_${dimensions}`

/** doc_type as the metadata column holds it: vec0 has no NULL there, and '' is a valid type. */
export const typeKey = (docType: string | null | undefined) =>
  docType === null || docType === undefined ? '' : `t:${docType}`

async function tableExists(db: Database, name: string): Promise<boolean> {
  const { rows } = await sql<{ found: number }>`select 1 as found from sqlite_master
    where type = 'table' and name = ${name}`.execute(db.kysely)
  return rows.length > 0
}

/** The vec0 table of one dimension, its triggers, and the live chunks already stored. */
async function createVectorTable(tx: Database, dimensions: number): Promise<void> {
  const name = vectorTable(dimensions)
  const table = sql.table(name)
  const trigger = (suffix: string) => sql.raw(`${name}_${suffix}`)
  const bytes = sql.lit(dimensions * 4)
  const row = (chunk: string, document: string) =>
    sql.raw(`${chunk}.id, coalesce(${document}.user_id, ''), ${document}.id,
      case when ${document}.doc_type is null then '' else 't:' || ${document}.doc_type end,
      ${chunk}.embedding`)
  await sql`create virtual table ${table} using vec0(chunk_id text primary key,
    owner text partition key, document_id text, doc_type text,
    embedding float[${sql.lit(dimensions)}] distance_metric=cosine)`.execute(tx.kysely)
  await sql`create trigger ${trigger('insert')} after insert on document_chunks
    when length(new.embedding) = ${bytes} begin
      insert into ${table}(chunk_id, owner, document_id, doc_type, embedding)
        select ${row('new', 'd')} from documents d
        where d.id = new.document_id and d.deleted_at is null;
    end`.execute(tx.kysely)
  await sql`create trigger ${trigger('delete')} after delete on document_chunks
    when length(old.embedding) = ${bytes} begin
      delete from ${table} where chunk_id = old.id;
    end`.execute(tx.kysely)
  await sql`create trigger ${trigger('update')} after update of embedding, document_id
    on document_chunks begin
      delete from ${table} where chunk_id = old.id and length(old.embedding) = ${bytes};
      insert into ${table}(chunk_id, owner, document_id, doc_type, embedding)
        select ${row('new', 'd')} from documents d
        where d.id = new.document_id and d.deleted_at is null
          and length(new.embedding) = ${bytes};
    end`.execute(tx.kysely)
  await sql`create trigger ${trigger('document')} after update of user_id, doc_type, deleted_at
    on documents when old.user_id is not new.user_id or old.doc_type is not new.doc_type
      or old.deleted_at is not new.deleted_at begin
      delete from ${table} where chunk_id in
        (select id from document_chunks where document_id = new.id);
      insert into ${table}(chunk_id, owner, document_id, doc_type, embedding)
        select ${row('c', 'new')} from document_chunks c
        where c.document_id = new.id and new.deleted_at is null
          and length(c.embedding) = ${bytes};
    end`.execute(tx.kysely)
  await sql`insert into ${table}(chunk_id, owner, document_id, doc_type, embedding)
    select ${row('c', 'd')} from document_chunks c join documents d on d.id = c.document_id
    where d.deleted_at is null and length(c.embedding) = ${bytes}`.execute(tx.kysely)
}

/** One partition's k nearest (or every partition's, without an owner), filters inside vec0's scan. */
async function nearestIn(
  db: Database,
  query: NearestQuery,
  bytes: Buffer,
  owner: string | undefined,
): Promise<VectorHit[]> {
  const where = [
    sql`embedding match ${bytes}`,
    sql`k = ${query.k}`,
    ...(owner === undefined ? [] : [sql`owner = ${owner}`]),
    ...(query.document_id === undefined ? [] : [sql`document_id = ${query.document_id}`]),
    ...(query.doc_type === undefined ? [] : [sql`doc_type = ${typeKey(query.doc_type)}`]),
  ]
  const { rows } = await sql<{ chunk_id: string; distance: number | null }>`select chunk_id,
    distance from ${sql.table(vectorTable(query.vector.length))}
    where ${sql.join(where, sql` and `)}`.execute(db.kysely)
  // A zero vector has no direction: its distance is null, and its cosine taken as 0.
  return rows.map((r) => ({ id: r.chunk_id, score: r.distance === null ? 0 : 1 - r.distance }))
}

export const sqliteVectors: VectorIndex = {
  async cover(tx, dimensions) {
    for (const n of new Set(dimensions)) {
      if (!(await tableExists(tx, vectorTable(n)))) await createVectorTable(tx, n)
    }
  },

  async nearest(db, query) {
    if (!(await tableExists(db, vectorTable(query.vector.length)))) return null
    const bytes = Buffer.from(query.vector.buffer, query.vector.byteOffset, query.vector.byteLength)
    const parts =
      query.owner === null
        ? [await nearestIn(db, query, bytes, undefined)]
        : [await nearestIn(db, query, bytes, query.owner), await nearestIn(db, query, bytes, '')]
    return parts
      .flat()
      .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
      .slice(0, query.k)
  },
}
