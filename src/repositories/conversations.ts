import { type Insertable, type Selectable, sql, type Updateable } from 'kysely'
import type { Codec } from '../db/codec.js'
import type { Database, Executor } from '../db/database.js'
import { jsonArrayContains } from '../db/json.js'
import { perDatabase } from '../db/memo.js'
import type { ConversationsTable } from '../db/schema.js'
import type { Conversation, ConversationStatus } from '../schemas/data.js'

export type ConversationRow = Selectable<ConversationsTable>

export function decodeConversation(codec: Codec, row: ConversationRow): Conversation {
  return {
    ...row,
    status: row.status as ConversationStatus,
    parameters: codec.json(row.parameters),
    metadata: codec.json(row.metadata),
  }
}

/** `owner` null means any owner: the caller acts as an admin. */
export type Owner = string | null

const statements = perDatabase((db) => {
  const byId = (owned: boolean) =>
    db.prepare((p: { id: string; owner: string }) => {
      const q = db.kysely
        .selectFrom('conversations')
        .selectAll()
        .where('id', '=', p.id)
        .where('deleted_at', 'is', null)
      return owned ? q.where('user_id', '=', p.owner) : q
    })
  return { any: byId(false), owned: byId(true) }
})

/** A live conversation, or undefined when it is missing, deleted or someone else's. */
export async function getConversation(
  db: Database,
  id: string,
  owner: Owner,
): Promise<ConversationRow | undefined> {
  const set = statements(db)
  const rows = owner === null ? await set.any.all({ id, owner: '' }) : await set.owned.all({ id, owner })
  return rows[0]
}

/** Deleted or not: restore and find-or-create need to see deleted rows too. */
export async function getConversationAnyState(
  tx: Executor,
  id: string,
  owner: Owner,
): Promise<ConversationRow | undefined> {
  let q = tx.selectFrom('conversations').selectAll().where('id', '=', id)
  if (owner !== null) q = q.where('user_id', '=', owner)
  return q.executeTakeFirst()
}

export async function getConversationByDiscordChannel(
  tx: Executor,
  channelId: string,
): Promise<ConversationRow | undefined> {
  return tx
    .selectFrom('conversations')
    .selectAll()
    .where('discord_channel_id', '=', channelId)
    .executeTakeFirst()
}

export interface ConversationFilter {
  owner: Owner
  limit: number
  after?: string | undefined
  before?: string | undefined
  status?: ConversationStatus | undefined
  origin?: string | undefined
  tag?: string | undefined
}

/**
 * Live conversations, most recently active first, keyset-paginated on (last_activity, id);
 * reads `conversations_user_recent_idx` in order. Returns up to limit + 1 rows so the caller
 * can tell whether there is more; with `before`, the rows come oldest first.
 */
export async function listConversations(
  db: Database,
  filter: ConversationFilter,
): Promise<ConversationRow[]> {
  const backwards = filter.before !== undefined
  const cursor = filter.after ?? filter.before
  let q = db.kysely.selectFrom('conversations').selectAll().where('deleted_at', 'is', null)
  if (filter.owner !== null) q = q.where('user_id', '=', filter.owner)
  if (filter.status !== undefined) q = q.where('status', '=', filter.status)
  if (filter.origin !== undefined) q = q.where('origin', '=', filter.origin)
  if (filter.tag !== undefined) q = q.where(jsonArrayContains(db, 'metadata', 'tags', filter.tag))
  if (cursor !== undefined) {
    const position = sql`(select c.last_activity, c.id from conversations c where c.id = ${cursor})`
    q = q.where(
      backwards
        ? sql<boolean>`(last_activity, id) > ${position}`
        : sql<boolean>`(last_activity, id) < ${position}`,
    )
  }
  const direction = backwards ? 'asc' : 'desc'
  return db.read(() =>
    q
      .orderBy('last_activity', direction)
      .orderBy('id', direction)
      .limit(filter.limit + 1)
      .execute(),
  )
}

export async function insertConversation(
  tx: Executor,
  row: Insertable<ConversationsTable>,
): Promise<ConversationRow> {
  return tx.insertInto('conversations').values(row).returningAll().executeTakeFirstOrThrow()
}

export async function updateConversation(
  tx: Executor,
  id: string,
  owner: Owner,
  patch: Updateable<ConversationsTable>,
): Promise<ConversationRow | undefined> {
  let q = tx.updateTable('conversations').set(patch).where('id', '=', id).where('deleted_at', 'is', null)
  if (owner !== null) q = q.where('user_id', '=', owner)
  return q.returningAll().executeTakeFirst()
}

/** Marks the conversation and its live messages deleted, with one timestamp that restore keys on. */
export async function softDeleteConversation(
  tx: Executor,
  id: string,
  owner: Owner,
  at: string,
): Promise<boolean> {
  const updated = await updateConversation(tx, id, owner, { deleted_at: at, updated_at: at })
  if (updated === undefined) return false
  await tx
    .updateTable('messages')
    .set({ deleted_at: at })
    .where('conversation_id', '=', id)
    .where('deleted_at', 'is', null)
    .execute()
  return true
}

/** Brings back the conversation and the messages that were deleted with it, not those deleted before. */
export async function restoreConversation(
  tx: Executor,
  row: ConversationRow,
  at: string,
): Promise<ConversationRow> {
  await tx
    .updateTable('messages')
    .set({ deleted_at: null })
    .where('conversation_id', '=', row.id)
    .where('deleted_at', '=', row.deleted_at)
    .execute()
  return tx
    .updateTable('conversations')
    .set({ deleted_at: null, updated_at: at })
    .where('id', '=', row.id)
    .returningAll()
    .executeTakeFirstOrThrow()
}
