import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import type { Principal } from '../../auth/principal.js'
import { ChatkeepError } from '../../errors.js'
import {
  ApiKeySchema,
  AuthSessionSchema,
  CreatedApiKeySchema,
  CredentialListSchema,
  LoginSchema,
  NewApiKeySchema,
  RefreshSchema,
  RegisterSchema,
  TokenResponseSchema,
} from '../../schemas/auth.js'
import type { AuthService } from '../../services/auth.js'
import { principalOf } from '../plugins/auth.js'
import { inQuery } from '../in-query.js'
import { errorResponses, IdParams, NoContent, PageOf } from '../schemas/common.js'

const tags = ['auth']

/** Where the request comes from, for its session and its audit row. */
export const clientOf = (request: FastifyRequest) => ({
  user_agent: request.headers['user-agent'] ?? null,
  ip_address: request.ip,
})

/** Sessions and keys are managed from a login: a leaked API key cannot mint or list others. */
function sessionOf(request: FastifyRequest): Principal & { session_id: string } {
  const principal = principalOf(request)
  if (principal.session_id === null) {
    throw new ChatkeepError(
      'forbidden',
      'Sessions and API keys are managed with an access token from a login, not with an API key.',
    )
  }
  return principal as Principal & { session_id: string }
}

export const authRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService }> = async (
  app,
  { auth },
) => {
  app.post(
    '/auth/register',
    {
      schema: {
        operationId: 'register',
        tags,
        summary: 'Create an account and log in',
        security: [],
        description: 'The username is stored normalized (NFKC, case-folded, trimmed).',
        body: RegisterSchema,
        response: { 201: TokenResponseSchema, ...errorResponses(409) },
      },
    },
    async (request, reply) => {
      const tokens = await auth.register(request.body, clientOf(request))
      return reply.code(201).send(tokens)
    },
  )

  app.post(
    '/auth/login',
    {
      schema: {
        operationId: 'login',
        tags,
        summary: 'Log in with a username and password',
        security: [],
        description:
          'An unknown user and a wrong password get the same 401; a deactivated account gets 403.',
        body: LoginSchema,
        response: { 200: TokenResponseSchema, ...errorResponses(403) },
      },
    },
    async (request) => auth.login(request.body, clientOf(request)),
  )

  app.post(
    '/auth/refresh',
    {
      schema: {
        operationId: 'refreshTokens',
        tags,
        summary: 'Trade a refresh token for a new access token and refresh token',
        security: [],
        description:
          'A refresh token works once. Presented again more than 10 seconds (the grace window) after its use, it ends ' +
          'its session (401). Within those 10 seconds (two tabs refreshing at once) the later ' +
          'request gets a second new pair for the same session.',
        body: RefreshSchema,
        response: { 200: TokenResponseSchema, ...errorResponses(403) },
      },
    },
    async (request) => auth.refresh(request.body.refresh_token, clientOf(request)),
  )

  app.post(
    '/auth/logout',
    {
      onRequest: app.requireUser,
      schema: {
        operationId: 'logout',
        tags,
        summary: 'End the current session',
        description: 'Its access tokens stop working and its refresh tokens are revoked.',
        response: { 204: NoContent, ...errorResponses(403) },
      },
    },
    async (request, reply) => {
      const principal = sessionOf(request)
      await auth.logout(principal.user_id, principal.session_id, clientOf(request))
      return reply.code(204).send(null)
    },
  )

  app.get(
    '/auth/sessions',
    {
      onRequest: app.requireUser,
      schema: {
        operationId: 'listSessions',
        tags,
        summary: "The caller's live sessions, newest first",
        querystring: CredentialListSchema,
        response: { 200: PageOf(AuthSessionSchema), ...errorResponses(403) },
      },
    },
    async (request) => {
      const principal = sessionOf(request)
      const page = await inQuery(
        request.query,
        auth.listSessions(principal.user_id, principal.session_id, request.query),
      )
      return { object: 'list' as const, ...page }
    },
  )

  app.delete(
    '/auth/sessions/:id',
    {
      onRequest: app.requireUser,
      schema: {
        operationId: 'deleteSession',
        tags,
        summary: 'End one of the caller’s sessions',
        params: IdParams,
        response: { 204: NoContent, ...errorResponses(403, 404) },
      },
    },
    async (request, reply) => {
      await auth.revokeSession(sessionOf(request).user_id, request.params.id, clientOf(request))
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/auth/api-keys',
    {
      onRequest: app.requireUser,
      schema: {
        operationId: 'createApiKey',
        tags,
        summary: 'Create an API key',
        description:
          'The answer holds the whole key, shown this once; only its prefix is kept visible.',
        body: NewApiKeySchema,
        response: { 201: CreatedApiKeySchema, ...errorResponses(403) },
      },
    },
    async (request, reply) => {
      const principal = sessionOf(request)
      const key = await auth.createApiKey(
        principal.user_id,
        principal.role,
        request.body,
        clientOf(request),
      )
      return reply.code(201).send(key)
    },
  )

  app.get(
    '/auth/api-keys',
    {
      onRequest: app.requireUser,
      schema: {
        operationId: 'listApiKeys',
        tags,
        summary: "The caller's live API keys, newest first, without their secrets",
        querystring: CredentialListSchema,
        response: { 200: PageOf(ApiKeySchema), ...errorResponses(403) },
      },
    },
    async (request) => {
      const page = await inQuery(
        request.query,
        auth.listApiKeys(sessionOf(request).user_id, request.query),
      )
      return { object: 'list' as const, ...page }
    },
  )

  app.delete(
    '/auth/api-keys/:id',
    {
      onRequest: app.requireUser,
      schema: {
        operationId: 'deleteApiKey',
        tags,
        summary: 'Revoke one of the caller’s API keys',
        params: IdParams,
        response: { 204: NoContent, ...errorResponses(403, 404) },
      },
    },
    async (request, reply) => {
      await auth.revokeApiKey(sessionOf(request).user_id, request.params.id, clientOf(request))
      return reply.code(204).send(null)
    },
  )
}
