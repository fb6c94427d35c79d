import { type Kysely, PostgresAdapter, sql } from 'kysely'

// Frozen in time: this file imports only kysely and never changes once released.

/**
 * Full-text indexes over message content and document chunks, kept in step by the database
 * itself inside the writing transaction, so they never drift. Both engines tokenize the same
 * way, without stemming or stop words: PostgreSQL's `simple` configuration and FTS5's
 * `unicode61` (diacritics kept, as `simple` keeps them), so a query finds the same rows on both.
 *
 * PostgreSQL: GIN indexes on the tsvector expression; no column is added, so rows keep their
 * shape. SQLite: FTS5 tables with external content (the text lives once, in the table itself),
 * fed by triggers.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`create index messages_content_search_idx on messages
      using gin (to_tsvector('simple', coalesce(content, '')))`.execute(db)
    await sql`create index document_chunks_content_search_idx on document_chunks
      using gin (to_tsvector('simple', content))`.execute(db)
    return
  }
  for (const table of ['messages', 'document_chunks']) {
    const fts = sql.table(`${table}_fts`)
    const source = sql.table(table)
    const name = (suffix: string) => sql.raw(`${table}_fts_${suffix}`)
    await sql`create virtual table ${fts} using fts5(content, content=${sql.lit(table)},
      content_rowid='rowid', tokenize='unicode61 remove_diacritics 0')`.execute(db)
    // Encrypted messages have no content: they are not indexed.
    await sql`create trigger ${name('insert')} after insert on ${source}
      when new.content is not null begin
        insert into ${fts}(rowid, content) values (new.rowid, new.content);
      end`.execute(db)
    await sql`create trigger ${name('delete')} after delete on ${source}
      when old.content is not null begin
        insert into ${fts}(${fts}, rowid, content) values ('delete', old.rowid, old.content);
      end`.execute(db)
    await sql`create trigger ${name('update')} after update of content on ${source} begin
        insert into ${fts}(${fts}, rowid, content)
          select 'delete', old.rowid, old.content where old.content is not null;
        insert into ${fts}(rowid, content) select new.rowid, new.content
          where new.content is not null;
      end`.execute(db)
    // Rows written before this migration.
    await sql`insert into ${fts}(${fts}) values ('rebuild')`.execute(db)
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`drop index document_chunks_content_search_idx`.execute(db)
    await sql`drop index messages_content_search_idx`.execute(db)
    return
  }
  for (const table of ['document_chunks', 'messages']) {
    for (const suffix of ['insert', 'delete', 'update']) {
      await sql`drop trigger ${sql.raw(`${table}_fts_${suffix}`)}`.execute(db)
    }
    await sql`drop table ${sql.table(`${table}_fts`)}`.execute(db)
  }
}
