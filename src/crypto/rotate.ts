import type { Database } from '../db/database.js'
import { ChatkeepError } from '../errors.js'
import { resealMessages } from '../db/messages-table.js'
import { countMessagesByKey, messagesToReseal } from '../repositories/messages.js'
import type { MessageCipher } from './message-cipher.js'

export interface RotateOptions {
  /** Messages re-encrypted per transaction. */
  batch_size: number
  /** Also encrypt the messages stored in plain text (written before encryption was on). */
  encrypt_plaintext: boolean
  /** Called after each committed batch with the messages re-encrypted so far. */
  progress?: (done: number) => void
}

/** What is stored under which key: `plain` messages have no key. */
export interface KeyCounts {
  by_key: { key_id: string; count: number }[]
  plain: number
}

export async function countByKey(db: Database): Promise<KeyCounts> {
  const rows = await countMessagesByKey(db)
  return {
    by_key: rows.flatMap((r) => (r.key_id === null ? [] : [{ key_id: r.key_id, count: r.count }])),
    plain: rows.find((r) => r.key_id === null)?.count ?? 0,
  }
}

/** How many messages a rotation would rewrite; refuses a ring that lacks a key in use. */
export function pendingFor(cipher: MessageCipher, counts: KeyCounts, plaintext: boolean): number {
  const missing = counts.by_key.filter((k) => cipher.ring.key(k.key_id) === undefined)
  if (missing.length > 0) {
    const list = missing.map((k) => `${k.count} under key ${k.key_id}`).join(', ')
    throw new ChatkeepError(
      'decryption_failed',
      `Some messages are encrypted with keys that are not in ENCRYPTION_KEYS (${list}); ` +
        'add those keys to the ring, after the active key, and run the rotation again.',
    )
  }
  const stale = counts.by_key
    .filter((k) => k.key_id !== cipher.active_key_id)
    .reduce((sum, k) => sum + k.count, 0)
  return stale + (plaintext ? counts.plain : 0)
}

/**
 * Re-encrypts every message not under the active key with it, `batch_size` at a time, each
 * batch in one transaction: read by id, opened with its own key, sealed with the active one and
 * written back by id, only if the row still holds what was read. Appends carry on meanwhile: a
 * new message is written under the active key, or, from a server still on the old ring, with a
 * higher id that a later batch (or a rerun) picks up. A rotation cut short leaves every message
 * under one key or the other, readable with the ring; running it again finishes the work.
 * Returns how many messages were rewritten.
 */
export async function rotateKeys(
  db: Database,
  cipher: MessageCipher,
  options: RotateOptions,
): Promise<number> {
  // Set up before the batches: a batch's transaction then needs no second connection.
  await cipher.user_keys?.ready()
  let after: string | null = null
  let done = 0
  for (;;) {
    const batch: { last: string | undefined; rewritten: number } = await db.transaction(
      async (tx) => {
        const rows = await messagesToReseal(tx, {
          after,
          active_key_id: cipher.active_key_id,
          plaintext: options.encrypt_plaintext,
          limit: options.batch_size,
        })
        // Opened with their owners' data keys, sealed again with them (created for the owners
        // of messages sealed with the ring key alone: on PostgreSQL in this transaction, on
        // SQLite committed in the key file before it).
        await cipher.prepare(tx, rows)
        for (const user_id of new Set(rows.map((row) => row.user_id))) {
          await cipher.ensure(user_id, tx)
        }
        const resealed = rows.map((row) => {
          let content
          let parts
          try {
            content = row.content ?? cipher.open(row)
            parts =
              row.encrypted_parts === null
                ? db.codec.json<unknown[] | null>(row.parts)
                : cipher.openParts({ ...row, encrypted_parts: row.encrypted_parts })
          } catch (error) {
            if (!(error instanceof ChatkeepError)) throw error
            throw new ChatkeepError(
              error.code,
              `${error.message} The rotation stopped there: ${done} messages were re-encrypted ` +
                'before it, the rest of this batch was left as it was.',
              { cause: error },
            )
          }
          const sealed = cipher.seal(content, row)
          const encrypted_parts =
            parts === null ? null : cipher.sealParts(parts, sealed.key_id, row)
          return { id: row.id, from: row.key_id, ...sealed, encrypted_parts }
        })
        const rewritten = await resealMessages(tx, resealed)
        return { last: rows.at(-1)?.id, rewritten }
      },
    )
    done += batch.rewritten
    options.progress?.(done)
    if (batch.last === undefined) return done
    after = batch.last
  }
}
