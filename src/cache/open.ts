import type { Cache, CacheLogger } from './cache.js'
import { MemoryCache, type MemoryCacheOptions } from './memory-cache.js'
import { RedisCache } from './redis-cache.js'

export interface CacheConfig {
  /** When given, the cache lives in Redis and is shared by every instance that uses it. */
  redis_url?: string | undefined
  /** Where a Redis outage is reported. */
  logger: CacheLogger
  key_prefix?: string
  /** Bounds of the in-process cache used without Redis. */
  memory?: MemoryCacheOptions
}

/** Chooses the cache once, at start: Redis when a URL is configured, else in-process memory. */
export async function openCache(config: CacheConfig): Promise<Cache> {
  if (config.redis_url !== undefined) {
    return RedisCache.connect({
      url: config.redis_url,
      logger: config.logger,
      key_prefix: config.key_prefix,
    })
  }
  return new MemoryCache(config.memory)
}
