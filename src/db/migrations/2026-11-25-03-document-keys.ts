import { type Kysely, PostgresAdapter, sql } from 'kysely'

// Frozen in time: this file imports only kysely and never changes once released.

/**
 * A chunk's content hash was unique across the whole table, so the second user to ingest a text
 * found "their" chunk inside someone else's private document: it could not be searched, cited or
 * kept by them, and vanished when its owner deleted it. A chunk is now stored once per document
 * (the hash already includes the document's source_url and doc_type, so a document is the owner's
 * unit of content), and one owner has one live document per source_url, the key a re-ingest finds
 * the document by. Both keys lead with what Citus would distribute on.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  if (pg) {
    await sql`alter table document_chunks drop constraint document_chunks_content_hash_key`.execute(
      db,
    )
  } else {
    // SQLite cannot drop a column's UNIQUE constraint: the table is rebuilt without it.
    await rebuildSqliteChunks(db, false)
  }
  await db.schema
    .createIndex('document_chunks_document_hash_key')
    .on('document_chunks')
    .columns(['document_id', 'content_hash'])
    .unique()
    .execute()
  // Shared documents (user_id null) are one owner of their own: the all-zero id stands for it.
  await sql`create unique index documents_owner_source_key on documents
    (coalesce(user_id, '00000000-0000-0000-0000-000000000000'), source_url)
    where deleted_at is null and source_url is not null`.execute(db)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  await db.schema.dropIndex('documents_owner_source_key').execute()
  await db.schema.dropIndex('document_chunks_document_hash_key').execute()
  if (pg) {
    await sql`alter table document_chunks add constraint document_chunks_content_hash_key unique (content_hash)`.execute(
      db,
    )
  } else {
    await rebuildSqliteChunks(db, true)
  }
}

async function rebuildSqliteChunks(db: Kysely<unknown>, uniqueHash: boolean): Promise<void> {
  await db.schema
    .createTable('document_chunks_rebuilt')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('document_id', 'text', (c) =>
      c.notNull().references('documents.id').onDelete('cascade'),
    )
    .addColumn('chunk_index', 'integer', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('content_hash', 'text', (c) => (uniqueHash ? c.notNull().unique() : c.notNull()))
    .addColumn('token_count', 'integer')
    .addColumn('embedding_id', 'text')
    .addColumn('embedding', 'blob')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('document_chunks_index_check', sql`chunk_index >= 0`)
    .execute()
  await sql`insert into document_chunks_rebuilt select id, document_id, chunk_index, content,
    content_hash, token_count, embedding_id, embedding, created_at, updated_at
    from document_chunks`.execute(db)
  await db.schema.dropTable('document_chunks').execute()
  await sql`alter table document_chunks_rebuilt rename to document_chunks`.execute(db)
  await db.schema
    .createIndex('document_chunks_document_idx')
    .on('document_chunks')
    .columns(['document_id', 'chunk_index'])
    .execute()
  await db.schema
    .createIndex('document_chunks_embedding_id_idx')
    .on('document_chunks')
    .column('embedding_id')
    .execute()
}
