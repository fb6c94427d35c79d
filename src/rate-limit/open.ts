import type { Database } from '../db/database.js'
import { DatabaseRateLimitStore } from './database-store.js'
import { RedisRateLimitStore } from './redis-store.js'
import type { RateLimitLogger, RateLimitStore } from './store.js'

export interface RateLimitStoreConfig {
  /** When given, counters live in Redis and are shared by every instance that uses it. */
  redis_url?: string | undefined
  /** Otherwise they live in this database's `rate_limits` table. */
  database: Database
  /** Where a Redis outage is reported. */
  logger: RateLimitLogger
  key_prefix?: string
}

/** Chooses the store once, at start: Redis when a URL is configured, else the database. */
export async function openRateLimitStore(config: RateLimitStoreConfig): Promise<RateLimitStore> {
  if (config.redis_url !== undefined) {
    return RedisRateLimitStore.connect({
      url: config.redis_url,
      logger: config.logger,
      key_prefix: config.key_prefix,
    })
  }
  return new DatabaseRateLimitStore(config.database)
}
