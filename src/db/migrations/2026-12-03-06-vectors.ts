import { type Kysely, PostgresAdapter, sql } from 'kysely'

// Frozen in time: this file imports only kysely and never changes once released.

/**
 * A vector index of chunk embeddings, kept in step by the database in the writing transaction.
 *
 * SQLite: a sqlite-vec vec0 table per dimension of the embeddings already stored
 * (`chunk_vectors_<n>`: cosine distance, the document's owner as partition key, '' for shared,
 * document_id and doc_type as metadata columns, doc_type as 't:' || doc_type or '' for none),
 * its triggers, and the live chunks copied in. The store creates the same for a new dimension.
 *
 * PostgreSQL: `chunk_vector_changes`, a log of the documents whose indexed chunks changed,
 * written by triggers that first take one advisory lock, so that seq order is commit order; each
 * process's in-memory index applies it past its watermark before it searches. Where the server
 * has pgvector (and lets this role create it), also `chatkeep_vector(bytea)`, the stored float32
 * bytes as a pgvector `vector`, and an HNSW (cosine) index per dimension already stored, on that
 * expression and partial on the dimension: the store then searches those instead.
 */
const LOG_LOCK = 7_347_201_903

export async function up(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`create table chunk_vector_changes (
      seq bigserial primary key,
      document_id uuid not null)`.execute(db)
    for (const [name, body] of [
      [
        'chunk_vectors_inserted',
        sql`select distinct document_id from new_rows where embedding is not null`,
      ],
      [
        'chunk_vectors_deleted',
        sql`select distinct document_id from old_rows where embedding is not null`,
      ],
    ] as const) {
      await sql`create function ${sql.raw(name)}() returns trigger language plpgsql as $$
        begin
          perform pg_advisory_xact_lock(${sql.lit(LOG_LOCK)});
          insert into chunk_vector_changes(document_id) ${body};
          return null;
        end $$`.execute(db)
    }
    await sql`create function chunk_vectors_changed() returns trigger language plpgsql as $$
      begin
        perform pg_advisory_xact_lock(${sql.lit(LOG_LOCK)});
        insert into chunk_vector_changes(document_id) values (new.id);
        return null;
      end $$`.execute(db)
    await sql`create function chunk_vectors_moved() returns trigger language plpgsql as $$
      begin
        perform pg_advisory_xact_lock(${sql.lit(LOG_LOCK)});
        insert into chunk_vector_changes(document_id) values (new.document_id);
        if old.document_id <> new.document_id then
          insert into chunk_vector_changes(document_id) values (old.document_id);
        end if;
        return null;
      end $$`.execute(db)
    await sql`create trigger chunk_vectors_inserted after insert on document_chunks
      referencing new table as new_rows for each statement
      execute function chunk_vectors_inserted()`.execute(db)
    await sql`create trigger chunk_vectors_deleted after delete on document_chunks
      referencing old table as old_rows for each statement
      execute function chunk_vectors_deleted()`.execute(db)
    await sql`create trigger chunk_vectors_updated after update of embedding, document_id
      on document_chunks for each row
      when (old.embedding is distinct from new.embedding or old.document_id <> new.document_id)
      execute function chunk_vectors_moved()`.execute(db)
    await sql`create trigger chunk_vectors_document after update of user_id, doc_type, deleted_at
      on documents for each row
      when (old.user_id is distinct from new.user_id or old.doc_type is distinct from new.doc_type
        or old.deleted_at is distinct from new.deleted_at)
      execute function chunk_vectors_changed()`.execute(db)
    await setUpPgvector(db)
    return
  }
  const { rows } = await sql<{ bytes: number }>`select distinct length(embedding) as bytes
    from document_chunks where embedding is not null and length(embedding) % 4 = 0
      and length(embedding) > 0`.execute(db)
  for (const { bytes } of rows) await createSqliteVectors(db, Number(bytes) / 4)
}

async function setUpPgvector(db: Kysely<unknown>): Promise<void> {
  const available = await sql`select 1 from pg_available_extensions where name = 'vector'`.execute(
    db,
  )
  if (available.rows.length === 0) return
  // A role that may not create extensions keeps the in-memory index instead of failing here.
  await sql`do $$ begin create extension if not exists vector;
    exception when insufficient_privilege then null; end $$`.execute(db)
  const installed = await sql`select 1 from pg_extension where extname = 'vector'`.execute(db)
  if (installed.rows.length === 0) return
  // IEEE 754 binary32, little-endian, decoded exactly (every float32 is a float8).
  // Its own search_path: PostgreSQL 17 builds indexes with only pg_catalog on it.
  await sql`create function chatkeep_vector(b bytea) returns vector
    immutable strict parallel safe language sql set search_path from current as $$
      select array_agg((1 - 2 * (bits >> 31)) * case when ((bits >> 23) & 255) = 0
          then (bits & 8388607) * 2 ^ -149
          else ((bits & 8388607) + 8388608) * 2 ^ (((bits >> 23) & 255) - 150) end
        order by i)::real[]::vector
      from (select i, get_byte(b, 4 * i)::bigint | (get_byte(b, 4 * i + 1)::bigint << 8)
          | (get_byte(b, 4 * i + 2)::bigint << 16) | (get_byte(b, 4 * i + 3)::bigint << 24) as bits
        from generate_series(0, octet_length(b) / 4 - 1) as i) as words
    $$`.execute(db)
  const { rows } = await sql<{ bytes: number }>`select distinct octet_length(embedding) as bytes
    from document_chunks where embedding is not null and octet_length(embedding) % 4 = 0
      and octet_length(embedding) > 0`.execute(db)
  for (const { bytes } of rows) {
    const n = Number(bytes) / 4
    await sql`create index ${sql.raw(`document_chunks_vector_${n}_idx`)} on document_chunks
      using hnsw ((chatkeep_vector(embedding)::vector(${sql.lit(n)})) vector_cosine_ops)
      where octet_length(embedding) = ${sql.lit(Number(bytes))}`.execute(db)
  }
}

async function createSqliteVectors(db: Kysely<unknown>, dimensions: number): Promise<void> {
  const name = `chunk_vectors_${dimensions}`
  const table = sql.table(name)
  const trigger = (suffix: string) => sql.raw(`${name}_${suffix}`)
  const bytes = sql.lit(dimensions * 4)
  const row = (chunk: string, document: string) =>
    sql.raw(`${chunk}.id, coalesce(${document}.user_id, ''), ${document}.id,
      case when ${document}.doc_type is null then '' else 't:' || ${document}.doc_type end,
      ${chunk}.embedding`)
  await sql`create virtual table ${table} using vec0(chunk_id text primary key,
    owner text partition key, document_id text, doc_type text,
    embedding float[${sql.lit(dimensions)}] distance_metric=cosine)`.execute(db)
  await sql`create trigger ${trigger('insert')} after insert on document_chunks
    when length(new.embedding) = ${bytes} begin
      insert into ${table}(chunk_id, owner, document_id, doc_type, embedding)
        select ${row('new', 'd')} from documents d
        where d.id = new.document_id and d.deleted_at is null;
    end`.execute(db)
  await sql`create trigger ${trigger('delete')} after delete on document_chunks
    when length(old.embedding) = ${bytes} begin
      delete from ${table} where chunk_id = old.id;
    end`.execute(db)
  await sql`create trigger ${trigger('update')} after update of embedding, document_id
    on document_chunks begin
      delete from ${table} where chunk_id = old.id and length(old.embedding) = ${bytes};
      insert into ${table}(chunk_id, owner, document_id, doc_type, embedding)
        select ${row('new', 'd')} from documents d
        where d.id = new.document_id and d.deleted_at is null
          and length(new.embedding) = ${bytes};
    end`.execute(db)
  await sql`create trigger ${trigger('document')} after update of user_id, doc_type, deleted_at
    on documents when old.user_id is not new.user_id or old.doc_type is not new.doc_type
      or old.deleted_at is not new.deleted_at begin
      delete from ${table} where chunk_id in
        (select id from document_chunks where document_id = new.id);
      insert into ${table}(chunk_id, owner, document_id, doc_type, embedding)
        select ${row('c', 'new')} from document_chunks c
        where c.document_id = new.id and new.deleted_at is null
          and length(c.embedding) = ${bytes};
    end`.execute(db)
  await sql`insert into ${table}(chunk_id, owner, document_id, doc_type, embedding)
    select ${row('c', 'd')} from document_chunks c join documents d on d.id = c.document_id
    where d.deleted_at is null and length(c.embedding) = ${bytes}`.execute(db)
}

/** Every vector table and its triggers, including those the store made for later dimensions. */
export async function down(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`drop trigger chunk_vectors_document on documents`.execute(db)
    for (const name of ['inserted', 'deleted', 'updated']) {
      await sql`drop trigger ${sql.raw(`chunk_vectors_${name}`)} on document_chunks`.execute(db)
    }
    for (const name of ['inserted', 'deleted', 'changed', 'moved']) {
      await sql`drop function ${sql.raw(`chunk_vectors_${name}`)}()`.execute(db)
    }
    await sql`drop table chunk_vector_changes`.execute(db)
    // With its HNSW indexes; the extension itself stays, as other schemas may use it.
    await sql`drop function if exists chatkeep_vector(bytea) cascade`.execute(db)
    return
  }
  const { rows } = await sql<{ type: string; name: string }>`select type, name from sqlite_master
    where (type = 'trigger' and name glob 'chunk_vectors_[0-9]*')
      or (type = 'table' and name glob 'chunk_vectors_[0-9]*' and sql like 'create virtual table%')`.execute(
    db,
  )
  for (const { type, name } of rows) {
    if (type === 'trigger') await sql`drop trigger ${sql.raw(name)}`.execute(db)
  }
  for (const { type, name } of rows) {
    if (type === 'table') await sql`drop table ${sql.table(name)}`.execute(db)
  }
}
