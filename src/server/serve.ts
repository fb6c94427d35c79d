// The HTTP server as a running process: store, auth, rate limits and the app, bound to a port.
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { pino, type Logger } from 'pino'
import type { Cache } from '../cache/cache.js'
import { openCache } from '../cache/open.js'
import { resolveServerConfig, type ServerConfig } from '../config/server-config.js'
import type { StoreConfig } from '../config/store-config.js'
import { ChatkeepError } from '../errors.js'
import { openRateLimitStore } from '../rate-limit/open.js'
import type { RateLimitStore } from '../rate-limit/store.js'
import { AuthService } from '../services/auth.js'
import { openStore, type RetentionOption, type Store } from '../store.js'
import { resolveStreamOptions } from '../config/store-config.js'
import { startBackgroundWork, sweepInterval } from './background.js'
import type { TranscriptStorageConfig } from '../transcripts/transcript-storage.js'
import { buildApp } from './app.js'
import type { BackupSettings } from './routes/backups.js'

export interface StartServerOptions {
  /** The database and transcript storage; migrations are applied on start whatever `migrate` says. */
  store_config: StoreConfig & TranscriptStorageConfig & RetentionOption
  /** Filled with defaults and checked here; `envToServerConfig` gives one from the environment. */
  server_config: Partial<ServerConfig>
  /** Where `POST /v1/admin/backups` writes (BACKUP_DIR, BACKUP_KEEP, PG_DUMP). */
  backups?: BackupSettings
  /** Where the server logs; by default pino on stdout at `log_level`. */
  logger?: Logger
  /**
   * How long `close()` lets requests in flight run before cutting their connections. A
   * container orchestrator's own limit (Kubernetes: 30 s) should be longer.
   */
  shutdown_grace_ms?: number
}

export interface RunningServer extends AsyncDisposable {
  readonly app: FastifyInstance
  readonly store: Store
  readonly config: ServerConfig
  /** The address it listens on (the port the OS picked when asked for 0). */
  readonly host: string
  readonly port: number
  /** `http://host:port`, with an IPv6 host in brackets. */
  readonly url: string
  /**
   * Stops accepting connections, lets the requests in flight finish (for up to the grace
   * period), then closes the rate-limit store, the store and the cache. Safe to call twice.
   */
  close(): Promise<void>
}

export const DEFAULT_SHUTDOWN_GRACE_MS = 25_000
/** While draining, how often connections that have gone idle are closed. */
const REAP_INTERVAL_MS = 100

/**
 * Opens the cache and the rate-limit store (Redis with `redis_url`, else memory and the
 * database), the store over the cache (applying pending migrations) and the auth service
 * (generating and keeping a JWT secret in the database when none is configured), and serves the
 * API on `host:port`. Whatever it opened is closed again if a later step fails.
 * @example
 * const server = await startServer({ store_config: {}, server_config: { port: 0 } })
 * console.log(server.url)
 * await server.close()
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const config = resolveServerConfig(options.server_config)
  const logger = options.logger ?? serverLogger(config.log_level)
  // Redis with `redis_url` (a Redis that is down only logs a warning), else in-process memory.
  const cache: Cache = await openCache({ redis_url: config.redis_url, logger })
  const store = await openStore({
    ...options.store_config,
    migrate: true,
    cache,
    on_message_search_error: (error) =>
      logger.warn({ err: error }, 'message search catch-up failed'),
  }).catch(async (error: unknown) => {
    await cache.close()
    throw error
  })
  let limits: RateLimitStore | undefined
  let app: FastifyInstance | undefined
  try {
    const auth = await AuthService.open(store, {
      jwt_secret: config.jwt_secret,
      access_token_ttl_s: config.access_token_ttl_s,
      refresh_token_ttl_s: config.refresh_token_ttl_s,
    })
    limits = await openRateLimitStore({
      redis_url: config.redis_url,
      database: store.database,
      logger,
    })
    const rateLimits = limits
    app = await buildApp({
      store,
      auth,
      logger,
      body_limit: config.body_limit,
      trust_proxy: config.trust_proxy,
      cors_origins: config.cors_origins,
      webhooks: { allow_private: config.webhook_allow_private },
      ...(options.backups !== undefined ? { backups: options.backups } : {}),
      rate_limit: {
        store: rateLimits,
        per_minute: config.rate_limit_per_minute,
        auth_per_minute: config.auth_rate_limit_per_minute,
      },
    })
    const timeout_ms = resolveStreamOptions(options.store_config).timeout_ms
    const background = startBackgroundWork(store, sweepInterval(timeout_ms), logger)
    // onClose hooks run once the HTTP server has closed, so no request is using either store.
    app.addHook('onClose', async () => {
      background.stop()
      try {
        await rateLimits.close()
      } finally {
        await store.close().finally(() => cache.close())
      }
    })
    drainOnClose(app, options.shutdown_grace_ms ?? DEFAULT_SHUTDOWN_GRACE_MS)
    await listen(app, config)
  } catch (error) {
    if (app !== undefined) {
      await app.close().catch(() => {})
    } else {
      await limits?.close().catch(() => {})
      await store.close().catch(() => {})
      await cache.close().catch(() => {})
    }
    throw error
  }

  const running = app
  const address = running.server.address() as AddressInfo
  const host = address.address
  const url = `http://${address.family === 'IPv6' ? `[${host}]` : host}:${address.port}`
  let closing: Promise<void> | undefined
  // The last lines are out before close resolves (and so before `chatkeep serve` says stopped).
  const close = () =>
    (closing ??= running.close().finally(() => {
      if (options.logger === undefined) return flushed(logger)
    }))
  return {
    app: running,
    store,
    config,
    host,
    port: address.port,
    url,
    close,
    [Symbol.asyncDispose]: close,
  }
}

/**
 * JSON lines on stdout, written off the event loop: a line is handed to the thread pool, and
 * the lines logged while a write runs go out together in the next one, where a synchronous
 * destination made one blocking write(2) per line (0.03 ms a request under load). Lines still
 * queued are written at exit, a crash's included; only a SIGKILL can lose the last few.
 */
function serverLogger(level: ServerConfig['log_level']): Logger {
  return pino({ level }, pino.destination({ dest: 1, sync: false }))
}

const flushed = (logger: Logger) => new Promise<void>((resolve) => logger.flush(() => resolve()))

/** Why a bind fails, for the usual causes; anything else is passed on as it is. */
const LISTEN_ERRORS: Record<string, { field: string; why: string }> = {
  EADDRINUSE: { field: '/port', why: 'another process is using that port; choose another' },
  EACCES: { field: '/port', why: 'this user may not use that port; choose one above 1023' },
  EADDRNOTAVAIL: { field: '/host', why: 'this machine has no such address' },
  ENOTFOUND: { field: '/host', why: 'the host name does not resolve' },
}

async function listen(app: FastifyInstance, config: ServerConfig): Promise<void> {
  try {
    await app.listen({ host: config.host, port: config.port })
  } catch (error) {
    const known = LISTEN_ERRORS[(error as NodeJS.ErrnoException).code ?? '']
    if (known === undefined) throw error
    throw new ChatkeepError(
      'invalid_config',
      `Cannot listen on ${config.host}:${config.port}: ${known.why}.`,
      { field: known.field, cause: error },
    )
  }
}

/**
 * Makes `app.close()` finish once the requests in flight have. Fastify stops accepting, closes
 * idle keep-alive connections and answers new requests on busy ones 503; but a connection whose
 * request was in flight would stay open, idle, for the keep-alive timeout (72 s) and hold the
 * close up. So while draining, responses say `Connection: close`, connections that went idle
 * anyway are reaped, and after `grace_ms` whatever is left is cut.
 */
function drainOnClose(app: FastifyInstance, grace_ms: number): void {
  let draining = false
  let timers: NodeJS.Timeout[] = []
  app.addHook('preClose', async () => {
    draining = true
    const reap = setInterval(() => app.server.closeIdleConnections(), REAP_INTERVAL_MS)
    const cut = setTimeout(() => {
      app.log.warn(`requests still in flight after ${grace_ms} ms; closing their connections`)
      app.server.closeAllConnections()
    }, grace_ms)
    timers = [reap, cut]
  })
  app.addHook('onSend', async (_request, reply, payload) => {
    if (draining) reply.header('connection', 'close')
    return payload
  })
  app.addHook('onClose', async () => {
    for (const timer of timers) clearTimeout(timer)
  })
}
