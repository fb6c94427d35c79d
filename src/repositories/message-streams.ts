import { sql } from 'kysely'
import type { Sealed } from '../crypto/message-cipher.js'
import { eventRow, insertEvents } from './events.js'
import type { Database } from '../db/database.js'
import { MESSAGE_COLUMNS, type MessageRow } from '../db/messages-table.js'

/**
 * The statements of live replies: a streaming message's content grows by checkpoints, then one
 * transaction ends it. Each one changes a row only while its status is `streaming`, so a message
 * that was finished, aborted or swept elsewhere is never written again.
 */

/** Text length as both engines' length() counts it: code points, not UTF-16 units. */
export function codePoints(text: string): number {
  let pairs = 0
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    if (unit >= 0xd800 && unit <= 0xdbff) pairs++
  }
  return text.length - pairs
}

/**
 * Appends `text` to a plain streaming message whose stored content is `length` code points
 * long. False when nothing matched: the message is no longer streaming, or its content is not
 * the length expected (another instance appended, or an attempt whose answer was lost did).
 */
export async function appendToStreaming(
  db: Database,
  p: { id: string; text: string; length: number; at: string },
): Promise<boolean> {
  const rows = await db.kysely
    .updateTable('messages')
    .set({ content: sql`content || ${p.text}`, last_delta_at: p.at })
    .where('id', '=', p.id)
    .where('status', '=', 'streaming')
    .where('deleted_at', 'is', null)
    .where(sql<boolean>`length(content) = ${p.length}`)
    .returning('id')
    .execute()
  return rows.length === 1
}

/**
 * A streaming message's row within a transaction, held against other writers until it ends
 * (FOR UPDATE where several connections write; an in-process engine has one writer).
 * Undefined when it is not streaming any more, or deleted.
 */
export async function lockStreaming(db: Database, id: string): Promise<MessageRow | undefined> {
  const q = db.kysely
    .selectFrom('messages')
    .select(MESSAGE_COLUMNS)
    .where('id', '=', id)
    .where('status', '=', 'streaming')
    .where('deleted_at', 'is', null)
  return (db.capabilities.in_process ? q : q.forUpdate()).executeTakeFirst()
}

/** Deleted or not, any status: why a streaming message could not be written. */
export function getStreamRow(db: Database, id: string): Promise<MessageRow | undefined> {
  return db.kysely
    .selectFrom('messages')
    .select(MESSAGE_COLUMNS)
    .where('id', '=', id)
    .executeTakeFirst()
}

/** The content of a streaming message as it is to be stored: in plain text, or sealed. */
export type StoredContent = { content: string; sealed: null } | { content: string; sealed: Sealed }

const contentColumns = (stored: StoredContent) =>
  stored.sealed === null
    ? { content: stored.content, encrypted_content: null, key_id: null }
    : {
        content: null,
        encrypted_content: stored.sealed.encrypted_content,
        key_id: stored.sealed.key_id,
      }

/** Rewrites a locked streaming message's whole content (an encrypted one is sealed anew). */
export async function replaceStreamingContent(
  db: Database,
  p: { id: string; stored: StoredContent; at: string },
): Promise<void> {
  await db.kysely
    .updateTable('messages')
    .set({ ...contentColumns(p.stored), last_delta_at: p.at })
    .where('id', '=', p.id)
    .where('status', '=', 'streaming')
    .execute()
}

/** Rewrites a locked streaming message's parts, as JSON or sealed (`encrypted_parts`). */
export async function replaceStreamingParts(
  db: Database,
  p: { id: string; parts: string | null; encrypted_parts: Buffer | null; at: string },
): Promise<void> {
  await db.kysely
    .updateTable('messages')
    .set({ parts: p.parts, encrypted_parts: p.encrypted_parts, last_delta_at: p.at })
    .where('id', '=', p.id)
    .where('status', '=', 'streaming')
    .execute()
}

export interface StreamEnd {
  id: string
  conversation_id: string
  status: 'complete' | 'aborted'
  stored: StoredContent
  tokens_used: number
  prompt_tokens: number | null
  completion_tokens: number | null
  /** What tokens_used was before: the conversation's total_tokens moves by the difference. */
  previous_tokens: number
  finish_reason: string | null
  metadata: string
  at: string
}

/**
 * Ends a locked streaming message, and moves its conversation's total_tokens and last_activity
 * with it: call within the transaction that locked it. Returns the row as it now is.
 */
export async function endStreaming(db: Database, end: StreamEnd): Promise<MessageRow> {
  const row = await db.kysely
    .updateTable('messages')
    .set({
      ...contentColumns(end.stored),
      status: end.status,
      tokens_used: end.tokens_used,
      prompt_tokens: end.prompt_tokens,
      completion_tokens: end.completion_tokens,
      finish_reason: end.finish_reason,
      metadata: end.metadata,
      completed_at: end.at,
      last_delta_at: end.at,
    })
    .where('id', '=', end.id)
    .where('status', '=', 'streaming')
    .returning(MESSAGE_COLUMNS)
    .executeTakeFirstOrThrow()
  await db.kysely
    .updateTable('conversations')
    .set((eb) => ({
      total_tokens: eb('total_tokens', '+', end.tokens_used - end.previous_tokens),
      last_activity: end.at,
      updated_at: end.at,
    }))
    .where('id', '=', end.conversation_id)
    .execute()
  await insertEvents(db, endedEvent(row, end.at))
  return row
}

/** `message.completed` or `message.aborted`: how a streamed answer ended, without its content. */
function endedEvent(
  row: Pick<MessageRow, 'id' | 'user_id' | 'conversation_id' | 'status'> &
    Partial<Pick<MessageRow, 'tokens_used' | 'finish_reason'>>,
  at: string,
) {
  const subject = { user_id: row.user_id, conversation_id: row.conversation_id, message_id: row.id }
  const type = row.status === 'complete' ? 'message.completed' : 'message.aborted'
  const data = {
    status: row.status,
    tokens_used: row.tokens_used,
    finish_reason: row.finish_reason,
  }
  return eventRow(type, subject, data, at)
}

/**
 * Marks `aborted` every streaming message whose latest checkpoint (or start) is older than
 * `before`, keeping its content; walks messages_streaming_idx. One statement: when several
 * instances sweep at once, each row is changed by exactly one of them (PostgreSQL re-checks the
 * condition of a row another transaction changed first). Returns the ids it aborted.
 */
export async function abortSilentStreams(
  db: Database,
  p: { before: string; at: string },
): Promise<string[]> {
  const rows = await db.kysely
    .updateTable('messages')
    .set({ status: 'aborted', finish_reason: 'timeout', completed_at: p.at })
    .where('status', '=', 'streaming')
    .where(sql<boolean>`coalesce(last_delta_at, created_at) < ${p.before}`)
    .returning(['id', 'user_id', 'conversation_id', 'status', 'tokens_used', 'finish_reason'])
    .execute()
  await insertEvents(
    db,
    rows.map((row) => endedEvent(row, p.at)),
  )
  return rows.map((r) => r.id)
}
