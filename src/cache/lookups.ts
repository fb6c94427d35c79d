import { performance } from 'node:perf_hooks'
import { type Cache, MAX_FILL_READ_MS } from './cache.js'

/**
 * What the server reads on every request, kept in the cache: users by id and login sessions.
 * Every write that changes one deletes its key (UserService, AuthService).
 */

export const userKey = (id: string): string => `user:${id}`
export const sessionKey = (id: string): string => `session:${id}`

/** Seed 003's five minutes, when every instance shares the cache and sees every delete. */
export const SHARED_LOOKUP_TTL_MS = 5 * 60_000
/**
 * In-process: another instance's change (or one made by the CLI) is seen when the entry
 * expires, so an entry lives only this long. Each instance sees its own changes at once.
 */
export const LOCAL_LOOKUP_TTL_MS = 30_000

/** How long a user or session stays cached in `cache`. */
export const lookupTtlMs = (cache: Cache): number =>
  cache.shared ? SHARED_LOOKUP_TTL_MS : LOCAL_LOOKUP_TTL_MS

/**
 * The cached value, or else what `load` reads, then kept for `ttl_ms`. What `load` finds
 * nothing for (undefined) is not cached. A read slower than MAX_FILL_READ_MS is not kept
 * either: a delete that came meanwhile may no longer be holding its key against it.
 */
export async function readThrough<T>(
  cache: Cache,
  key: string,
  ttl_ms: number,
  load: () => Promise<T | undefined>,
): Promise<T | undefined> {
  const cached = await cache.get<T>(key)
  if (cached !== undefined) return cached
  const started = performance.now()
  const value = await load()
  if (value !== undefined && performance.now() - started < MAX_FILL_READ_MS) {
    await cache.fill(key, value, ttl_ms)
  }
  return value
}
