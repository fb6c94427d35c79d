import type { Cache } from '../cache/cache.js'
import { lookupTtlMs, readThrough, sessionKey } from '../cache/lookups.js'
import type { Database } from '../db/database.js'
import { SessionReader } from '../repositories/auth-sessions.js'

/** A login session as authentication needs it; its user is read separately (UserService.find). */
export interface CachedSession {
  id: string
  user_id: string
  expires_at: string
  last_activity: string
  revoked_at: string | null
}

/** Sessions whose last_activity this process moved, kept at most. */
const MAX_TOUCHED = 10_000

/**
 * Login sessions read through the cache, and from the database on a miss (SessionReader, which
 * shares round trips on PostgreSQL). Every change to a session (revoke, logout, refresh, reuse
 * detection) calls `forget`, so the next request reads it afresh; expiry is checked on every use.
 *
 * A cached session keeps the last_activity it was read with, so that it is not written on every
 * request: this process remembers when it last moved each one, and moves it at most once per
 * interval (each instance on its own; the write is a no-op when another moved it already).
 */
export class CachedSessions {
  readonly #reader: SessionReader
  readonly #touched = new Map<string, number>()

  constructor(
    db: Database,
    private readonly cache: Cache,
  ) {
    this.#reader = new SessionReader(db)
  }

  get(id: string): Promise<CachedSession | undefined> {
    return readThrough(this.cache, sessionKey(id), lookupTtlMs(this.cache), async () => {
      const row = await this.#reader.get(id)
      if (row === undefined) return undefined
      const { user_id, expires_at, last_activity, revoked_at } = row
      return { id, user_id, expires_at, last_activity, revoked_at }
    })
  }

  /** Drops the cached copies of sessions that were changed, on every instance when shared. */
  async forget(ids: Iterable<string>): Promise<void> {
    for (const id of new Set(ids)) await this.cache.delete(sessionKey(id))
  }

  /**
   * Whether last_activity is due to move to `now` (more than `interval_ms` since it, or since
   * this process last moved it); when it is, that move is remembered.
   */
  touchDue(session: CachedSession, now: number, interval_ms: number): boolean {
    const last = Math.max(Date.parse(session.last_activity), this.#touched.get(session.id) ?? 0)
    if (last > now - interval_ms) return false
    this.#touched.delete(session.id)
    if (this.#touched.size >= MAX_TOUCHED) this.#touched.delete(this.#touched.keys().next().value!)
    this.#touched.set(session.id, now)
    return true
  }
}
