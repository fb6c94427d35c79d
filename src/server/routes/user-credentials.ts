import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { ApiKeySchema, AuthSessionSchema, CredentialListSchema } from '../../schemas/auth.js'
import type { AuthService } from '../../services/auth.js'
import type { Store } from '../../store.js'
import { principalOf } from '../plugins/auth.js'
import { inQuery } from '../in-query.js'
import { clientOf } from './auth.js'
import { errorResponses, IdParams, NoContent, PageOf } from '../schemas/common.js'

const tags = ['users']
const CredentialParams = Type.Object(
  { id: Type.String({ maxLength: 64 }), credential_id: Type.String({ maxLength: 64 }) },
  { additionalProperties: false },
)

/**
 * An admin's view of another user's sessions and API keys, to end a stolen login or a leaked
 * key. Each revocation is audited with the admin as actor and the owner in its details.
 */
export const userCredentialRoutes: FastifyPluginAsyncTypebox<{
  store: Store
  auth: AuthService
}> = async (app, { store, auth }) => {
  app.addHook('onRequest', app.requireAdmin)

  const actingAdmin = (request: FastifyRequest) => ({
    ...clientOf(request),
    actor_id: principalOf(request).user_id,
  })

  app.get(
    '/users/:id/sessions',
    {
      schema: {
        operationId: 'listUserSessions',
        tags,
        summary: "A user's live sessions, newest first (admin)",
        params: IdParams,
        querystring: CredentialListSchema,
        response: { 200: PageOf(AuthSessionSchema), ...errorResponses(403, 404) },
      },
    },
    async (request) => {
      const user = await store.users.get(request.params.id)
      const current = principalOf(request).session_id
      const page = await inQuery(request.query, auth.listSessions(user.id, current, request.query))
      return { object: 'list' as const, ...page }
    },
  )

  app.delete(
    '/users/:id/sessions/:credential_id',
    {
      schema: {
        operationId: 'deleteUserSession',
        tags,
        summary: "End one of a user's sessions (admin)",
        params: CredentialParams,
        response: { 204: NoContent, ...errorResponses(403, 404) },
      },
    },
    async (request, reply) => {
      const { id, credential_id } = request.params
      await auth.revokeSession(id, credential_id, actingAdmin(request))
      return reply.code(204).send(null)
    },
  )

  app.get(
    '/users/:id/api-keys',
    {
      schema: {
        operationId: 'listUserApiKeys',
        tags,
        summary: "A user's live API keys, newest first, without their secrets (admin)",
        params: IdParams,
        querystring: CredentialListSchema,
        response: { 200: PageOf(ApiKeySchema), ...errorResponses(403, 404) },
      },
    },
    async (request) => {
      const user = await store.users.get(request.params.id)
      const page = await inQuery(request.query, auth.listApiKeys(user.id, request.query))
      return { object: 'list' as const, ...page }
    },
  )

  app.delete(
    '/users/:id/api-keys/:credential_id',
    {
      schema: {
        operationId: 'deleteUserApiKey',
        tags,
        summary: "Revoke one of a user's API keys (admin)",
        params: CredentialParams,
        response: { 204: NoContent, ...errorResponses(403, 404) },
      },
    },
    async (request, reply) => {
      const { id, credential_id } = request.params
      await auth.revokeApiKey(id, credential_id, actingAdmin(request))
      return reply.code(204).send(null)
    },
  )
}
