import { encodeJson } from '../../db/codec.js'
import type { Database } from '../../db/database.js'
import { insertPlacedMessages } from '../../db/messages-table.js'
import { ChatkeepError } from '../../errors.js'
import { shortId } from '../../lib/short-id.js'
import type { ConversationStatus, Role } from '../../schemas/data.js'
import { NewConversationSchema, NewMessageSchema } from '../../schemas/inputs.js'
import { checkJsonSize, validator } from '../../schemas/validate.js'
import type { Store } from '../../store.js'

/**
 * The one path imported conversations and messages take into the database. It keeps what the
 * append path guarantees (one transaction per conversation; message_count, total_tokens and
 * last_activity moving with the rows; sequences gapless 1..n) while setting each message's
 * created_at from the source instead of the clock.
 */

/** A message as an importer built it: its id stable across runs, its time from the source. */
export interface ImportMessage {
  id: string
  parent_id: string | null
  role: Role
  content: string
  request_id: string | null
  tokens_used: number
  model_version: string | null
  context_documents: unknown[]
  metadata: Record<string, unknown>
  created_at: string
}

export interface ImportConversation {
  id: string
  user_id: string
  title: string | null
  status: ConversationStatus
  origin: string
  parameters: Record<string, unknown>
  metadata: Record<string, unknown>
  created_at: string
  updated_at: string
  /** The source's own last activity; the newest message moves it later, never earlier. */
  last_activity: string
  /**
   * The message the source showed last (ChatGPT's current_node); without one, the last message
   * written becomes the active leaf, as an append makes it.
   */
  active_leaf_id?: string
}

export type WriteOutcome =
  | { kind: 'written'; created: boolean; inserted: number; existing: number }
  /** The id is taken by a conversation the import must not add to (reason says which). */
  | { kind: 'refused'; reason: string }

const validateMessage = validator(NewMessageSchema)
const validateConversation = validator(NewConversationSchema)

/** Why Chatkeep's API would refuse this message (the same rules), or undefined when it is fine. */
export function messageProblem(m: ImportMessage): string | undefined {
  return problem(() => {
    validateMessage({
      role: m.role,
      content: m.content,
      request_id: m.request_id,
      tokens_used: m.tokens_used,
      model_version: m.model_version,
      context_documents: m.context_documents,
      metadata: m.metadata,
    })
    checkJsonSize('metadata', m.metadata)
    checkJsonSize('context_documents', m.context_documents)
  })
}

/** Why Chatkeep's API would refuse this conversation, or undefined when it is fine. */
export function conversationProblem(c: ImportConversation): string | undefined {
  return problem(() => {
    validateConversation({
      title: c.title,
      status: c.status,
      origin: c.origin,
      parameters: c.parameters,
      metadata: c.metadata,
    })
    checkJsonSize('parameters', c.parameters)
    checkJsonSize('metadata', c.metadata)
  })
}

function problem(check: () => void): string | undefined {
  try {
    check()
    return undefined
  } catch (error) {
    if (error instanceof ChatkeepError) return error.message
    throw error
  }
}

/** Ids per `in (…)` list. */
const INSERT_ROWS = 500

/**
 * Creates the conversation when it is not there yet and appends the messages whose ids it does
 * not hold yet, in the order given, after the messages it already has: all in one transaction.
 * Messages must come parents first; a parent may also be a message stored by an earlier run.
 */
export async function writeConversation(
  store: Store,
  conversation: ImportConversation,
  messages: readonly ImportMessage[],
): Promise<WriteOutcome> {
  const db = store.database
  // A rerun finds most conversations complete: a read says so without a write and its fsync.
  if (await alreadyStored(db, conversation, messages)) {
    return { kind: 'written', created: false, inserted: 0, existing: messages.length }
  }
  await store.messages.prepareSeal(conversation.user_id)
  return db.transaction(async (tx) => {
    const inserted = await tx.kysely
      .insertInto('conversations')
      .values({
        ...conversation,
        // The leaf moves with the messages, below: until they are in, it is none.
        active_leaf_id: null,
        short_id: shortId(),
        discord_channel_id: null,
        parameters: encodeJson(conversation.parameters),
        metadata: encodeJson(conversation.metadata),
        message_count: 0,
        total_tokens: 0,
        archived_at: conversation.status === 'archived' ? conversation.updated_at : null,
        ended_at: conversation.status === 'closed' ? conversation.updated_at : null,
        deleted_at: null,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .executeTakeFirst()
    // Updating the row first takes its lock (PostgreSQL; SQLite holds the write lock already), so
    // an append or another import of this conversation waits, and what is read next is current.
    const current = await tx.kysely
      .updateTable('conversations')
      .set((eb) => ({ message_count: eb.ref('message_count') }))
      .where('id', '=', conversation.id)
      .returning([
        'user_id',
        'message_count',
        'last_activity',
        'updated_at',
        'status',
        'deleted_at',
        'active_leaf_id',
      ])
      .executeTakeFirstOrThrow()
    const created = inserted !== undefined
    if (current.user_id !== conversation.user_id) {
      return { kind: 'refused', reason: 'its id belongs to another user’s conversation' }
    }
    const held = await storedIds(
      tx,
      conversation.id,
      messages.map((m) => m.id),
    )
    const fresh = messages.filter((m) => !held.has(m.id))
    const existing = messages.length - fresh.length
    if (fresh.length === 0) return { kind: 'written', created, inserted: 0, existing }
    // A conversation closed or deleted in Chatkeep takes no more messages, as with appends; one
    // this very import creates closed (the source said so) gets its history all the same.
    if (!created && (current.deleted_at !== null || current.status === 'closed')) {
      const state = current.deleted_at !== null ? 'deleted' : 'closed'
      return {
        kind: 'refused',
        reason: `the conversation is ${state} in Chatkeep, so its ${fresh.length} new message(s) were not added`,
      }
    }
    const first = Number(current.message_count) + 1
    // A message without a parent continues the conversation where it stands, as an append does.
    let leaf = current.active_leaf_id
    const rows = fresh.map((m) => {
      const parent_id = m.parent_id ?? leaf
      leaf = m.id
      const ids = { id: m.id, conversation_id: conversation.id, user_id: conversation.user_id }
      return {
        ...m,
        parent_id,
        parts: null,
        prompt_tokens: null,
        completion_tokens: null,
        embedding: null,
        sealed: store.messages.sealFor(m.content, ids),
      }
    })
    await insertPlacedMessages(
      tx,
      { conversation_id: conversation.id, user_id: conversation.user_id, first_sequence: first },
      rows,
    )
    const newest = latest(fresh.map((m) => m.created_at))
    await tx.kysely
      .updateTable('conversations')
      .set((eb) => ({
        message_count: first - 1 + fresh.length,
        total_tokens: eb(
          'total_tokens',
          '+',
          fresh.reduce((sum, m) => sum + m.tokens_used, 0),
        ),
        last_activity: latest([current.last_activity, newest]),
        updated_at: latest([current.updated_at, newest]),
        active_leaf_id: conversation.active_leaf_id ?? leaf,
      }))
      .where('id', '=', conversation.id)
      .execute()
    return { kind: 'written', created, inserted: fresh.length, existing }
  })
}

/** The conversation is there, this user's, with every one of the messages. */
async function alreadyStored(
  db: Database,
  conversation: ImportConversation,
  messages: readonly ImportMessage[],
): Promise<boolean> {
  const row = await db.kysely
    .selectFrom('conversations')
    .select('user_id')
    .where('id', '=', conversation.id)
    .executeTakeFirst()
  if (row === undefined || row.user_id !== conversation.user_id) return false
  const held = await storedIds(
    db,
    conversation.id,
    messages.map((m) => m.id),
  )
  return held.size === messages.length
}

/** Which of `ids` the conversation already holds. */
async function storedIds(
  db: Database,
  conversationId: string,
  ids: string[],
): Promise<Set<string>> {
  const held = new Set<string>()
  for (let i = 0; i < ids.length; i += INSERT_ROWS) {
    const rows = await db.kysely
      .selectFrom('messages')
      .select('id')
      .where('conversation_id', '=', conversationId)
      .where('id', 'in', ids.slice(i, i + INSERT_ROWS))
      .execute()
    for (const row of rows) held.add(row.id)
  }
  return held
}

/** The latest of ISO-8601 UTC times (they sort as text). */
export const latest = (times: readonly string[]): string =>
  times.reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a))
