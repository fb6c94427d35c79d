import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ResponseCache } from '../../cache/response-cache.js'
import { notFound } from '../../errors.js'
import {
  CachedResponseSchema,
  NewCachedResponseSchema,
  ResponseKeyParams,
  ResponseLookupResultSchema,
  ResponseLookupSchema,
  StoredResponseSchema,
} from '../../schemas/response-cache.js'
import { principalOf } from '../plugins/auth.js'
import { errorResponses, NoContent } from '../schemas/common.js'

const tags = ['cache']

const SCOPE =
  'Entries belong to the caller: the same key asked by another user is a miss, and an admin ' +
  'sees only their own.'

/**
 * The AI response cache (seed 003): apps keep a model's answer under the hash of what they
 * asked, and look it up before asking again. Any authenticated caller; an API key needs `read`
 * to look up and `write` to store or delete.
 */
export const responseCacheRoutes: FastifyPluginAsyncTypebox<{ responses: ResponseCache }> = async (
  app,
  { responses },
) => {
  app.addHook('onRequest', app.requireUser)

  app.post(
    '/cache/responses',
    {
      schema: {
        operationId: 'cacheResponse',
        tags,
        summary: 'Keep a model’s response',
        description:
          'Stored under `key` = SHA-256 of the canonical JSON (keys sorted) of `{model, prompt, parameters}`, ' +
          'replacing any entry under it, for `ttl_s` seconds (one hour by default, 7 days at most). ' +
          `The response may be any JSON value of at most 256 KiB. ${SCOPE} ` +
          '503 when the cache cannot store (its Redis is unreachable): nothing was stored.',
        body: NewCachedResponseSchema,
        response: { 201: StoredResponseSchema, ...errorResponses(403, 413) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await responses.store(principalOf(request).user_id, request.body)),
  )

  app.post(
    '/cache/responses/lookup',
    {
      schema: {
        operationId: 'lookUpCachedResponse',
        tags,
        summary: 'Look a response up by what was asked',
        description:
          'A hit answers the response with when it was cached and when it expires; a miss answers ' +
          `\`{hit: false, key}\`. While the cache is unreachable every lookup is a miss. ${SCOPE}`,
        body: ResponseLookupSchema,
        response: { 200: ResponseLookupResultSchema, ...errorResponses(403) },
      },
    },
    async (request) => responses.lookup(principalOf(request).user_id, request.body),
  )

  app.get(
    '/cache/responses/:key',
    {
      schema: {
        operationId: 'getCachedResponse',
        tags,
        summary: 'Read a cached response by its key',
        description: `404 when there is none (expired, deleted, or never stored). ${SCOPE}`,
        params: ResponseKeyParams,
        response: { 200: CachedResponseSchema, ...errorResponses(403, 404) },
      },
    },
    async (request) => {
      const { key } = request.params
      const found = await responses.get(principalOf(request).user_id, key)
      if (found === undefined) throw notFound('cached response', key)
      return found
    },
  )

  app.delete(
    '/cache/responses/:key',
    {
      schema: {
        operationId: 'deleteCachedResponse',
        tags,
        summary: 'Forget a cached response',
        description: `404 when the caller has no entry under the key. ${SCOPE}`,
        params: ResponseKeyParams,
        response: { 204: NoContent, ...errorResponses(403, 404) },
      },
    },
    async (request, reply) => {
      const { key } = request.params
      if (!(await responses.delete(principalOf(request).user_id, key))) {
        throw notFound('cached response', key)
      }
      return reply.code(204).send(null)
    },
  )
}
