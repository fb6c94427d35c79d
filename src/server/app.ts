import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyServerOptions,
} from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { DEFAULT_OPERATIONS_CONFIG } from '../config/operations-config.js'
import type { Store } from '../store.js'
import { ResponseCache } from '../cache/response-cache.js'
import { clientErrorHandler } from './client-errors.js'
import { serializeRequest } from './log-redaction.js'
import { MAX_PARAM_LENGTH } from './path-errors.js'
import { errorHandler, sendProblem } from './problem.js'
import { requestIdOf, requestIdPlugin } from './request-id.js'
import { RequestLog } from './request-log.js'
import { ChatkeepError } from '../errors.js'
import type { AuthService } from '../services/auth.js'
import { adminConsole } from './admin-console.js'
import { auditPlugin } from './plugins/audit.js'
import { corsPlugin } from './plugins/cors.js'
import { type Authenticator, authPlugin } from './plugins/auth.js'
import { poolWatchPlugin } from './plugins/pool-watch.js'
import { metricsPlugin } from './plugins/metrics.js'
import { openapiPlugin } from './plugins/openapi.js'
import { buildValidator, jsonBodyPlugin } from './plugins/validation.js'
import { type RateLimitOptions, rateLimitPlugin } from './plugins/rate-limit.js'
import { ProblemSchema } from './schemas/common.js'
import { FeedWatcher } from './feed-watcher.js'
import { auditRoutes } from './routes/audit.js'
import { authRoutes } from './routes/auth.js'
import { type BackupSettings, backupRoutes } from './routes/backups.js'
import { conversationRoutes } from './routes/conversations.js'
import { documentRoutes } from './routes/documents.js'
import { eventRoutes } from './routes/events.js'
import { webhookRoutes } from './routes/webhooks.js'
import { WebhookService } from '../services/webhooks.js'
import { type DispatcherOptions, WebhookDispatcher } from '../webhooks/dispatcher.js'
import { healthRoutes } from './routes/health.js'
import { messageRoutes } from './routes/messages.js'
import { responseCacheRoutes } from './routes/response-cache.js'
import { retentionRoutes } from './routes/retention.js'
import { usageRoutes } from './routes/usage.js'
import { metricIngestRoutes } from './routes/metrics-ingest.js'
import { searchRoutes } from './routes/search.js'
import { seedChatRoutes } from './routes/seed-chat.js'
import { statsRoutes } from './routes/stats.js'
import { systemConfigRoutes } from './routes/system-config.js'
import { transcriptRoutes } from './routes/transcripts.js'
import { userCredentialRoutes } from './routes/user-credentials.js'
import { userRoutes } from './routes/users.js'

export interface AppOptions {
  store: Store
  /** Logins, tokens and API keys under /v1/auth; it also authenticates every request. */
  auth?: AuthService
  /**
   * Authenticates requests in place of `auth`, for route tests that stub logins; the /v1/auth
   * routes are then absent.
   */
  authenticator?: Authenticator
  /** Largest request body in bytes; a message's content is capped separately. */
  body_limit?: number
  /** Trust X-Forwarded-For from a proxy in front (for per-IP limits and audit). */
  trust_proxy?: boolean
  /** Fastify's logger options, or a logger to use as it is (`serve` hands it its pino). */
  logger?: FastifyServerOptions['logger'] | FastifyBaseLogger
  /** Per-IP and per-user limits on /v1 and /api; when absent, nothing is limited. */
  rate_limit?: RateLimitOptions
  /** Origins whose pages may call the API (CORS); none by default. */
  cors_origins?: readonly string[]
  /** How often the change feed's streams look for new events (ms); PostgreSQL wakes them sooner. */
  feed_poll_ms?: number
  /** Webhook delivery: where it may go (WEBHOOK_ALLOW_PRIVATE) and how it retries. */
  webhooks?: DispatcherOptions
  /** Where `POST /v1/admin/backups` writes (BACKUP_DIR, BACKUP_KEEP); ./data/backups, 7 by default. */
  backups?: BackupSettings
}

/**
 * The HTTP API as a Fastify instance, not yet listening: tests drive it with `inject()`, and
 * `serve` binds it to a port.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...withRedactedUrls(options.logger),
    bodyLimit: options.body_limit ?? 4 * 1024 * 1024,
    trustProxy: options.trust_proxy ?? false,
    // The caller's X-Request-Id when well-formed, else a UUIDv7; on every log line of the request.
    genReqId: requestIdOf,
    requestIdHeader: false,
    logController: new RequestLog(),
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // A malformed or overlong path fails in the router, before any route: answer problem+json.
    frameworkErrors: errorHandler,
    // …and a request Node's HTTP parser refuses (431, 408, 400) too.
    clientErrorHandler,
    // Bodies are checked as sent (never coerced), unknown fields refused; query strings converted.
    schemaController: { compilersFactory: { buildValidator } },
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.setErrorHandler(errorHandler)
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      new ChatkeepError('not_found', `No route ${request.method} ${request.url.split('?')[0]}.`),
    ),
  )
  app.addSchema(ProblemSchema)
  await app.register(requestIdPlugin)
  if (options.cors_origins !== undefined && options.cors_origins.length > 0) {
    await app.register(corsPlugin, { origins: options.cors_origins })
  }
  await app.register(jsonBodyPlugin)
  // Both watch routes as they are added, so they come before every route.
  await app.register(openapiPlugin)
  await app.register(metricsPlugin, { store: options.store })
  await app.register(poolWatchPlugin, { store: options.store })

  const authenticator = options.authenticator ?? options.auth
  if (authenticator === undefined) {
    throw new ChatkeepError('invalid_config', 'buildApp needs `auth`, an AuthService.', {
      field: '/auth',
    })
  }
  await app.register(authPlugin, { authenticator })
  await app.register(auditPlugin, { audit: options.store.audit })
  if (options.rate_limit !== undefined) await app.register(rateLimitPlugin, options.rate_limit)
  await app.register(healthRoutes, { store: options.store })
  await app.register(adminConsole)
  if (options.auth !== undefined) {
    await app.register(authRoutes, { prefix: '/v1', auth: options.auth })
    await app.register(userCredentialRoutes, {
      prefix: '/v1',
      store: options.store,
      auth: options.auth,
    })
  }
  await app.register(userRoutes, { prefix: '/v1', store: options.store })
  await app.register(conversationRoutes, { prefix: '/v1', store: options.store })
  await app.register(messageRoutes, { prefix: '/v1', store: options.store })
  await app.register(documentRoutes, { prefix: '/v1', store: options.store })
  await app.register(searchRoutes, { prefix: '/v1', store: options.store })
  await app.register(metricIngestRoutes, { prefix: '/v1', store: options.store })
  await app.register(auditRoutes, { prefix: '/v1', store: options.store })
  const watcher = new FeedWatcher(options.store.database, options.feed_poll_ms ?? 250)
  await watcher.start()
  await app.register(eventRoutes, { prefix: '/v1', store: options.store, watcher })
  const webhookOptions = options.webhooks ?? { allow_private: false }
  const webhooks = new WebhookService(options.store.database, webhookOptions)
  await app.register(webhookRoutes, { prefix: '/v1', webhooks })
  // Every instance delivers; each endpoint's lease lets one of them at a time work it.
  const dispatcher = new WebhookDispatcher(options.store.database, webhookOptions)
  dispatcher.start()
  const stopWaking = watcher.onChange(() => dispatcher.wake())
  app.addHook('onClose', async () => {
    stopWaking()
    await dispatcher.close()
    await watcher.close()
  })
  await app.register(backupRoutes, {
    prefix: '/v1',
    store: options.store,
    backups: options.backups ?? {
      dir: DEFAULT_OPERATIONS_CONFIG.backup_dir,
      keep: DEFAULT_OPERATIONS_CONFIG.backup_keep,
    },
  })
  await app.register(systemConfigRoutes, { prefix: '/v1', store: options.store })
  await app.register(retentionRoutes, { prefix: '/v1', store: options.store })
  await app.register(statsRoutes, { prefix: '/v1', store: options.store })
  await app.register(usageRoutes, { prefix: '/v1', store: options.store })
  await app.register(transcriptRoutes, { prefix: '/v1', store: options.store })
  await app.register(responseCacheRoutes, {
    prefix: '/v1',
    responses: new ResponseCache(options.store.cache),
  })
  await app.register(seedChatRoutes, { prefix: '/api', store: options.store })
  return app
}

/**
 * Fastify's logger options with the request URL's query values redacted (log-redaction.ts): a
 * ready logger (pino) gets a child with the serializer, options get it added.
 */
function withRedactedUrls(
  logger: AppOptions['logger'],
): Pick<FastifyServerOptions, 'logger' | 'loggerInstance'> {
  const serializers = { req: serializeRequest }
  if (isLogger(logger)) return { loggerInstance: logger.child({}, { serializers }) }
  if (logger === undefined || logger === false) return { logger: false }
  const given = logger === true ? {} : logger
  return { logger: { ...given, serializers: { ...given.serializers, ...serializers } } }
}

/** A ready logger (pino), as opposed to options for Fastify to make one from. */
function isLogger(value: AppOptions['logger']): value is FastifyBaseLogger {
  return typeof value === 'object' && typeof (value as { child?: unknown }).child === 'function'
}
