import { performance } from 'node:perf_hooks'
import type { Redis } from 'ioredis'
import { type Cache, type CacheLogger, type CacheStats, INVALIDATION_HOLD_MS } from './cache.js'
import {
  closeRedisClient,
  createRedisClient,
  OutageLog,
  type RedisConnectionOptions,
} from '../lib/redis-client.js'

export interface RedisCacheOptions extends RedisConnectionOptions {
  /** Put in front of every key, so several deployments (or test runs) can share one Redis. */
  key_prefix?: string
  /** Where an outage is reported: once when it starts, once when it ends. */
  logger: CacheLogger
  /**
   * After an outage, how long reads stay misses before the cache is trusted again, so that the
   * other instances have reconnected (they retry every 2 s at most) and delivered the deletes
   * they could not make meanwhile.
   */
  settle_ms?: number
  /** A larger value is not stored. */
  max_value_bytes?: number
}

export const REDIS_CACHE_DEFAULTS = {
  key_prefix: 'chatkeep:cache:',
  settle_ms: 3000,
  max_value_bytes: 8 * 1024 * 1024,
} as const

/** What a deleted key holds while it refuses fills; no JSON text starts with `!`. */
const DELETED = '!'
/** Deletes kept for delivery at most; past that, every key under the prefix goes on recovery. */
const MAX_PENDING_DELETES = 10_000
/**
 * While Redis is down, one command this often tries it (besides ioredis's reconnects); the
 * others are not sent at all, so that a Redis that hangs costs requests nothing.
 */
const PROBE_INTERVAL_MS = 1000

/**
 * The cache in Redis, shared by every server instance that uses the same Redis and prefix: a
 * delete on one is seen by all at once. It fails open: while Redis is unreachable or slower
 * than `command_timeout_ms`, every read is a miss (the caller goes to the database) and every
 * write is skipped; the outage is logged once, and its end once.
 *
 * A delete that cannot reach Redis is not lost: it is kept, and delivered before this cache
 * reads or writes anything again, so that an entry cached before the outage (Redis may have
 * kept it) is never served after a change made during it. After an outage, reads also stay
 * misses for `settle_ms`, so that the other instances deliver theirs first.
 * @example
 * const cache = await RedisCache.connect({ url: 'redis://127.0.0.1:6379', logger: console })
 */
export class RedisCache implements Cache {
  readonly shared = true
  readonly stats: CacheStats = { hits: 0, misses: 0 }
  readonly #redis: Redis
  readonly #prefix: string
  readonly #log: OutageLog
  readonly #settle_ms: number
  readonly #max_value_bytes: number
  /** Keys whose delete did not reach Redis yet. */
  #pending = new Set<string>()
  /** Too many of them: every key under the prefix is removed instead. */
  #pending_all = false
  #delivering: Promise<boolean> | undefined
  /** Reads are misses until then (performance.now()), after an outage. */
  #trusted_from = 0
  /** While down, when the next command may try Redis (performance.now()). */
  #probe_at = 0
  #closed = false

  private constructor(redis: Redis, options: RedisCacheOptions) {
    this.#redis = redis
    this.#prefix = options.key_prefix ?? REDIS_CACHE_DEFAULTS.key_prefix
    this.#settle_ms = options.settle_ms ?? REDIS_CACHE_DEFAULTS.settle_ms
    this.#max_value_bytes = options.max_value_bytes ?? REDIS_CACHE_DEFAULTS.max_value_bytes
    this.#log = new OutageLog(options.logger, {
      down: 'Redis is unreachable: the cache is bypassed (reads go to the database) until it is back',
      up: 'Redis is reachable again: the cache is in use',
    })
    // ioredis keeps reconnecting on its own; these keep the log to one line per outage.
    redis.on('error', (error: Error) => this.#failed(error))
    redis.on('ready', () => this.#answered())
  }

  /**
   * Connects, waiting up to `connect_timeout_ms` for Redis; if it does not answer, the cache
   * starts bypassed and keeps reconnecting in the background.
   */
  static async connect(options: RedisCacheOptions): Promise<RedisCache> {
    const redis = await createRedisClient(options)
    const cache = new RedisCache(redis, options)
    await redis.connect().catch((error: Error) => cache.#failed(error))
    return cache
  }

  /** Whether Redis is unreachable, as far as this cache knows. */
  get down(): boolean {
    return this.#log.down
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    let text: string | null = null
    if ((await this.#deliver()) && performance.now() >= this.#trusted_from) {
      text = await this.#run(() => this.#redis.get(this.#prefix + key), null)
    }
    const value = text === null || text === DELETED ? undefined : parseJson<T>(text)
    if (value === undefined) this.stats.misses += 1
    else this.stats.hits += 1
    return value
  }

  async set(key: string, value: unknown, ttl_ms: number): Promise<boolean> {
    const json = JSON.stringify(value)
    if (Buffer.byteLength(json) > this.#max_value_bytes || !(await this.#deliver())) return false
    return this.#run(async () => {
      await this.#redis.set(this.#prefix + key, json, 'PX', ttl(ttl_ms))
      return true
    }, false)
  }

  async fill(key: string, value: unknown, ttl_ms: number): Promise<void> {
    const json = JSON.stringify(value)
    if (Buffer.byteLength(json) > this.#max_value_bytes) return
    if (!(await this.#deliver()) || performance.now() < this.#trusted_from) return
    await this.#run(() => this.#redis.set(this.#prefix + key, json, 'PX', ttl(ttl_ms), 'NX'), null)
  }

  async delete(key: string): Promise<void> {
    // The ones missed before go first (when they can); this one is tried in any case.
    await this.#deliver()
    const done = await this.#run(async () => {
      await this.#redis.set(this.#prefix + key, DELETED, 'PX', INVALIDATION_HOLD_MS)
      return true
    }, false)
    if (done) return
    if (this.#pending.size >= MAX_PENDING_DELETES) {
      this.#pending_all = true
      this.#pending.clear()
    }
    if (!this.#pending_all) this.#pending.add(key)
  }

  async deletePrefix(prefix: string): Promise<void> {
    await this.#deliver()
    const done = await this.#run(async () => {
      await this.#removeKeys(`${globEscape(this.#prefix + prefix)}*`)
      return true
    }, false)
    // Which keys matched cannot be known without Redis: all of them go once it is back.
    if (!done) {
      this.#pending_all = true
      this.#pending.clear()
    }
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#log.reset()
    await closeRedisClient(this.#redis)
  }

  /**
   * Runs a command: on failure the outage is noted and `fallback` answered. While down, only
   * one command per PROBE_INTERVAL_MS is sent; the others answer `fallback` at once.
   */
  async #run<T>(command: () => Promise<T>, fallback: T): Promise<T> {
    if (this.#closed) return fallback
    if (this.#log.down) {
      if (performance.now() < this.#probe_at) return fallback
      this.#probe_at = performance.now() + PROBE_INTERVAL_MS
    }
    try {
      const result = await command()
      this.#answered()
      return result
    } catch (error) {
      this.#failed(error as Error)
      return fallback
    }
  }

  /** Delivers the deletes Redis missed; true once there are none left (at once, mostly). */
  #deliver(): Promise<boolean> {
    if (this.#pending.size === 0 && !this.#pending_all) return Promise.resolve(true)
    this.#delivering ??= this.#deliverPending().finally(() => (this.#delivering = undefined))
    return this.#delivering
  }

  async #deliverPending(): Promise<boolean> {
    const all = this.#pending_all
    const keys = [...this.#pending]
    const delivered = await this.#run(async () => {
      if (all) {
        await this.#removeEveryKey()
      } else {
        const batch = this.#redis.pipeline()
        for (const key of keys) batch.set(this.#prefix + key, DELETED, 'PX', INVALIDATION_HOLD_MS)
        const results = (await batch.exec()) ?? []
        const failed = results.find(([error]) => error !== null)
        if (failed !== undefined) throw failed[0]
      }
      return true
    }, false)
    if (delivered) {
      if (all) this.#pending_all = false
      for (const key of keys) this.#pending.delete(key)
    }
    return delivered && this.#pending.size === 0 && !this.#pending_all
  }

  async #removeEveryKey(): Promise<void> {
    await this.#removeKeys(`${globEscape(this.#prefix)}*`)
  }

  async #removeKeys(pattern: string): Promise<void> {
    let cursor = '0'
    do {
      const [next, keys] = await this.#redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000)
      if (keys.length > 0) await this.#redis.unlink(...keys)
      cursor = next
    } while (cursor !== '0')
  }

  #failed(error: Error): void {
    if (this.#log.failed(error)) this.#probe_at = performance.now() + PROBE_INTERVAL_MS
  }

  #answered(): void {
    if (!this.#log.recovered()) return
    this.#trusted_from = performance.now() + this.#settle_ms
    void this.#deliver()
  }
}

/** A value someone else wrote under the prefix, not JSON, reads as missing. */
function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T
  } catch {
    return undefined
  }
}

/** Redis wants whole milliseconds, at least one. */
const ttl = (ms: number): number => Math.max(1, Math.ceil(ms))

/** A prefix as a literal in a SCAN pattern. */
const globEscape = (text: string): string => text.replace(/[*?[\]\\]/g, '\\$&')
