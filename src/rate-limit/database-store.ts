import { sql } from 'kysely'
import type { Database } from '../db/database.js'
import { perDatabase } from '../db/memo.js'
import type { RateLimitHit, RateLimitStore } from './store.js'

interface HitParams {
  key: string
  now: string
  reset: string
}

// `excluded` is the row the INSERT proposed: its last_request is this request's time, its
// reset_time the end of a window opened now. Both engines evaluate every SET expression against
// the old row, so the CASEs all see the same expired-or-not answer.
const expired = sql`rate_limits.reset_time <= excluded.last_request`

const statements = perDatabase((db) => ({
  hit: db.prepare((p: HitParams) =>
    db.kysely
      .insertInto('rate_limits')
      .values({
        key: p.key,
        request_count: 1,
        window_start: p.now,
        reset_time: p.reset,
        last_request: p.now,
      })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          request_count: sql<number>`case when ${expired} then 1 else rate_limits.request_count + 1 end`,
          window_start: sql<string>`case when ${expired} then excluded.window_start else rate_limits.window_start end`,
          reset_time: sql<string>`case when ${expired} then excluded.reset_time else rate_limits.reset_time end`,
          last_request: sql<string>`excluded.last_request`,
        }),
      )
      .returning(['request_count', 'reset_time']),
  ),
}))

export interface DatabaseRateLimitStoreOptions {
  /** The clock, in milliseconds since the epoch; tests move it to end a window. */
  now?: () => number
  /** How often `hit` also deletes expired rows in the background; 0 never does. */
  prune_every_ms?: number
}

/**
 * Counters in the `rate_limits` table, for a server without Redis. One upsert per request counts
 * and answers atomically on both engines — the row lock (PostgreSQL) or the write lock (SQLite)
 * orders concurrent hits from any number of processes — and goes through `db.write`, so a busy
 * database or a lost connection is retried.
 * @example
 * const limits = new DatabaseRateLimitStore(store.database)
 * const { allowed } = await limits.hit(`ip:${ip}`, 120, 60_000)
 */
export class DatabaseRateLimitStore implements RateLimitStore {
  readonly #db: Database
  readonly #now: () => number
  readonly #pruneEvery: number
  #lastPrune: number

  constructor(db: Database, options: DatabaseRateLimitStoreOptions = {}) {
    this.#db = db
    this.#now = options.now ?? Date.now
    this.#pruneEvery = options.prune_every_ms ?? 10 * 60_000
    this.#lastPrune = this.#now()
  }

  async hit(key: string, limit: number, window_ms: number): Promise<RateLimitHit> {
    const now = this.#now()
    const params = {
      key,
      now: new Date(now).toISOString(),
      reset: new Date(now + window_ms).toISOString(),
    }
    const hit = statements(this.#db).hit
    const [row] = await this.#db.write(() => hit.all(this.#db, params))
    if (this.#pruneEvery > 0 && now - this.#lastPrune >= this.#pruneEvery) {
      this.#lastPrune = now
      // Housekeeping only: a failure here must not fail the request that happened to trigger it.
      this.prune().catch(() => {})
    }
    const count = Number(row!.request_count)
    const reset_at = Date.parse(row!.reset_time)
    return { count, allowed: count <= limit, reset_at, reset_in_ms: Math.max(0, reset_at - now) }
  }

  /**
   * Deletes the rows of windows that have ended (by `rate_limits_reset_time_idx`); a later hit
   * on such a key starts a new window either way. Returns how many went.
   */
  async prune(): Promise<number> {
    const now = new Date(this.#now()).toISOString()
    const result = await this.#db.write(() =>
      this.#db.kysely.deleteFrom('rate_limits').where('reset_time', '<=', now).executeTakeFirst(),
    )
    return Number(result.numDeletedRows)
  }

  async close(): Promise<void> {}

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}
