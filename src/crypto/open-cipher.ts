import type { Database } from '../db/database.js'
import { openUserKeyStore } from '../db/user-key-store.js'
import type { KeyRing } from './key-ring.js'
import { MessageCipher } from './message-cipher.js'
import { UserKeys } from './user-keys.js'

/**
 * The cipher of a store with encryption at rest: new messages sealed with their owner's data
 * key (the ring key and the owner's secret in `db`'s key store). Closing the cipher's
 * `user_keys` closes the key store.
 */
export function openCipher(db: Database, ring: KeyRing): MessageCipher {
  return new MessageCipher(ring, new UserKeys(openUserKeyStore(db), db))
}
