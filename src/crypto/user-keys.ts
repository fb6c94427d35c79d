import { randomBytes } from 'node:crypto'
import type { Database } from '../db/database.js'
import type { UserKeyStore } from '../db/user-key-store.js'
import { ChatkeepError } from '../errors.js'

/** A user's secret is 32 random bytes; with a ring key it derives their data key. */
export const SECRET_BYTES = 32

/** Secrets kept in memory at most; a page of messages never spans more users than this. */
const CACHE_LIMIT = 50_000

/**
 * The per-user secrets of crypto-shredding, read through from the key store and kept in memory
 * (least recently used go first). Sealing and opening are synchronous, so a caller loads the
 * users it is about to touch (`load`, `ensure`) first. Only secrets are cached: an erased or
 * unknown user is asked of the store again on every load.
 */
export class UserKeys {
  readonly #cache = new Map<string, Buffer | null>()

  constructor(
    readonly store: UserKeyStore,
    private readonly root: Database,
  ) {}

  /** The user's secret; null once they were erased; undefined when the key store has none. */
  secret(user_id: string): Buffer | null | undefined {
    const id = user_id.toLowerCase()
    const secret = this.#cache.get(id)
    if (secret !== undefined) {
      this.#cache.delete(id)
      this.#cache.set(id, secret)
    }
    return secret
  }

  /** Reads the secrets of `user_ids` not in memory yet, on `db` (the caller's handle). */
  async load(db: Database, user_ids: Iterable<string>): Promise<void> {
    const wanted = [...new Set([...user_ids].map((id) => id.toLowerCase()))].filter(
      (id) => !Buffer.isBuffer(this.#cache.get(id)),
    )
    if (wanted.length === 0) return
    const found = await this.store.get(db, wanted)
    for (const id of wanted) {
      const secret = found.get(id)
      if (secret === undefined) this.#cache.delete(id)
      else this.#remember(id, secret)
    }
  }

  /**
   * Makes sure the user has a secret, creating it — committed on its own, before anything is
   * sealed with it — when they have none. A user erased before (their backup restored since)
   * gets none: `content_shredded`. Given a transaction `db`, PostgreSQL creates it there, to
   * commit with what is sealed with it.
   */
  async ensure(user_id: string, db: Database = this.root): Promise<void> {
    const id = user_id.toLowerCase()
    await this.load(db, [id])
    let secret = this.#cache.get(id)
    if (secret === undefined) {
      const fresh = randomBytes(SECRET_BYTES)
      secret = await this.store.create(db, id, fresh)
      this.#remember(id, secret)
    }
    if (secret === null) throw erasedUser(id)
  }

  /** Sets the key store up, before a transaction that uses it (see `UserKeyStore.ready`). */
  ready(): Promise<void> {
    return this.store.ready()
  }

  /** Destroys the user's secret (in `db`'s transaction where the store can); true if one was there. */
  async destroy(db: Database, user_id: string, at: string): Promise<boolean> {
    const id = user_id.toLowerCase()
    const had = await this.store.destroy(db, id, at)
    this.#cache.delete(id)
    return had
  }

  close(): Promise<void> {
    return this.store.close()
  }

  #remember(id: string, secret: Buffer | null): void {
    this.#cache.delete(id)
    this.#cache.set(id, secret)
    if (this.#cache.size > CACHE_LIMIT) this.#cache.delete(this.#cache.keys().next().value!)
  }
}

/** A write for a user whose key was destroyed: they were erased, and this database predates it. */
function erasedUser(user_id: string): ChatkeepError {
  return new ChatkeepError(
    'content_shredded',
    `User ${user_id} was erased: their data key was destroyed, so nothing can be stored for ` +
      'them. This database was restored from a backup older than the erasure; erase the user ' +
      'again (`chatkeep user erase`) to remove what the backup brought back.',
  )
}
