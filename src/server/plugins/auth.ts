import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { ChatkeepError } from '../../errors.js'
import type { ScopedStore, Store } from '../../store.js'

/** Who is calling: the user behind a bearer token or an API key. */
export interface Principal {
  user_id: string
  role: 'user' | 'admin'
  /** The login session of an access token; null for an API key. */
  session_id: string | null
  api_key_id: string | null
  scopes: string[]
}

/** Checks the credentials of a request; throws `unauthorized` when they do not hold. */
export interface Authenticator {
  authenticate(bearer: string): Promise<Principal>
}

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

/**
 * `onRequest: [app.requireUser]` on a route demands a valid access token or API key
 * (`Authorization: Bearer …`); `requireAdmin` an admin's.
 */
export const authPlugin = fp(
  async (app: FastifyInstance, options: { authenticator: Authenticator }) => {
    app.decorateRequest('principal', null)
    const requireUser = async (request: FastifyRequest) => {
      const match = BEARER.exec(request.headers.authorization ?? '')
      if (match === null) {
        throw new ChatkeepError(
          'unauthorized',
          'Send an access token or API key as `Authorization: Bearer …`.',
        )
      }
      request.principal = await options.authenticator.authenticate(match[1]!)
    }
    app.decorate('requireUser', requireUser)
    app.decorate('requireAdmin', async (request: FastifyRequest) => {
      await requireUser(request)
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
