import { type Kysely, PostgresAdapter, sql } from 'kysely'

// Frozen in time: this file imports only kysely and never changes once released.

/**
 * Usage: a message's tokens split into prompt and completion (null: not reported; tokens_used
 * stays their sum), and a user's own quota (JSON, null: the default applies).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  for (const column of ['prompt_tokens', 'completion_tokens']) {
    await db.schema
      .alterTable('messages')
      .addColumn(column, 'integer', (c) => c.check(sql`${sql.ref(column)} >= 0`))
      .execute()
  }
  await db.schema
    .alterTable('users')
    .addColumn('quota', pg ? 'jsonb' : 'text')
    .execute()
  // Few users have a quota of their own; the append path asks whether any has.
  await db.schema
    .createIndex('users_quota_idx')
    .on('users')
    .column('id')
    .where(sql.ref('quota'), 'is not', null)
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('users_quota_idx').execute()
  await db.schema.alterTable('users').dropColumn('quota').execute()
  await db.schema.alterTable('messages').dropColumn('completion_tokens').execute()
  await db.schema.alterTable('messages').dropColumn('prompt_tokens').execute()
}
