import { createSecretKey, type KeyObject } from 'node:crypto'
import { ChatkeepError } from '../errors.js'

/** AES-256 keys are 32 bytes. */
export const KEY_BYTES = 32

const KEY_ID = /^[A-Za-z0-9_.-]{1,64}$/
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/

/**
 * The keys of encryption at rest, by id. The first key of ENCRYPTION_KEYS is the active one: new
 * messages are sealed with it. Every key opens the messages sealed with it, so a retired key
 * stays in the ring until `chatkeep keys rotate` has moved its messages to the active one.
 *
 * The key material lives in KeyObjects behind a private field: neither JSON.stringify nor
 * util.inspect of a ring (or of a config holding one) shows it.
 */
export class KeyRing {
  readonly #keys: ReadonlyMap<string, KeyObject>

  private constructor(
    readonly active_id: string,
    keys: ReadonlyMap<string, KeyObject>,
  ) {
    this.#keys = keys
  }

  /** Every key id, the active one first. */
  get ids(): string[] {
    return [...this.#keys.keys()]
  }

  key(id: string): KeyObject | undefined {
    return this.#keys.get(id)
  }

  /**
   * Parses `ID:BASE64_KEY[,ID:BASE64_KEY…]` (the first is the active key). Each key is 32
   * random bytes in base64 (or base64url). A bad value is `invalid_config` naming the entry by
   * its position and id, never showing any key material.
   * @example
   * const ring = KeyRing.parse('k2:…,k1:…')
   */
  static parse(value: string, field = 'encryption_keys'): KeyRing {
    const invalid = (message: string) =>
      new ChatkeepError('invalid_config', `${field} ${message}`, { field: `/${field}` })
    const entries = value.split(',').map((entry) => entry.trim())
    if (entries.every((entry) => entry === '')) {
      throw invalid('is empty; give ID:BASE64_KEY, the active key first.')
    }
    const keys = new Map<string, KeyObject>()
    entries.forEach((entry, index) => {
      const at = `entry ${index + 1}`
      const colon = entry.indexOf(':')
      // The entry itself is left out of every message: it may be a key.
      if (colon <= 0) throw invalid(`${at} is not ID:BASE64_KEY.`)
      const id = entry.slice(0, colon).trim()
      const encoded = entry.slice(colon + 1).trim()
      if (!KEY_ID.test(id)) {
        throw invalid(`${at}: a key id is 1 to 64 letters, digits, '.', '_' or '-'.`)
      }
      if (keys.has(id)) throw invalid(`${at}: key id ${id} is given twice.`)
      const bytes = BASE64.test(encoded) ? Buffer.from(encoded, 'base64') : undefined
      if (bytes?.length !== KEY_BYTES) {
        throw invalid(
          `${at} (key ${id}): the key must be ${KEY_BYTES} random bytes in base64 ` +
            `(generate one with \`node -e "console.log(require('crypto').randomBytes(32).toString('base64'))"\`).`,
        )
      }
      keys.set(id, createSecretKey(bytes))
      bytes.fill(0)
    })
    return new KeyRing([...keys.keys()][0]!, keys)
  }
}
