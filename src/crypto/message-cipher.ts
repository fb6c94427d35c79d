import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { ChatkeepError } from '../errors.js'
import type { KeyRing } from './key-ring.js'

/** Envelope: version (1 byte) ‖ nonce (12) ‖ ciphertext ‖ GCM tag (16). */
const VERSION = 1
const NONCE_BYTES = 12
const TAG_BYTES = 16
const HEADER_BYTES = 1 + NONCE_BYTES

/** The row a message's content is bound to: moved to any other row, it no longer opens. */
export interface MessageIds {
  id: string
  conversation_id: string
  user_id: string
}

/** What is stored instead of `content` when encryption at rest is on. */
export interface Sealed {
  encrypted_content: Buffer
  key_id: string
}

/** A stored message's encrypted columns, with the ids they are bound to. */
export interface SealedRow extends MessageIds {
  encrypted_content: Buffer | null
  key_id: string | null
}

/**
 * AES-256-GCM for message content. Every seal draws a fresh random 96-bit nonce; the
 * additional authenticated data binds the ciphertext to its key id, message id, conversation id
 * and user id (lower-cased: PostgreSQL's uuid type accepts either case), so a tampered
 * ciphertext, or one copied to another row, fails the tag check instead of opening.
 */
export class MessageCipher {
  constructor(readonly ring: KeyRing) {}

  get active_key_id(): string {
    return this.ring.active_id
  }

  seal(content: string, ids: MessageIds): Sealed {
    const key_id = this.ring.active_id
    const nonce = randomBytes(NONCE_BYTES)
    const cipher = createCipheriv('aes-256-gcm', this.ring.key(key_id)!, nonce, {
      authTagLength: TAG_BYTES,
    })
    cipher.setAAD(additionalData(key_id, ids))
    const body = cipher.update(content, 'utf8')
    const final = cipher.final()
    const encrypted_content = Buffer.concat([
      Buffer.of(VERSION),
      nonce,
      body,
      final,
      cipher.getAuthTag(),
    ])
    return { encrypted_content, key_id }
  }

  /** The content of a sealed row; `decryption_failed` when it cannot be opened as this row's. */
  open(row: SealedRow): string {
    const envelope = row.encrypted_content
    if (envelope === null || row.key_id === null) {
      throw failed(row, 'has neither content nor both encrypted_content and key_id')
    }
    const key = this.ring.key(row.key_id)
    if (key === undefined) throw unknownKey(row.id, row.key_id)
    if (envelope.length < HEADER_BYTES + TAG_BYTES || envelope[0] !== VERSION) {
      throw failed(row, 'has an encrypted_content this version of Chatkeep cannot read')
    }
    const decipher = createDecipheriv('aes-256-gcm', key, envelope.subarray(1, HEADER_BYTES), {
      authTagLength: TAG_BYTES,
    })
    decipher.setAAD(additionalData(row.key_id, row))
    decipher.setAuthTag(envelope.subarray(envelope.length - TAG_BYTES))
    const body = decipher.update(envelope.subarray(HEADER_BYTES, envelope.length - TAG_BYTES))
    try {
      return Buffer.concat([body, decipher.final()]).toString('utf8')
    } catch (error) {
      throw failed(
        row,
        `failed its integrity check under key ${row.key_id}: its encrypted content was altered, ` +
          'or belongs to another message. It cannot be read',
        error,
      )
    }
  }
}

function additionalData(key_id: string, ids: MessageIds): Buffer {
  return Buffer.from(
    [
      `chatkeep/message/v${VERSION}`,
      key_id,
      ids.id.toLowerCase(),
      ids.conversation_id.toLowerCase(),
      ids.user_id.toLowerCase(),
    ].join('\u0000'),
    'utf8',
  )
}

const failed = (row: MessageIds, why: string, cause?: unknown) =>
  new ChatkeepError('decryption_failed', `Message ${row.id} ${why}.`, { cause })

/** A key the ring lacks. */
function unknownKey(messageId: string, keyId: string): ChatkeepError {
  return new ChatkeepError(
    'decryption_failed',
    `Message ${messageId} is encrypted with key ${keyId}, which is not in ENCRYPTION_KEYS ` +
      `(encryption_keys); add key ${keyId} back to the ring to read it.`,
  )
}

/** An encrypted message read by a store opened without any key ring. */
export function noKeyRing(row: SealedRow): ChatkeepError {
  return new ChatkeepError(
    'decryption_failed',
    `Message ${row.id} is encrypted (key ${row.key_id ?? 'unknown'}) but ENCRYPTION_KEYS ` +
      `(encryption_keys) is not set; set it, with key ${row.key_id ?? 'unknown'}, to read it.`,
  )
}
