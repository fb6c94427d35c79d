import type { Redis } from 'ioredis'
import { closeRedisClient, createRedisClient, OutageLog } from '../lib/redis-client.js'
import type { RateLimitBudget, RateLimitHit, RateLimitLogger, RateLimitStore } from './store.js'

// One round trip, atomic, for every key of a request: count it and, when the key is new (or
// somehow lost its expiry), open the window by giving it one. Replies with each key's count and
// its window's ms left, in turn.
const HIT_SCRIPT = `
local replies = {}
for _, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then
    redis.call('PEXPIRE', key, ARGV[1])
    ttl = tonumber(ARGV[1])
  end
  replies[#replies + 1] = count
  replies[#replies + 1] = ttl
end
return replies
`

interface HitCommand {
  /** `keys` first, as ioredis passes a script of variable key count its arguments. */
  chatkeepRateLimitHit(keys: number, ...args: (string | number)[]): Promise<number[]>
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
 * Counters in Redis, shared by every server instance: a Lua script counts a request against all
 * its budgets and answers in one atomic round trip. It fails open: while Redis is unreachable or too slow, every request is let
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
    redis.defineCommand('chatkeepRateLimitHit', { lua: HIT_SCRIPT })
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
    const [hit] = await this.hitAll([{ key, limit }], window_ms)
    return hit!
  }

  async hitAll(budgets: readonly RateLimitBudget[], window_ms: number): Promise<RateLimitHit[]> {
    const now = Date.now()
    try {
      const command = this.#redis as unknown as HitCommand
      const keys = budgets.map((b) => this.#prefix + b.key)
      const replies = await command.chatkeepRateLimitHit(keys.length, ...keys, window_ms)
      this.#outages.recovered()
      return budgets.map(({ limit }, i) => {
        const count = replies[2 * i]!
        const ttl = replies[2 * i + 1]!
        return { count, allowed: count <= limit, reset_at: now + ttl, reset_in_ms: ttl }
      })
    } catch (error) {
      this.#outages.failed(error as Error)
      return budgets.map(() => ({
        count: 0,
        allowed: true,
        reset_at: now + window_ms,
        reset_in_ms: window_ms,
      }))
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
