import { sql } from 'kysely'
import type { Database } from './database.js'
import {
  type Filters,
  filtersOf,
  type NearestQuery,
  type VectorHit,
  type VectorIndex,
  type VectorKind,
} from './vector-index.js'

/**
 * Embeddings in sqlite-vec's vec0 tables, one per kind and dimension (`chunk_vectors_<n>`,
 * `message_vectors_<n>`), cosine distance, the owner as the partition key, so that one user's
 * search reads their own partition only (and, for chunks, the shared one: '' for shared
 * documents). Two metadata columns the search filters on inside the scan: a chunk's document_id
 * and doc_type, a message's conversation_id and role. Triggers keep a table in step with its
 * rows in the writing transaction, whatever writes them (appends, ingests, imports, restores,
 * cascades): a chunk is in it exactly while it has an embedding of that dimension and its
 * document is live, a message while it has one and is live (a deleted conversation's messages
 * are deleted with it). A dimension no table covers yet is searched by the exact scan until a
 * write covers it (creating and filling its table in that transaction).
 */

const PREFIX: Record<VectorKind, string> = { chunks: 'chunk_vectors', messages: 'message_vectors' }

export const vectorTable = (dimensions: number, kind: VectorKind = 'chunks') =>
  `${PREFIX[kind]}_${dimensions}`

/** doc_type as the metadata column holds it: vec0 has no NULL there, and '' is a valid type. */
export const typeKey = (docType: string | null | undefined) =>
  docType === null || docType === undefined ? '' : `t:${docType}`

async function tableExists(db: Database, name: string): Promise<boolean> {
  const { rows } = await sql<{ found: number }>`select 1 as found from sqlite_master
    where type = 'table' and name = ${name}`.execute(db.kysely)
  return rows.length > 0
}

/** The vec0 table of one dimension, its triggers, and the live chunks already stored. */
async function createChunkTable(tx: Database, dimensions: number): Promise<void> {
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

/**
 * The vec0 table of one dimension of message embeddings, its triggers, and the live messages
 * already stored. A conversation's soft delete marks its messages deleted too, so the messages'
 * own deleted_at is all the triggers watch.
 */
async function createMessageTable(tx: Database, dimensions: number): Promise<void> {
  const name = vectorTable(dimensions, 'messages')
  const table = sql.table(name)
  const trigger = (suffix: string) => sql.raw(`${name}_${suffix}`)
  const bytes = sql.lit(dimensions * 4)
  const columns = sql.raw('message_id, owner, conversation_id, role, embedding')
  const row = (m: string) =>
    sql.raw(`${m}.id, ${m}.user_id, ${m}.conversation_id, ${m}.role, ${m}.embedding`)
  await sql`create virtual table ${table} using vec0(message_id text primary key,
    owner text partition key, conversation_id text, role text,
    embedding float[${sql.lit(dimensions)}] distance_metric=cosine)`.execute(tx.kysely)
  await sql`create trigger ${trigger('insert')} after insert on messages
    when length(new.embedding) = ${bytes} and new.deleted_at is null begin
      insert into ${table}(${columns}) values (${row('new')});
    end`.execute(tx.kysely)
  await sql`create trigger ${trigger('delete')} after delete on messages
    when length(old.embedding) = ${bytes} begin
      delete from ${table} where message_id = old.id;
    end`.execute(tx.kysely)
  await sql`create trigger ${trigger('update')} after update of embedding, deleted_at
    on messages when old.embedding is not null or new.embedding is not null begin
      delete from ${table} where message_id = old.id and length(old.embedding) = ${bytes};
      insert into ${table}(${columns}) select ${row('new')}
        where new.deleted_at is null and length(new.embedding) = ${bytes};
    end`.execute(tx.kysely)
  await sql`insert into ${table}(${columns}) select ${row('m')} from messages m
    where m.deleted_at is null and length(m.embedding) = ${bytes}`.execute(tx.kysely)
}

const CREATE: Record<VectorKind, (tx: Database, dimensions: number) => Promise<void>> = {
  chunks: createChunkTable,
  messages: createMessageTable,
}

/** The columns a kind's table filters on: its id, the group and the tag (see Filters). */
const COLUMNS: Record<VectorKind, { id: string; group: string; tag: string }> = {
  chunks: { id: 'chunk_id', group: 'document_id', tag: 'doc_type' },
  messages: { id: 'message_id', group: 'conversation_id', tag: 'role' },
}

/** One partition's k nearest (or every partition's, without an owner), filters inside vec0's scan. */
async function nearestIn(
  db: Database,
  query: NearestQuery,
  filters: Filters,
  bytes: Buffer,
  owner: string | undefined,
): Promise<VectorHit[]> {
  const c = COLUMNS[filters.kind]
  const tag = filters.kind === 'chunks' ? typeKey(filters.tag) : filters.tag
  const where = [
    sql`embedding match ${bytes}`,
    sql`k = ${query.k}`,
    ...(owner === undefined ? [] : [sql`owner = ${owner}`]),
    ...(filters.group === undefined ? [] : [sql`${sql.ref(c.group)} = ${filters.group}`]),
    ...(filters.tag === undefined ? [] : [sql`${sql.ref(c.tag)} = ${tag}`]),
  ]
  const { rows } = await sql<{ id: string; distance: number | null }>`select
    ${sql.ref(c.id)} as id, distance
    from ${sql.table(vectorTable(query.vector.length, filters.kind))}
    where ${sql.join(where, sql` and `)}`.execute(db.kysely)
  // A zero vector has no direction: its distance is null, and its cosine taken as 0.
  return rows.map((r) => ({ id: r.id, score: r.distance === null ? 0 : 1 - r.distance }))
}

export const sqliteVectors: VectorIndex = {
  async cover(tx, dimensions, kind = 'chunks') {
    for (const n of new Set(dimensions)) {
      if (!(await tableExists(tx, vectorTable(n, kind)))) await CREATE[kind](tx, n)
    }
  },

  async nearest(db, query) {
    const filters = filtersOf(query)
    if (!(await tableExists(db, vectorTable(query.vector.length, filters.kind)))) return null
    const bytes = Buffer.from(query.vector.buffer, query.vector.byteOffset, query.vector.byteLength)
    // A user reads their own partition, and for chunks the shared documents' ('').
    const owners =
      filters.owner === null
        ? [undefined]
        : filters.kind === 'chunks'
          ? [filters.owner, '']
          : [filters.owner]
    const parts = await Promise.all(
      owners.map((owner) => nearestIn(db, query, filters, bytes, owner)),
    )
    return parts
      .flat()
      .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
      .slice(0, query.k)
  },
}
