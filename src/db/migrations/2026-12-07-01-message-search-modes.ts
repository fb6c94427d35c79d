import { type Kysely, PostgresAdapter, sql } from 'kysely'

// Frozen in time: this file imports only kysely and never changes once released.

/**
 * Full-text indexing of messages that can be `immediate` (in the writing transaction, as
 * before), `deferred` (a catch-up worker indexes what was written) or `off`. The mode is the
 * database's, one row of `message_search_mode`, so that every process and trigger follows it.
 * What is written while deferred or off is marked pending in the same transaction as the
 * message, so nothing can be missed and a switch back to immediate knows exactly what to index.
 *
 * SQLite: `message_search_pending` holds the rowids not yet in `messages_fts`; the triggers read
 * the mode. A pending row is not in the index, so deleting or updating it must not touch the
 * index (an FTS5 'delete' of a row never indexed corrupts it): the triggers check.
 *
 * PostgreSQL: `messages.search_pending`, set on insert by a trigger that the store enables only
 * while the mode is deferred or off (disabled, it costs an append nothing); the GIN index is
 * partial, `where not search_pending`, so a pending row costs no index work until catch-up
 * clears its flag. `messages_search_pending_idx` finds the pending rows, oldest first.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  await sql`create table message_search_mode (
    id integer primary key check (id = 1),
    mode text not null check (mode in ('immediate', 'deferred', 'off')))`.execute(db)
  await sql`insert into message_search_mode (id, mode) values (1, 'immediate')`.execute(db)
  if (pg) {
    await sql`alter table messages add column search_pending boolean not null default false`.execute(
      db,
    )
    await sql`drop index messages_content_search_idx`.execute(db)
    await sql`create index messages_content_search_idx on messages
      using gin (to_tsvector('simple', coalesce(content, ''))) where not search_pending`.execute(db)
    await sql`create index messages_search_pending_idx on messages (created_at)
      where search_pending`.execute(db)
    await sql`create function messages_search_defer() returns trigger language plpgsql as $$
      begin
        new.search_pending := true;
        return new;
      end $$`.execute(db)
    await sql`create trigger messages_search_defer before insert on messages
      for each row execute function messages_search_defer()`.execute(db)
    await sql`alter table messages disable trigger messages_search_defer`.execute(db)
    return
  }
  await sql`create table message_search_pending (message_rowid integer primary key)`.execute(db)
  for (const suffix of ['insert', 'delete', 'update']) {
    await sql`drop trigger ${sql.raw(`messages_fts_${suffix}`)}`.execute(db)
  }
  const mode = sql`coalesce((select mode from message_search_mode where id = 1), 'immediate')`
  // Encrypted messages have no content: they are neither indexed nor pending.
  await sql`create trigger messages_fts_insert after insert on messages
    when new.content is not null and ${mode} = 'immediate' begin
      insert into messages_fts(rowid, content) values (new.rowid, new.content);
    end`.execute(db)
  await sql`create trigger messages_search_pending_insert after insert on messages
    when new.content is not null and ${mode} <> 'immediate' begin
      insert or ignore into message_search_pending(message_rowid) values (new.rowid);
    end`.execute(db)
  // Whatever its content, a deleted row leaves no pending rowid behind for a reused rowid.
  await sql`create trigger messages_fts_delete after delete on messages begin
      insert into messages_fts(messages_fts, rowid, content)
        select 'delete', old.rowid, old.content where old.content is not null
          and not exists (select 1 from message_search_pending where message_rowid = old.rowid);
      delete from message_search_pending where message_rowid = old.rowid;
    end`.execute(db)
  // An indexed row is kept right in every mode (as PostgreSQL keeps a row in its index); a
  // pending one is indexed by catch-up with the content it has then.
  await sql`create trigger messages_fts_update after update of content on messages
    when not exists (select 1 from message_search_pending where message_rowid = old.rowid) begin
      insert into messages_fts(messages_fts, rowid, content)
        select 'delete', old.rowid, old.content where old.content is not null;
      insert into messages_fts(rowid, content) select new.rowid, new.content
        where new.content is not null;
    end`.execute(db)
}

/** Back to indexing in the transaction: what was pending is indexed on the way. */
export async function down(db: Kysely<unknown>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  if (pg) {
    await sql`drop trigger messages_search_defer on messages`.execute(db)
    await sql`drop function messages_search_defer()`.execute(db)
    await sql`drop index messages_search_pending_idx`.execute(db)
    await sql`drop index messages_content_search_idx`.execute(db)
    await sql`alter table messages drop column search_pending`.execute(db)
    await sql`create index messages_content_search_idx on messages
      using gin (to_tsvector('simple', coalesce(content, '')))`.execute(db)
    await sql`drop table message_search_mode`.execute(db)
    return
  }
  for (const name of ['fts_insert', 'search_pending_insert', 'fts_delete', 'fts_update']) {
    await sql`drop trigger ${sql.raw(`messages_${name}`)}`.execute(db)
  }
  await sql`create trigger messages_fts_insert after insert on messages
    when new.content is not null begin
      insert into messages_fts(rowid, content) values (new.rowid, new.content);
    end`.execute(db)
  await sql`create trigger messages_fts_delete after delete on messages
    when old.content is not null begin
      insert into messages_fts(messages_fts, rowid, content) values ('delete', old.rowid, old.content);
    end`.execute(db)
  await sql`create trigger messages_fts_update after update of content on messages begin
      insert into messages_fts(messages_fts, rowid, content)
        select 'delete', old.rowid, old.content where old.content is not null;
      insert into messages_fts(rowid, content) select new.rowid, new.content
        where new.content is not null;
    end`.execute(db)
  await sql`insert into messages_fts(messages_fts) values ('rebuild')`.execute(db)
  await sql`drop table message_search_pending`.execute(db)
  await sql`drop table message_search_mode`.execute(db)
}
