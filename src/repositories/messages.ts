import { type Compilable, type Selectable, sql } from 'kysely'
import { type MessageCipher, noKeyRing } from '../crypto/message-cipher.js'
import type { Codec } from '../db/codec.js'
import { MESSAGE_COLUMNS, type MessageRow, type MessagesTable } from '../db/messages-table.js'
import type { Database } from '../db/database.js'
import { perDatabase } from '../db/memo.js'
import type { Message, MessageStatus, Role } from '../schemas/data.js'
import type { Owner } from './conversations.js'
import { type IdCursor, pageById } from './keyset.js'

/**
 * A row as the Message handed out. An encrypted row (content null) is opened with `cipher`;
 * without one, or when it cannot be opened, `decryption_failed`, never garbage text.
 */
export function decodeMessage(
  codec: Codec,
  row: MessageRow,
  cipher: MessageCipher | null = null,
): Message {
  return {
    id: row.id,
    conversation_id: row.conversation_id,
    user_id: row.user_id,
    sequence: row.sequence,
    parent_id: row.parent_id,
    role: row.role as Role,
    content: row.content ?? openContent(row, cipher),
    parts: (row.encrypted_parts === null
      ? codec.json(row.parts)
      : openParts({ ...row, encrypted_parts: row.encrypted_parts }, cipher)) as Message['parts'],
    request_id: row.request_id,
    tokens_used: row.tokens_used,
    prompt_tokens: row.prompt_tokens,
    completion_tokens: row.completion_tokens,
    model_version: row.model_version,
    context_documents: codec.json(row.context_documents),
    metadata: codec.json(row.metadata),
    feedback: row.feedback as Message['feedback'],
    feedback_reason: row.feedback_reason,
    created_at: row.created_at,
    deleted_at: row.deleted_at,
    status: row.status as MessageStatus,
    finish_reason: row.finish_reason,
    completed_at: row.completed_at,
  }
}

/** Parts sealed with the content's key: opened as the content is, or `decryption_failed`. */
function openParts(
  row: MessageRow & { encrypted_parts: Buffer },
  cipher: MessageCipher | null,
): unknown[] {
  if (cipher === null) throw noKeyRing(row)
  return cipher.openParts(row)
}

/** Content is null only in an encrypted row. */
function openContent(row: MessageRow, cipher: MessageCipher | null): string {
  if (cipher === null) throw noKeyRing(row)
  return cipher.open(row)
}

const statements = perDatabase((db) => {
  // Two compiled variants: one for an admin (any owner), one filtered to the caller's rows.
  const scoped = <P extends { owner: string }>(
    build: (p: P, owned: boolean) => Compilable<MessageRow>,
  ) => ({ any: db.prepare((p: P) => build(p, false)), owned: db.prepare((p: P) => build(p, true)) })

  return {
    byId: scoped((p: { id: string; owner: string }, owned) => {
      const q = db.kysely
        .selectFrom('messages')
        .select(MESSAGE_COLUMNS)
        .where('id', '=', p.id)
        .where('deleted_at', 'is', null)
      return owned ? q.where('user_id', '=', p.owner) : q
    }),
    byIdempotencyKey: db.prepare(
      (p: { conversation_id: string; role: string; request_id: string }) =>
        db.kysely
          .selectFrom('messages')
          .select(MESSAGE_COLUMNS)
          .where('conversation_id', '=', p.conversation_id)
          .where('role', '=', p.role)
          .where('request_id', '=', p.request_id),
    ),
    byIdAnyState: db.prepare((p: { id: string }) =>
      db.kysely.selectFrom('messages').select(MESSAGE_COLUMNS).where('id', '=', p.id),
    ),
  }
})

export async function getMessage(
  db: Database,
  id: string,
  owner: Owner,
): Promise<MessageRow | undefined> {
  const set = statements(db).byId
  return (
    owner === null
      ? await set.any.all(db, { id, owner: '' })
      : await set.owned.all(db, { id, owner })
  )[0]
}

/** Deleted or not, any owner: for telling a replayed append from a new one. */
export async function getMessageAnyState(
  db: Database,
  id: string,
): Promise<MessageRow | undefined> {
  return (await statements(db).byIdAnyState.all(db, { id }))[0]
}

export async function getMessageByIdempotencyKey(
  db: Database,
  key: { conversation_id: string; role: string; request_id: string },
): Promise<MessageRow | undefined> {
  return (await statements(db).byIdempotencyKey.all(db, key))[0]
}

export interface MessageFilter {
  conversation_id: string
  owner: Owner
  limit: number
  order: 'asc' | 'desc'
  after?: string | undefined
  before?: string | undefined
  role?: Role | undefined
}

/**
 * Live messages of a conversation in sequence order, keyset-paginated on sequence. Up to
 * limit + 1 rows; with `before`, in the opposite order, for the caller to turn around.
 */
export async function listMessages(db: Database, filter: MessageFilter): Promise<MessageRow[]> {
  const backwards = filter.before !== undefined
  const cursor = filter.after ?? filter.before
  const ascending = (filter.order === 'asc') !== backwards
  let q = db.kysely
    .selectFrom('messages')
    .select(MESSAGE_COLUMNS)
    .where('conversation_id', '=', filter.conversation_id)
    .where('deleted_at', 'is', null)
  if (filter.owner !== null) q = q.where('user_id', '=', filter.owner)
  if (filter.role !== undefined) q = q.where('role', '=', filter.role)
  if (cursor !== undefined) {
    const position = sql`(select m.sequence from messages m where m.id = ${cursor} and m.conversation_id = ${filter.conversation_id})`
    q = q.where(
      ascending ? sql<boolean>`sequence > ${position}` : sql<boolean>`sequence < ${position}`,
    )
  }
  return q
    .orderBy('sequence', ascending ? 'asc' : 'desc')
    .limit(filter.limit + 1)
    .execute()
}

export async function setMessageFeedback(
  db: Database,
  id: string,
  owner: Owner,
  rating: { feedback: number | null; feedback_reason: string | null },
): Promise<MessageRow | undefined> {
  let q = db.kysely
    .updateTable('messages')
    .set(rating)
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
  if (owner !== null) q = q.where('user_id', '=', owner)
  return q.returning(MESSAGE_COLUMNS).executeTakeFirst()
}

/**
 * Live rated messages, newest first (id order: UUIDv7), keyset-paginated; limit + 1 rows. An
 * owner's walks messages_feedback_idx.
 */
export async function listRatedMessages(
  db: Database,
  filter: IdCursor & { owner: Owner; rating?: number | undefined },
): Promise<MessageRow[]> {
  let q = db.kysely
    .selectFrom('messages')
    .select(MESSAGE_COLUMNS)
    .where('deleted_at', 'is', null)
    .where('feedback', 'is not', null)
  if (filter.owner !== null) q = q.where('user_id', '=', filter.owner)
  if (filter.rating !== undefined) q = q.where('feedback', '=', filter.rating)
  return pageById(q, filter, 'newest_first').execute()
}

/** Live messages that carry this request_id, oldest first: one turn's question and answer. */
export async function listMessagesByRequestId(
  db: Database,
  filter: { owner: Owner; request_id: string; conversation_id?: string | undefined },
): Promise<MessageRow[]> {
  let q = db.kysely
    .selectFrom('messages')
    .select(MESSAGE_COLUMNS)
    .where('request_id', '=', filter.request_id)
    .where('deleted_at', 'is', null)
  if (filter.owner !== null) q = q.where('user_id', '=', filter.owner)
  if (filter.conversation_id !== undefined) {
    q = q.where('conversation_id', '=', filter.conversation_id)
  }
  // A turn has a handful of messages; more than 1000 under one key is not a turn.
  return q.orderBy('id').limit(1000).execute()
}

/**
 * Live messages whose metadata.source is `source`, oldest first, keyset-paginated; limit + 1
 * rows. The expression is the one messages_source_idx is built on, so an owner's walk uses it.
 */
export async function listMessagesBySource(
  db: Database,
  filter: IdCursor & { owner: Owner; source: string },
): Promise<MessageRow[]> {
  const source =
    db.engine === 'postgres'
      ? sql<string>`(metadata ->> 'source')`
      : sql<string>`json_extract(metadata, '$.source')`
  let q = db.kysely
    .selectFrom('messages')
    .select(MESSAGE_COLUMNS)
    .where(source, '=', filter.source)
    .where('deleted_at', 'is', null)
  if (filter.owner !== null) q = q.where('user_id', '=', filter.owner)
  return pageById(q, filter, 'oldest_first').execute()
}

export async function setMessageDeletedAt(
  db: Database,
  id: string,
  owner: Owner,
  deletedAt: string | null,
): Promise<MessageRow | undefined> {
  let q = db.kysely
    .updateTable('messages')
    .set({ deleted_at: deletedAt })
    .where('id', '=', id)
    .where('deleted_at', deletedAt === null ? 'is not' : 'is', null)
  if (owner !== null) q = q.where('user_id', '=', owner)
  // A message of a deleted conversation comes back only with its conversation.
  q = q.where(({ exists, selectFrom }) =>
    exists(
      selectFrom('conversations as c')
        .select('c.id')
        .whereRef('c.id', '=', 'messages.conversation_id')
        .where('c.deleted_at', 'is', null),
    ),
  )
  return q.returning(MESSAGE_COLUMNS).executeTakeFirst()
}

export async function countMessagesByRole(
  db: Database,
  conversationId: string,
  owner: Owner,
): Promise<{ role: string; count: number }[]> {
  let q = db.kysely
    .selectFrom('messages')
    .select(['role', (eb) => eb.fn.countAll<number>().as('count')])
    .where('conversation_id', '=', conversationId)
    .where('deleted_at', 'is', null)
  if (owner !== null) q = q.where('user_id', '=', owner)
  const rows = await q.groupBy('role').execute()
  return rows.map((r) => ({ role: r.role, count: Number(r.count) }))
}

/** How many messages (deleted ones too) are stored under each key; `null`: in plain text. */
export async function countMessagesByKey(
  db: Database,
): Promise<{ key_id: string | null; count: number }[]> {
  const rows = await db.kysely
    .selectFrom('messages')
    .select(['key_id', (eb) => eb.fn.countAll<number>().as('count')])
    .groupBy('key_id')
    .orderBy('key_id')
    .execute()
  return rows.map((r) => ({ key_id: r.key_id, count: Number(r.count) }))
}

/** A message whose stored content a key rotation rewrites. */
export type ResealRow = Pick<
  Selectable<MessagesTable>,
  | 'id'
  | 'conversation_id'
  | 'user_id'
  | 'content'
  | 'encrypted_content'
  | 'key_id'
  | 'parts'
  | 'encrypted_parts'
>

/**
 * The next `limit` messages by id after `after` (deleted ones too, they can come back) that are
 * not yet under `active_key_id`: encrypted under another key, and with `plaintext`, stored in
 * plain text. Walks the primary key, so a whole rotation reads the table once.
 */
export function messagesToReseal(
  db: Database,
  p: { after: string | null; active_key_id: string; plaintext: boolean; limit: number },
): Promise<ResealRow[]> {
  let q = db.kysely
    .selectFrom('messages')
    .select([
      'id',
      'conversation_id',
      'user_id',
      'content',
      'encrypted_content',
      'key_id',
      'parts',
      'encrypted_parts',
    ])
    .where((eb) => {
      const stale = eb.and([eb('key_id', 'is not', null), eb('key_id', '!=', p.active_key_id)])
      return p.plaintext ? eb.or([stale, eb('key_id', 'is', null)]) : stale
    })
  if (p.after !== null) q = q.where('id', '>', p.after)
  return q.orderBy('id').limit(p.limit).execute()
}
