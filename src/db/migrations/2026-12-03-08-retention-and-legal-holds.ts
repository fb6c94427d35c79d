import { type Kysely, PostgresAdapter, sql } from 'kysely'

// Frozen in time: this file imports only kysely and never changes once released.

const MODES = sql`('keep', 'after_last_activity', 'after_soft_delete')`

/**
 * Retention policies per user and per conversation (null: the next one up decides), temporary
 * conversations (expires_at), and legal holds. A hold names a user or a conversation by id with
 * no foreign key: the record that something was held outlives what it held.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  const id = pg ? 'uuid' : 'text'
  const time = pg ? 'timestamptz' : 'text'
  for (const table of ['users', 'conversations']) {
    await db.schema
      .alterTable(table)
      .addColumn('retention_mode', 'text', (c) => c.check(sql`retention_mode in ${MODES}`))
      .execute()
    await db.schema
      .alterTable(table)
      .addColumn('retention_days', 'integer', (c) =>
        c.check(sql`retention_days between 1 and 36500`),
      )
      .execute()
  }
  await db.schema.alterTable('conversations').addColumn('expires_at', time).execute()
  await db.schema
    .createIndex('conversations_expires_at_idx')
    .on('conversations')
    .column('expires_at')
    .where(sql.ref('expires_at'), 'is not', null)
    .execute()

  await db.schema
    .createTable('legal_holds')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('user_id', id)
    .addColumn('conversation_id', id)
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_by', id)
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('released_at', time)
    .addColumn('released_by', id)
    .addCheckConstraint(
      'legal_holds_one_target',
      sql`(user_id is null) <> (conversation_id is null)`,
    )
    .execute()
  await db.schema
    .createIndex('legal_holds_active_user_idx')
    .on('legal_holds')
    .column('user_id')
    .where(sql.ref('released_at'), 'is', null)
    .execute()
  await db.schema
    .createIndex('legal_holds_active_conversation_idx')
    .on('legal_holds')
    .column('conversation_id')
    .where(sql.ref('released_at'), 'is', null)
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('legal_holds').execute()
  await db.schema.dropIndex('conversations_expires_at_idx').execute()
  await db.schema.alterTable('conversations').dropColumn('expires_at').execute()
  for (const table of ['conversations', 'users']) {
    await db.schema.alterTable(table).dropColumn('retention_days').execute()
    await db.schema.alterTable(table).dropColumn('retention_mode').execute()
  }
}
