import { type Kysely, PostgresAdapter, sql } from 'kysely'

// Frozen in time: this file imports only kysely and never changes once released.

/**
 * What the seed apps call and the first schema could not answer well: a reason with a thumbs
 * down (seed 001, Open WebUI), the rated messages listed without scanning every message, a
 * turn's messages found by request_id across conversations (seed 004's idx_messages_request_id),
 * and messages found by their metadata.source (seed 002's get_by_source). All partial or
 * expression indexes, so an append of an unrated message without a source pays almost nothing.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  await db.schema.alterTable('messages').addColumn('feedback_reason', 'text').execute()
  await db.schema
    .createIndex('messages_feedback_idx')
    .on('messages')
    .columns(['user_id', 'feedback'])
    .where(sql.ref('feedback'), 'is not', null)
    .execute()
  await db.schema
    .createIndex('messages_request_id_idx')
    .on('messages')
    .columns(['user_id', 'request_id'])
    .where(sql.ref('request_id'), 'is not', null)
    .execute()
  const source = pg ? sql`(metadata ->> 'source')` : sql`json_extract(metadata, '$.source')`
  await sql`create index messages_source_idx on messages (user_id, ${source})
    where ${source} is not null`.execute(db)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const index of ['messages_source_idx', 'messages_request_id_idx', 'messages_feedback_idx']) {
    await db.schema.dropIndex(index).execute()
  }
  await db.schema.alterTable('messages').dropColumn('feedback_reason').execute()
}
