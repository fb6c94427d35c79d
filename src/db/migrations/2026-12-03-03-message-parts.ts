import { type Kysely, PostgresAdapter } from 'kysely'

// Frozen in time: this file imports only kysely and never changes once released.

/**
 * A message's structured content as LLM APIs send it (text, image and file references, tool
 * calls and results, reasoning): `parts`, JSON, null for a message without any. With encryption
 * at rest the parts are sealed as the content is, into `encrypted_parts` under the row's key_id,
 * and `parts` stays null. Both nullable, so existing rows need no rewrite.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  await db.schema
    .alterTable('messages')
    .addColumn('parts', pg ? 'jsonb' : 'text')
    .execute()
  await db.schema
    .alterTable('messages')
    .addColumn('encrypted_parts', pg ? 'bytea' : 'blob')
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('messages').dropColumn('encrypted_parts').execute()
  await db.schema.alterTable('messages').dropColumn('parts').execute()
}
