import { type Kysely, sql } from 'kysely'

// Frozen in time: this file imports only kysely and never changes once released.

/**
 * Deleting a row looks up every row whose foreign key points at it (to cascade or set null).
 * Without an index on the pointing column each delete scans the whole child table, so purging,
 * cleanup and user deletion grew quadratically (1000 deleted messages of 20k: 1.7 s → 12 ms).
 * The parent_id indexes are partial: most messages answer nothing, and appends of those pay
 * nothing for the index; `parent_id = ?` implies not null, so both engines use them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('messages_parent_id_idx')
    .on('messages')
    .column('parent_id')
    .where(sql.ref('parent_id'), 'is not', null)
    .execute()
  await db.schema
    .createIndex('refresh_tokens_parent_id_idx')
    .on('refresh_tokens')
    .column('parent_id')
    .where(sql.ref('parent_id'), 'is not', null)
    .execute()
  await db.schema
    .createIndex('transcripts_user_id_idx')
    .on('transcripts')
    .column('user_id')
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const index of [
    'transcripts_user_id_idx',
    'refresh_tokens_parent_id_idx',
    'messages_parent_id_idx',
  ]) {
    await db.schema.dropIndex(index).execute()
  }
}
