/**
 * The cache Chatkeep reads users, sessions, system configuration and AI responses through: an
 * in-process store (MemoryCache) or Redis (RedisCache), chosen once at start (openCache).
 *
 * Values are JSON: what comes back is a fresh copy, equal to what went in after a JSON round
 * trip, on both stores. A cache never throws for its own failures: an unreachable Redis reads as
 * a miss, and a write that could not be made answers false (fail-open).
 */
export interface Cache {
  /** True when every instance using it sees the same entries (Redis); false for in-process. */
  readonly shared: boolean
  /** The value, or undefined when there is none, it expired, it was deleted, or Redis is down. */
  get<T = unknown>(key: string): Promise<T | undefined>
  /** Stores a value for `ttl_ms`, replacing any; false when it could not (too large, Redis down). */
  set(key: string, value: unknown, ttl_ms: number): Promise<boolean>
  /**
   * Stores a value read from the database, unless the key holds one already or was deleted in
   * the last INVALIDATION_HOLD_MS: a read that raced a change never puts the old value back.
   */
  fill(key: string, value: unknown, ttl_ms: number): Promise<void>
  /**
   * Forgets a key, on every instance for a shared cache. The key reads as missing and refuses
   * `fill` for INVALIDATION_HOLD_MS. A Redis store that cannot reach Redis keeps the key and
   * delivers the delete before it reads anything again.
   */
  delete(key: string): Promise<void>
  /**
   * Forgets every key that starts with `prefix` (a user's cached responses when they are
   * erased), as `delete` forgets one. A Redis store that cannot reach Redis clears every key it
   * owns once Redis is back, before it reads anything again.
   */
  deletePrefix(prefix: string): Promise<void>
  /** What it has answered since it was opened. */
  readonly stats: CacheStats
  /** Releases what it owns (a Redis connection). */
  close(): Promise<void>
}

export interface CacheStats {
  hits: number
  misses: number
}

/** Where a Redis outage is reported, and its end: pino and Fastify's `app.log` fit. */
export interface CacheLogger {
  warn(details: object, message: string): void
  info(details: object, message: string): void
}

/**
 * How long a deleted key refuses `fill`: a database read that started before the change cannot
 * put the old value back, as long as it fills within this time of starting (readThrough does
 * not fill after MAX_FILL_READ_MS, and a Redis command fails after 500 ms). The cost: a key is
 * read from the database, not the cache, for this long after each change to it.
 */
export const INVALIDATION_HOLD_MS = 3_000

/** A read that took longer than this does not fill: with the command timeout, inside the hold. */
export const MAX_FILL_READ_MS = 1_000
