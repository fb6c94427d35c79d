import { type Kysely, PostgresAdapter, sql } from 'kysely'

// Frozen in time: this file imports only kysely and never changes once released.

/**
 * Conversations become trees. `active_leaf_id` names the message the conversation currently
 * ends at (no foreign key: a logical import writes conversations before their messages, and the
 * reads treat a leaf that is gone as the end of nothing); `forked_from` (json: conversation_id,
 * message_id) says where a fork was copied from.
 *
 * Existing rows: a message after a conversation's first without a parent gets the one before it
 * in sequence order (linear conversations were meant that way), and the active leaf is the
 * newest message, except for ChatGPT imports, whose current_node (kept in the conversation's
 * metadata) names the leaf that ChatGPT showed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  await db.schema
    .alterTable('conversations')
    .addColumn('active_leaf_id', pg ? 'uuid' : 'text')
    .execute()
  await db.schema
    .alterTable('conversations')
    .addColumn('forked_from', pg ? 'jsonb' : 'text')
    .execute()

  await sql`update messages set parent_id = (
      select p.id from messages p
      where p.conversation_id = messages.conversation_id and p.sequence = messages.sequence - 1)
    where parent_id is null and sequence > 1`.execute(db)

  const currentNode = pg
    ? sql`conversations.metadata -> 'chatgpt' ->> 'current_node'`
    : sql`json_extract(conversations.metadata, '$.chatgpt.current_node')`
  const messageId = pg
    ? sql`m.metadata -> 'chatgpt' ->> 'message_id'`
    : sql`json_extract(m.metadata, '$.chatgpt.message_id')`
  await sql`update conversations set active_leaf_id = coalesce(
      (select m.id from messages m
        where m.conversation_id = conversations.id and ${currentNode} is not null
          and ${messageId} = ${currentNode}
        order by m.sequence limit 1),
      (select m.id from messages m
        where m.conversation_id = conversations.id order by m.sequence desc limit 1))`.execute(db)
}

/** The columns go; parents stay (a linear conversation's parents are what they always meant). */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('conversations').dropColumn('forked_from').execute()
  await db.schema.alterTable('conversations').dropColumn('active_leaf_id').execute()
}
