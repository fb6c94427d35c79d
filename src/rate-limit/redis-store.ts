import type { Redis } from 'ioredis'
import { closeRedisClient, createRedisClient, OutageLog } from '../lib/redis-client.js'
import type { RateLimitHit, RateLimitLogger, RateLimitStore } from './store.js'

// One round trip, atomic: count the request and, when the key is new (or somehow lost its
// expiry), open the window by giving it one. Replies with the count and the window's ms left.
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`

interface HitCommand {
  chatkeepRateLimitHit(key: string, window_ms: number): Promise<[number, number]>
}

export interface RedisRateLimitStoreOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…` for TLS. */
  url: string
  /** Put in front of every key, so several apps (or test runs) can share one Redis. */
  key_prefix?: string
  /** A command that takes longer fails open; the request is not held up by a stuck Redis. */
  command_timeout_ms?: number
  /** How long `connect` waits for the first connection before starting without it. */
  connect_timeout_ms?: number
  logger: RateLimitLogger
}

/**
 * Counters in Redis, shared by every server instance: a Lua script counts and answers in one
 * atomic round trip. It fails open: while Redis is unreachable or too slow, every request is let
 * through uncounted, the outage is logged once, and its end once more.
 * @example
 * await using limits = await RedisRateLimitStore.connect({ url: 'redis://127.0.0.1:6379', logger })
 */
export class RedisRateLimitStore implements RateLimitStore {
  readonly #redis: Redis
  readonly #prefix: string
  readonly #outages: OutageLog

  private constructor(redis: Redis, options: RedisRateLimitStoreOptions) {
    this.#redis = redis
    this.#prefix = options.key_prefix ?? 'chatkeep:rate:'
    this.#outages = new OutageLog(options.logger, {
      down: 'Redis is unreachable: rate limits are not enforced (failing open) until it is back',
      up: 'Redis is reachable again: rate limits are enforced',
    })
    redis.defineCommand('chatkeepRateLimitHit', { numberOfKeys: 1, lua: HIT_SCRIPT })
    // ioredis keeps reconnecting on its own; these only keep the log to one line per outage.
    redis.on('error', (error: Error) => this.#outages.failed(error))
    redis.on('ready', () => this.#outages.recovered())
  }

  /**
   * Connects, waiting up to `connect_timeout_ms` for Redis; if it does not answer, the store
   * starts failing open and keeps reconnecting in the background.
   */
  static async connect(options: RedisRateLimitStoreOptions): Promise<RedisRateLimitStore> {
    const redis = await createRedisClient(options)
    const store = new RedisRateLimitStore(redis, options)
    await redis.connect().catch((error: Error) => store.#outages.failed(error))
    return store
  }

  async hit(key: string, limit: number, window_ms: number): Promise<RateLimitHit> {
    const now = Date.now()
    try {
      const command = this.#redis as unknown as HitCommand
      const [count, ttl] = await command.chatkeepRateLimitHit(this.#prefix + key, window_ms)
      this.#outages.recovered()
      return { count, allowed: count <= limit, reset_at: now + ttl, reset_in_ms: ttl }
    } catch (error) {
      this.#outages.failed(error as Error)
      return { count: 0, allowed: true, reset_at: now + window_ms, reset_in_ms: window_ms }
    }
  }

  async close(): Promise<void> {
    this.#outages.reset()
    await closeRedisClient(this.#redis)
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}
