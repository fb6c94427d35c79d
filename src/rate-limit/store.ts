/** What a rate-limit store answers for one request. */
export interface RateLimitHit {
  /**
   * Requests counted for the key in the current window, this one included. 0 means the store
   * could not count (a Redis store during an outage): the request is let through unmetered.
   */
  count: number
  /** `count <= limit`: this request fits in the window. */
  allowed: boolean
  /** When the current window ends, in milliseconds since the epoch (the store's clock). */
  reset_at: number
  /** Milliseconds until the window ends, by the same clock as `reset_at`. */
  reset_in_ms: number
}

/** One of the budgets a request is counted against. */
export interface RateLimitBudget {
  key: string
  limit: number
}

/**
 * Fixed-window request counters, shared by every server instance that uses the same backing
 * store. `hit` and `hitAll` count and answer in one atomic step (one statement, one script), so
 * concurrent requests from many processes never lose a count.
 */
export interface RateLimitStore extends AsyncDisposable {
  /** Counts one request for `key` in a window of `window_ms`, opened by the first request. */
  hit(key: string, limit: number, window_ms: number): Promise<RateLimitHit>
  /**
   * Counts one request against every budget at once, in one round trip: the answers in the
   * budgets' order.
   */
  hitAll(budgets: readonly RateLimitBudget[], window_ms: number): Promise<RateLimitHit[]>
  /** Releases what the store owns (a Redis connection); the database belongs to its Store. */
  close(): Promise<void>
}

/** Where a store reports an outage and its end: pino and Fastify's `app.log` fit. */
export interface RateLimitLogger {
  warn(details: object, message: string): void
  info(details: object, message: string): void
}
