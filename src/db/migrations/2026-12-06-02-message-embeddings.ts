import { type Kysely, PostgresAdapter, sql } from 'kysely'

// Frozen in time: this file imports only kysely and never changes once released.

/**
 * Semantic recall of history: a message may carry an embedding (float32 bytes, as chunks do),
 * and each engine keeps a vector index of them.
 *
 * SQLite: the column only. The store creates a sqlite-vec vec0 table per dimension
 * (`message_vectors_<n>`) with its triggers on the first embedding of that dimension; no message
 * has one yet, so there is nothing to copy here.
 *
 * PostgreSQL: `message_vector_changes`, the log of messages whose indexed embedding changed
 * (inserted, replaced, soft-deleted or restored, removed), for the in-memory index, in commit
 * order under an advisory lock of its own (not the chunks' one, so appends never wait for an
 * ingest). The triggers fire only for rows that carry an embedding, so a plain append takes no
 * lock. Where pgvector was set up, the store adds an HNSW index per dimension on first use.
 */
const LOG_LOCK = 7_347_201_904

export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  await db.schema
    .alterTable('messages')
    .addColumn('embedding', pg ? 'bytea' : 'blob')
    .execute()
  if (!pg) return
  await sql`create table message_vector_changes (
    seq bigserial primary key,
    message_id uuid not null)`.execute(db)
  await sql`create function message_vectors_changed() returns trigger language plpgsql as $$
    begin
      perform pg_advisory_xact_lock(${sql.lit(LOG_LOCK)});
      insert into message_vector_changes(message_id) values (new.id);
      return null;
    end $$`.execute(db)
  await sql`create function message_vectors_deleted() returns trigger language plpgsql as $$
    begin
      if exists (select 1 from old_rows where embedding is not null) then
        perform pg_advisory_xact_lock(${sql.lit(LOG_LOCK)});
        insert into message_vector_changes(message_id)
          select id from old_rows where embedding is not null;
      end if;
      return null;
    end $$`.execute(db)
  await sql`create trigger message_vectors_inserted after insert on messages
    for each row when (new.embedding is not null)
    execute function message_vectors_changed()`.execute(db)
  await sql`create trigger message_vectors_updated after update of embedding, deleted_at
    on messages for each row
    when (old.embedding is distinct from new.embedding
      or (new.embedding is not null and old.deleted_at is distinct from new.deleted_at))
    execute function message_vectors_changed()`.execute(db)
  await sql`create trigger message_vectors_deleted after delete on messages
    referencing old table as old_rows for each statement
    execute function message_vectors_deleted()`.execute(db)
}

/** The column, the log and its triggers, and every vector table the store made for messages. */
export async function down(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    for (const name of ['inserted', 'updated', 'deleted']) {
      await sql`drop trigger ${sql.raw(`message_vectors_${name}`)} on messages`.execute(db)
    }
    for (const name of ['changed', 'deleted']) {
      await sql`drop function ${sql.raw(`message_vectors_${name}`)}()`.execute(db)
    }
    await sql`drop table message_vector_changes`.execute(db)
    // Its HNSW indexes (messages_vector_<n>_idx) go with the column.
    await db.schema.alterTable('messages').dropColumn('embedding').execute()
    return
  }
  const { rows } = await sql<{ type: string; name: string }>`select type, name from sqlite_master
    where (type = 'trigger' and name glob 'message_vectors_[0-9]*')
      or (type = 'table' and name glob 'message_vectors_[0-9]*' and sql like 'create virtual table%')`.execute(
    db,
  )
  for (const { type, name } of rows) {
    if (type === 'trigger') await sql`drop trigger ${sql.raw(name)}`.execute(db)
  }
  for (const { type, name } of rows) {
    if (type === 'table') await sql`drop table ${sql.table(name)}`.execute(db)
  }
  await db.schema.alterTable('messages').dropColumn('embedding').execute()
}
