import {
  type ExpressionBuilder,
  type Insertable,
  type Selectable,
  sql,
  type Updateable,
} from 'kysely'
import type { Codec } from '../db/codec.js'
import type { Database, Prepared } from '../db/database.js'
import { jsonArrayContains } from '../db/json.js'
import { perDatabase } from '../db/memo.js'
import { containsText } from '../db/text.js'
import type { ConversationsTable, Schema } from '../db/schema.js'
import type { Conversation, ConversationStatus } from '../schemas/data.js'
import { decodePolicy } from './retention-policies.js'

export type ConversationRow = Selectable<ConversationsTable>

export function decodeConversation(codec: Codec, row: ConversationRow): Conversation {
  // Field by field: object rest and spread of a driver row take V8's slow path, about ten
  // times the cost of this (0.13 ms of every 20-conversation list over HTTP).
  return {
    id: row.id,
    short_id: row.short_id,
    user_id: row.user_id,
    title: row.title,
    status: row.status as ConversationStatus,
    origin: row.origin,
    discord_channel_id: row.discord_channel_id,
    parameters: codec.json(row.parameters),
    metadata: codec.json(row.metadata),
    message_count: row.message_count,
    total_tokens: row.total_tokens,
    active_leaf_id: row.active_leaf_id,
    forked_from: row.forked_from === null ? null : codec.json(row.forked_from),
    created_at: row.created_at,
    updated_at: row.updated_at,
    last_activity: row.last_activity,
    archived_at: row.archived_at,
    ended_at: row.ended_at,
    deleted_at: row.deleted_at,
    retention: decodePolicy(row.retention_mode, row.retention_days),
    temporary: row.expires_at !== null,
    expires_at: row.expires_at,
  }
}

/** `owner` null means any owner: the caller acts as an admin. */
export type Owner = string | null

const statements = perDatabase((db) => {
  const byId = (owned: boolean) =>
    db.prepare((p: { id: string; owner: string; now: string }) => {
      const q = db.kysely
        .selectFrom('conversations')
        .selectAll()
        .where('id', '=', p.id)
        .where('deleted_at', 'is', null)
        .where(unexpired(p.now))
      return owned ? q.where('user_id', '=', p.owner) : q
    })
  return { any: byId(false), owned: byId(true) }
})

/** Not a temporary conversation past its time: it is gone for reads before cleanup removes it. */
const unexpired = (now: string) => (eb: ExpressionBuilder<Schema, 'conversations'>) =>
  eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)])

/**
 * A live conversation, or undefined when it is missing, deleted, a temporary one past its time
 * or someone else's.
 */
export async function getConversation(
  db: Database,
  id: string,
  owner: Owner,
): Promise<ConversationRow | undefined> {
  const set = statements(db)
  const now = new Date().toISOString()
  const rows =
    owner === null
      ? await set.any.all(db, { id, owner: '', now })
      : await set.owned.all(db, { id, owner, now })
  return rows[0]
}

/** Deleted or not: restore and find-or-create need to see deleted rows too. */
export async function getConversationAnyState(
  db: Database,
  id: string,
  owner: Owner,
): Promise<ConversationRow | undefined> {
  let q = db.kysely.selectFrom('conversations').selectAll().where('id', '=', id)
  if (owner !== null) q = q.where('user_id', '=', owner)
  return q.executeTakeFirst()
}

/** A live conversation by its short_id (conversations_short_id_key), or undefined. */
export async function getConversationByShortId(
  db: Database,
  shortId: string,
  owner: Owner,
): Promise<ConversationRow | undefined> {
  let q = db.kysely
    .selectFrom('conversations')
    .selectAll()
    .where('short_id', '=', shortId)
    .where('deleted_at', 'is', null)
  if (owner !== null) q = q.where('user_id', '=', owner)
  return q.executeTakeFirst()
}

/** How many live conversations the user has, per status. */
export async function countConversationsByStatus(
  db: Database,
  userId: string,
): Promise<{ status: string; count: number }[]> {
  const rows = await db.kysely
    .selectFrom('conversations')
    .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
    .where('user_id', '=', userId)
    .where('deleted_at', 'is', null)
    .groupBy('status')
    .execute()
  return rows.map((r) => ({ status: r.status, count: Number(r.count) }))
}

export async function getConversationByDiscordChannel(
  db: Database,
  channelId: string,
): Promise<ConversationRow | undefined> {
  return db.kysely
    .selectFrom('conversations')
    .selectAll()
    .where('discord_channel_id', '=', channelId)
    .executeTakeFirst()
}

/** The conversation lets go of its Discord channel, for another one to take it. */
export async function unbindDiscordChannel(db: Database, id: string): Promise<void> {
  await db.kysely
    .updateTable('conversations')
    .set({ discord_channel_id: null })
    .where('id', '=', id)
    .execute()
}

export interface ConversationFilter {
  owner: Owner
  limit: number
  after?: string | undefined
  before?: string | undefined
  status?: ConversationStatus | undefined
  origin?: string | undefined
  tag?: string | undefined
  search?: string | undefined
  /** last_activity in [active_since, active_until), as ISO instants. */
  active_since?: string | undefined
  active_until?: string | undefined
  /** Temporary conversations (not past their time) too. */
  include_temporary?: boolean | undefined
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
  const cursor = filter.after ?? filter.before
  const shape: ListShape = {
    owned: filter.owner !== null,
    status: filter.status !== undefined,
    origin: filter.origin !== undefined,
    cursor: filter.before !== undefined ? 'before' : cursor !== undefined ? 'after' : 'none',
    temporary: filter.include_temporary === true,
  }
  const params: ListParams = {
    owner: filter.owner ?? '',
    status: filter.status ?? '',
    origin: filter.origin ?? '',
    cursor: cursor ?? '',
    rows: filter.limit + 1,
    now: new Date().toISOString(),
  }
  const { tag, search, active_since, active_until } = filter
  if ([tag, search, active_since, active_until].every((value) => value === undefined)) {
    return listStatement(db, shape).all(db, params)
  }
  // The rarer filters turn their values into SQL of their own: that query is built per call.
  let q = listQuery(db, shape, params)
  if (tag !== undefined) q = q.where(jsonArrayContains(db, 'metadata', 'tags', tag))
  if (search !== undefined) q = q.where(containsText(db, 'title', search))
  if (active_since !== undefined) q = q.where('last_activity', '>=', active_since)
  if (active_until !== undefined) q = q.where('last_activity', '<', active_until)
  return q.execute()
}

/** Which filters a list has; each shape compiles to its own statement. */
interface ListShape {
  owned: boolean
  status: boolean
  origin: boolean
  cursor: 'none' | 'after' | 'before'
  temporary: boolean
}

interface ListParams {
  owner: string
  status: string
  origin: string
  cursor: string
  /** limit + 1 */
  rows: number
  now: string
}

function listQuery(db: Database, shape: ListShape, p: ListParams) {
  let q = db.kysely.selectFrom('conversations').selectAll().where('deleted_at', 'is', null)
  if (shape.owned) q = q.where('user_id', '=', p.owner)
  if (shape.status) q = q.where('status', '=', p.status)
  if (shape.origin) q = q.where('origin', '=', p.origin)
  q = shape.temporary ? q.where(unexpired(p.now)) : q.where('expires_at', 'is', null)
  if (shape.cursor !== 'none') {
    // Someone else's conversation is no cursor for this owner: it pages like a missing id.
    const mine = shape.owned ? sql` and c.user_id = ${p.owner}` : sql``
    const position = sql`(select c.last_activity, c.id from conversations c where c.id = ${p.cursor}${mine})`
    q = q.where(
      shape.cursor === 'before'
        ? sql<boolean>`(last_activity, id) > ${position}`
        : sql<boolean>`(last_activity, id) < ${position}`,
    )
  }
  const direction = shape.cursor === 'before' ? 'asc' : 'desc'
  return q.orderBy('last_activity', direction).orderBy('id', direction).limit(p.rows)
}

/**
 * The list is the hottest read after the context window: each shape (at most 48) is compiled on
 * first use and then run as a prepared statement, not built anew per call.
 */
const listStatements = perDatabase(() => new Map<string, Prepared<ListParams, ConversationRow>>())

function listStatement(db: Database, shape: ListShape): Prepared<ListParams, ConversationRow> {
  const compiled = listStatements(db)
  const key = `${shape.owned}/${shape.status}/${shape.origin}/${shape.cursor}/${shape.temporary}`
  let statement = compiled.get(key)
  if (statement === undefined) {
    statement = db.prepare((p: ListParams) => listQuery(db, shape, p))
    compiled.set(key, statement)
  }
  return statement
}

export async function insertConversation(
  db: Database,
  row: Insertable<ConversationsTable>,
): Promise<ConversationRow> {
  return db.kysely.insertInto('conversations').values(row).returningAll().executeTakeFirstOrThrow()
}

export async function updateConversation(
  db: Database,
  id: string,
  owner: Owner,
  patch: Updateable<ConversationsTable>,
): Promise<ConversationRow | undefined> {
  let q = db.kysely
    .updateTable('conversations')
    .set(patch)
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
  if (owner !== null) q = q.where('user_id', '=', owner)
  return q.returningAll().executeTakeFirst()
}

/** Marks the conversation and its live messages deleted, with one timestamp that restore keys on. */
export async function softDeleteConversation(
  db: Database,
  id: string,
  owner: Owner,
  at: string,
): Promise<boolean> {
  // The timestamp must differ from that of every message deleted before, even one deleted in the
  // same millisecond, or restore would bring that message back too.
  const { latest } = await db.kysely
    .selectFrom('messages')
    .select((eb) => eb.fn.max('deleted_at').as('latest'))
    .where('conversation_id', '=', id)
    .executeTakeFirstOrThrow()
  const stamp =
    latest !== null && latest >= at ? new Date(Date.parse(latest) + 1).toISOString() : at
  const updated = await updateConversation(db, id, owner, { deleted_at: stamp, updated_at: stamp })
  if (updated === undefined) return false
  await db.kysely
    .updateTable('messages')
    .set({ deleted_at: stamp })
    .where('conversation_id', '=', id)
    .where('deleted_at', 'is', null)
    .execute()
  return true
}

/** Brings back the conversation and the messages that were deleted with it, not those deleted before. */
export async function restoreConversation(
  db: Database,
  row: ConversationRow,
  at: string,
): Promise<ConversationRow> {
  await db.kysely
    .updateTable('messages')
    .set({ deleted_at: null })
    .where('conversation_id', '=', row.id)
    .where('deleted_at', '=', row.deleted_at)
    .execute()
  return db.kysely
    .updateTable('conversations')
    .set({ deleted_at: null, updated_at: at })
    .where('id', '=', row.id)
    .returningAll()
    .executeTakeFirstOrThrow()
}
