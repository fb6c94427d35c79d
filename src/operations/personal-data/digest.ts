import type { CompiledQuery } from 'kysely'
import { createHash } from 'node:crypto'
import type { MessageCipher } from '../../crypto/message-cipher.js'
import type { Database } from '../../db/database.js'
import { MESSAGE_COLUMNS, type MessageRow } from '../../db/messages-table.js'
import { canonicalJson } from '../../lib/canonical-json.js'
import { decodeMessage } from '../../repositories/messages.js'

/** Runs a read: on a snapshot during an export, on the database when checking an import. */
export type ReadRows = <R>(query: CompiledQuery) => Promise<R[]>

const iso = (value: unknown): string | null =>
  value === null || value === undefined ? null : new Date(value as string | Date).toISOString()

/**
 * A conversation's SHA-256 over what a person reads of it: its active leaf and every message
 * (deleted ones too) in sequence order, content and parts as plaintext, so it is the same
 * encrypted or not and on either engine. A user export lists it per conversation; the same
 * conversation imported elsewhere gives the same digest.
 */
export async function conversationDigest(
  db: Database,
  read: ReadRows,
  cipher: MessageCipher | null,
  conversation: { id: string; active_leaf_id: string | null },
): Promise<{ messages: number; sha256: string }> {
  const rows = await read<MessageRow>(
    db.kysely
      .selectFrom('messages')
      .select(MESSAGE_COLUMNS)
      .where('conversation_id', '=', conversation.id)
      .orderBy('sequence')
      .compile(),
  )
  const hash = createHash('sha256')
  hash.update(`${canonicalJson({ active_leaf_id: conversation.active_leaf_id })}\n`)
  for (const row of rows) {
    const m = decodeMessage(db.codec, row, cipher)
    hash.update(
      `${canonicalJson({
        id: m.id,
        parent_id: m.parent_id,
        sequence: m.sequence,
        role: m.role,
        content: m.content,
        parts: m.parts,
        tokens_used: m.tokens_used,
        model_version: m.model_version,
        metadata: m.metadata,
        feedback: m.feedback,
        feedback_reason: m.feedback_reason,
        status: m.status,
        created_at: iso(m.created_at),
        deleted_at: iso(m.deleted_at),
      })}\n`,
    )
  }
  return { messages: rows.length, sha256: hash.digest('hex') }
}
