import { type Kysely, PostgresAdapter, sql } from 'kysely'

// Frozen in time: this file imports only kysely and never changes once released.

/**
 * Live replies. A message has a status: `complete` (every message so far, and the default),
 * `streaming` while its deltas arrive, `aborted` or `failed` when it ended without finishing.
 * finish_reason and completed_at say how and when a streamed answer ended; last_delta_at is the
 * time of its latest checkpoint, which the sweeper compares with STREAM_TIMEOUT_MS. The partial
 * index holds only the streaming messages, so a sweep reads a handful of rows, never the table.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  const time = pg ? 'timestamptz' : 'text'
  await db.schema
    .alterTable('messages')
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('complete')
        .check(sql`status in ('complete', 'streaming', 'aborted', 'failed')`),
    )
    .execute()
  await db.schema.alterTable('messages').addColumn('finish_reason', 'text').execute()
  await db.schema.alterTable('messages').addColumn('completed_at', time).execute()
  await db.schema.alterTable('messages').addColumn('last_delta_at', time).execute()
  await sql`create index messages_streaming_idx on messages (created_at) where status = 'streaming'`.execute(
    db,
  )
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('messages_streaming_idx').execute()
  for (const column of ['last_delta_at', 'completed_at', 'finish_reason', 'status']) {
    await db.schema.alterTable('messages').dropColumn(column).execute()
  }
}
