import type { Redis } from 'ioredis'

/** Where an outage is told: pino's logger fits, as do the cache's and the rate limiter's. */
export interface OutageLogger {
  warn(details: object, message: string): void
  info(details: object, message: string): void
}

/** How a Redis client of Chatkeep connects: a dead Redis costs a fast failure, never a wait. */
export interface RedisConnectionOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…` for TLS. */
  url: string
  /** A command that takes longer fails (and the caller fails open). */
  command_timeout_ms?: number
  /** How long `connect` waits for the first connection before starting without it. */
  connect_timeout_ms?: number
}

/**
 * A client that fails at once while disconnected instead of queueing commands behind a
 * reconnect, never retries a command, and keeps reconnecting in the background (every 100 ms
 * more, up to every 2 s). Shared by the cache and the rate-limit store.
 * Not connected yet: call `connect()`. Resolves once ioredis is loaded.
 */
export async function createRedisClient(options: RedisConnectionOptions): Promise<Redis> {
  // Loaded here, not at the top: a deployment without REDIS_URL never loads ioredis.
  const { Redis } = await import('ioredis')
  return new Redis(options.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.command_timeout_ms ?? 500,
    connectTimeout: options.connect_timeout_ms ?? 2000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
  })
}

/** Closes a client politely when it is connected, at once otherwise; never throws. */
export async function closeRedisClient(redis: Redis): Promise<void> {
  redis.removeAllListeners('error')
  redis.on('error', () => {})
  if (redis.status === 'ready') {
    await redis.quit().catch(() => redis.disconnect())
  } else {
    redis.disconnect()
  }
}

/**
 * Keeps the log of an outage to two lines: a warning when it starts, however many commands fail
 * meanwhile, and an info line when Redis answers again.
 */
export class OutageLog {
  #down = false

  constructor(
    private readonly logger: OutageLogger,
    private readonly messages: { down: string; up: string },
  ) {}

  get down(): boolean {
    return this.#down
  }

  /** Reports the start of an outage; true only for the call that started it. */
  failed(error: Error): boolean {
    if (this.#down) return false
    this.#down = true
    this.logger.warn({ err: error }, this.messages.down)
    return true
  }

  /** Reports its end; true only for the call that ended it. */
  recovered(): boolean {
    if (!this.#down) return false
    this.#down = false
    this.logger.info({}, this.messages.up)
    return true
  }

  /** Forgets an outage without a line (on close). */
  reset(): void {
    this.#down = false
  }
}
