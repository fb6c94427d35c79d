import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import {
  SearchPageSchema,
  SearchQuerySchema,
  SimilarMessagesQuerySchema,
  SimilarMessagesResultSchema,
  SimilarQuerySchema,
  SimilarResultSchema,
} from '../../schemas/search.js'
import type { Store } from '../../store.js'
import { inQuery } from '../in-query.js'
import { storeFor } from '../plugins/auth.js'
import { errorResponses } from '../schemas/common.js'

export const searchRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  app.addHook('onRequest', app.requireUser)

  app.get(
    '/search',
    {
      schema: {
        operationId: 'search',
        tags: ['search'],
        summary: "Full-text search over the caller's messages or readable documents",
        description:
          'Every word of `q` must occur (whole words, any case, unstemmed). Best hits first, with a `<mark>`-highlighted snippet; page with `after` = the previous `next_cursor`. Soft-deleted rows never show.',
        querystring: SearchQuerySchema,
        response: { 200: SearchPageSchema, ...errorResponses() },
      },
    },
    async (request) => {
      const page = await inQuery(
        request.query,
        storeFor(store, request).search.search(request.query),
      )
      await request.auditRead('search.read', null, {
        scope: request.query.scope ?? 'messages',
        hits: page.data.length,
      })
      return { object: 'list' as const, ...page }
    },
  )

  app.post(
    '/search/similar',
    {
      schema: {
        operationId: 'searchSimilar',
        tags: ['search'],
        summary: 'The chunks most similar to an embedding (cosine), best first',
        description:
          "Exact top-k over the embeddings of the chunks the caller may read whose dimension is the query's. Chatkeep never computes embeddings: send the vector your model made.",
        body: SimilarQuerySchema,
        response: { 200: SimilarResultSchema, ...errorResponses() },
      },
    },
    async (request) => {
      const result = await storeFor(store, request).search.similar(request.body)
      await request.auditRead('search.similar', null, { hits: result.data.length })
      return { object: 'list' as const, ...result }
    },
  )

  app.post(
    '/search/messages/similar',
    {
      schema: {
        operationId: 'searchSimilarMessages',
        tags: ['search'],
        summary: "The caller's messages most similar to an embedding (cosine), best first",
        description:
          "Semantic recall of history: top-k over the embeddings of the caller's own live messages whose dimension is the query's (an admin's: everyone's), filtered by `conversation_id` and `role` inside the search. Messages carry an embedding when the app sent one with the append or with `PUT /v1/messages/{id}/embedding`.",
        body: SimilarMessagesQuerySchema,
        response: { 200: SimilarMessagesResultSchema, ...errorResponses() },
      },
    },
    async (request) => {
      const result = await storeFor(store, request).search.similarMessages(request.body)
      await request.auditRead('search.similar_messages', null, { hits: result.data.length })
      return { object: 'list' as const, ...result }
    },
  )
}
