import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { ChatkeepError, isChatkeepError } from '../../errors.js'
import type { Authenticator, Principal } from '../../auth/principal.js'
import type { ScopedStore, Store } from '../../store.js'

export type { Authenticator, Principal } from '../../auth/principal.js'

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null
  }
  interface FastifyInstance {
    requireUser: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
    requireAdmin: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
  }
}

const BEARER = /^Bearer\s+(\S+)$/i

/** The credential of an `Authorization: Bearer …` header; undefined without one. */
export const bearerOf = (authorization: string | undefined): string | undefined =>
  BEARER.exec(authorization ?? '')?.[1]
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * `onRequest: [app.requireUser]` on a route demands a valid access token or API key
 * (`Authorization: Bearer …`); `requireAdmin` an admin's. An API key needs the `read` scope for
 * GET and HEAD, `write` for every other method.
 */
export const authPlugin = fp(
  async (app: FastifyInstance, options: { authenticator: Authenticator }) => {
    app.decorateRequest('principal', null)
    const requireUser = async (request: FastifyRequest, reply: FastifyReply) => {
      const bearer = bearerOf(request.headers.authorization)
      if (bearer === undefined) {
        reply.header('www-authenticate', 'Bearer realm="chatkeep"')
        throw new ChatkeepError(
          'unauthorized',
          'Send an access token or API key as `Authorization: Bearer …`.',
        )
      }
      const principal = await options.authenticator.authenticate(bearer).catch((error) => {
        // RFC 6750: a refused token says so, so that clients know to refresh it.
        if (isChatkeepError(error, 'unauthorized')) {
          reply.header('www-authenticate', 'Bearer realm="chatkeep", error="invalid_token"')
        }
        throw error
      })
      const needed = READ_METHODS.has(request.method) ? 'read' : 'write'
      if (principal.api_key_id !== null && !principal.scopes.includes(needed)) {
        throw new ChatkeepError('forbidden', `This API key lacks the \`${needed}\` scope.`)
      }
      request.principal = principal
    }
    app.decorate('requireUser', requireUser)
    app.decorate('requireAdmin', async (request: FastifyRequest, reply: FastifyReply) => {
      await requireUser(request, reply)
      if (request.principal?.role !== 'admin') {
        throw new ChatkeepError('forbidden', 'This needs an admin account.')
      }
    })
  },
  { name: 'chatkeep-auth' },
)

/** The caller's view of the store: an admin sees everyone's rows, a user only their own. */
export function storeFor(store: Store, request: FastifyRequest): ScopedStore | Store {
  const principal = request.principal
  if (principal === null) throw new ChatkeepError('unauthorized', 'Authenticate first.')
  return principal.role === 'admin' ? store : store.forUser(principal.user_id)
}

export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === null) throw new ChatkeepError('unauthorized', 'Authenticate first.')
  return request.principal
}
