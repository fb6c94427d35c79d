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

  /** Under the ring's active key, or `key_id` (a row sealed again keeps its key). */
  seal(content: string, ids: MessageIds, key_id: string = this.ring.active_id): Sealed {
    return { encrypted_content: this.encrypt(content, key_id, 'message', ids), key_id }
  }

  /**
   * A message's parts sealed under `key_id` (the one its content was sealed with), bound to the
   * same row as the content, and told apart from it: swapped with the content, neither opens.
   */
  sealParts(parts: unknown[], key_id: string, ids: MessageIds): Buffer {
    return this.encrypt(JSON.stringify(parts), key_id, 'message-parts', ids)
  }

  /** The content of a sealed row; `decryption_failed` when it cannot be opened as this row's. */
  open(row: SealedRow): string {
    const envelope = row.encrypted_content
    if (envelope === null || row.key_id === null) {
      throw failed(row, 'has neither content nor both encrypted_content and key_id')
    }
    return this.decrypt(envelope, row.key_id, 'message', row)
  }

  /** The parts of a sealed row, sealed with its content's key. */
  openParts(row: MessageIds & { encrypted_parts: Buffer; key_id: string | null }): unknown[] {
    if (row.key_id === null) throw failed(row, 'has encrypted_parts but no key_id')
    return JSON.parse(this.decrypt(row.encrypted_parts, row.key_id, 'message-parts', row))
  }

  private encrypt(plain: string, key_id: string, purpose: Purpose, ids: MessageIds): Buffer {
    const nonce = randomBytes(NONCE_BYTES)
    const cipher = createCipheriv('aes-256-gcm', this.ring.key(key_id)!, nonce, {
      authTagLength: TAG_BYTES,
    })
    cipher.setAAD(additionalData(key_id, ids, purpose))
    const body = cipher.update(plain, 'utf8')
    const final = cipher.final()
    return Buffer.concat([Buffer.of(VERSION), nonce, body, final, cipher.getAuthTag()])
  }

  private decrypt(envelope: Buffer, key_id: string, purpose: Purpose, row: MessageIds): string {
    const key = this.ring.key(key_id)
    if (key === undefined) throw unknownKey(row.id, key_id)
    if (envelope.length < HEADER_BYTES + TAG_BYTES || envelope[0] !== VERSION) {
      throw failed(row, `has an encrypted ${what[purpose]} this version of Chatkeep cannot read`)
    }
    const decipher = createDecipheriv('aes-256-gcm', key, envelope.subarray(1, HEADER_BYTES), {
      authTagLength: TAG_BYTES,
    })
    decipher.setAAD(additionalData(key_id, row, purpose))
    decipher.setAuthTag(envelope.subarray(envelope.length - TAG_BYTES))
    const body = decipher.update(envelope.subarray(HEADER_BYTES, envelope.length - TAG_BYTES))
    try {
      return Buffer.concat([body, decipher.final()]).toString('utf8')
    } catch (error) {
      throw failed(
        row,
        `failed its integrity check under key ${key_id}: its encrypted ${what[purpose]} was ` +
          'altered, or belongs to another message. It cannot be read',
        error,
      )
    }
  }
}

/** What a ciphertext holds; named in the data it is bound to, so one cannot pass for the other. */
type Purpose = 'message' | 'message-parts'
const what: Record<Purpose, string> = { message: 'content', 'message-parts': 'parts' }

function additionalData(key_id: string, ids: MessageIds, purpose: Purpose): Buffer {
  return Buffer.from(
    [
      `chatkeep/${purpose}/v${VERSION}`,
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
