import {
  createCipheriv,
  createDecipheriv,
  createSecretKey,
  hkdfSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto'
import type { Database } from '../db/database.js'
import { ChatkeepError } from '../errors.js'
import { KEY_BYTES, type KeyRing } from './key-ring.js'
import type { UserKeys } from './user-keys.js'

/**
 * Envelope: version (1 byte) ‖ nonce (12) ‖ ciphertext ‖ GCM tag (16). Version 1 is sealed with
 * the ring key itself; version 2 with the owner's data key, derived from the ring key and the
 * owner's secret in the key store (crypto-shredding: destroying the secret destroys the key).
 */
const RING_VERSION = 1
const USER_VERSION = 2
type Version = typeof RING_VERSION | typeof USER_VERSION
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
  /** Without `user_keys` (no key store) messages are sealed with the ring key (version 1). */
  constructor(
    readonly ring: KeyRing,
    readonly user_keys: UserKeys | null = null,
  ) {}

  /**
   * Makes sure the user whose messages are about to be sealed has a data key; call it before
   * `seal`: outside any transaction (the secret is committed on its own first), or with the
   * transaction `db` that writes what is sealed (on PostgreSQL the secret commits with it).
   */
  async ensure(user_id: string, db?: Database): Promise<void> {
    await this.user_keys?.ensure(user_id, db)
  }

  /** Loads the data keys of the owners of `rows` that are encrypted, on `db`, so `open` can run. */
  async prepare(
    db: Database,
    rows: readonly {
      user_id: string
      encrypted_content?: Buffer | null
      encrypted_parts?: Buffer | null
    }[],
  ): Promise<void> {
    if (this.user_keys === null) return
    const owners = rows
      .filter((r) => isUserSealed(r.encrypted_content) || isUserSealed(r.encrypted_parts))
      .map((r) => r.user_id)
    if (owners.length > 0) await this.user_keys.load(db, owners)
  }

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
    const version = this.user_keys === null ? RING_VERSION : USER_VERSION
    const key = this.ring.key(key_id)!
    const secret = version === USER_VERSION ? this.user_keys!.secret(ids.user_id) : undefined
    if (secret === null) throw shredded(ids)
    if (version === USER_VERSION && secret === undefined) {
      // ensure() was not awaited before sealing: a bug, never a state of the data.
      throw new ChatkeepError(
        'internal',
        `The data key of user ${ids.user_id} was not loaded before sealing message ${ids.id}.`,
      )
    }
    const nonce = randomBytes(NONCE_BYTES)
    const cipher = createCipheriv(
      'aes-256-gcm',
      secret === undefined ? key : userKey(key, secret, ids.user_id),
      nonce,
      { authTagLength: TAG_BYTES },
    )
    cipher.setAAD(additionalData(key_id, ids, purpose, version))
    const body = cipher.update(plain, 'utf8')
    const final = cipher.final()
    return Buffer.concat([Buffer.of(version), nonce, body, final, cipher.getAuthTag()])
  }

  private decrypt(envelope: Buffer, key_id: string, purpose: Purpose, row: MessageIds): string {
    const ringKey = this.ring.key(key_id)
    if (ringKey === undefined) throw unknownKey(row.id, key_id)
    const version = envelope[0]
    if (
      envelope.length < HEADER_BYTES + TAG_BYTES ||
      (version !== RING_VERSION && version !== USER_VERSION)
    ) {
      throw failed(row, `has an encrypted ${what[purpose]} this version of Chatkeep cannot read`)
    }
    let key = ringKey
    if (version === USER_VERSION) {
      const secret = this.user_keys?.secret(row.user_id)
      if (secret === null) throw shredded(row)
      if (secret === undefined) throw noUserKey(row)
      key = userKey(ringKey, secret, row.user_id)
    }
    const decipher = createDecipheriv('aes-256-gcm', key, envelope.subarray(1, HEADER_BYTES), {
      authTagLength: TAG_BYTES,
    })
    decipher.setAAD(additionalData(key_id, row, purpose, version))
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

function additionalData(
  key_id: string,
  ids: MessageIds,
  purpose: Purpose,
  version: Version,
): Buffer {
  return Buffer.from(
    [
      `chatkeep/${purpose}/v${version}`,
      key_id,
      ids.id.toLowerCase(),
      ids.conversation_id.toLowerCase(),
      ids.user_id.toLowerCase(),
    ].join('\u0000'),
    'utf8',
  )
}

/** Whether an envelope is sealed with its owner's data key (and so needs it loaded). */
const isUserSealed = (envelope: Buffer | null | undefined) => envelope?.[0] === USER_VERSION

/**
 * The owner's data key under ring key `key`: HKDF-SHA256 of the ring key, salted with the
 * owner's secret, for their id. Neither half alone derives it, so a backup with the ring but
 * without the secret (destroyed at erasure) cannot.
 */
function userKey(key: KeyObject, secret: Buffer, user_id: string): KeyObject {
  const info = `chatkeep/user-key/v${USER_VERSION}\u0000${user_id.toLowerCase()}`
  return createSecretKey(Buffer.from(hkdfSync('sha256', key, secret, info, KEY_BYTES)))
}

/** The owner was erased: their data key is gone, and with it every copy of this content. */
function shredded(row: MessageIds): ChatkeepError {
  return new ChatkeepError(
    'content_shredded',
    `Message ${row.id} belongs to user ${row.user_id}, who was erased: their data key was ` +
      'destroyed, so its content can never be read again. This database holds it because it ' +
      'was restored from a backup older than the erasure; erase the user again ' +
      '(`chatkeep user erase`) to remove it.',
  )
}

/** A user-sealed message whose owner has no secret in the key store at all. */
function noUserKey(row: MessageIds): ChatkeepError {
  return new ChatkeepError(
    'decryption_failed',
    `Message ${row.id} is sealed with the data key of user ${row.user_id}, which the key store ` +
      '(the file DATABASE.keys beside a SQLite database, the chatkeep_keys schema on PostgreSQL) ' +
      'does not hold: it was lost or belongs to another database. Restore the key store from ' +
      'its own backup to read it.',
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
