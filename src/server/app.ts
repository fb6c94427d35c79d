import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Store } from '../store.js'
import { errorHandler, sendProblem } from './problem.js'
import { ChatkeepError } from '../errors.js'
import { type Authenticator, authPlugin } from './plugins/auth.js'
import { ProblemSchema } from './schemas/common.js'
import { conversationRoutes } from './routes/conversations.js'
import { healthRoutes } from './routes/health.js'
import { messageRoutes } from './routes/messages.js'
import { seedChatRoutes } from './routes/seed-chat.js'
import { userRoutes } from './routes/users.js'

export interface AppOptions {
  store: Store
  authenticator: Authenticator
  /** Largest request body in bytes; a message's content is capped separately. */
  body_limit?: number
  /** Trust X-Forwarded-For from a proxy in front (for per-IP limits and audit). */
  trust_proxy?: boolean
  logger?: FastifyServerOptions['logger']
}

/**
 * The HTTP API as a Fastify instance, not yet listening: tests drive it with `inject()`, and
 * `serve` binds it to a port.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.body_limit ?? 4 * 1024 * 1024,
    trustProxy: options.trust_proxy ?? false,
    // Unknown fields are refused, not silently dropped; query strings are coerced to numbers.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.setErrorHandler(errorHandler)
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      new ChatkeepError('not_found', `No route ${request.method} ${request.url.split('?')[0]}.`),
    ),
  )
  app.addSchema(ProblemSchema)

  await app.register(authPlugin, { authenticator: options.authenticator })
  await app.register(healthRoutes, { store: options.store })
  await app.register(userRoutes, { prefix: '/v1', store: options.store })
  await app.register(conversationRoutes, { prefix: '/v1', store: options.store })
  await app.register(messageRoutes, { prefix: '/v1', store: options.store })
  await app.register(seedChatRoutes, { prefix: '/api', store: options.store })
  return app
}
