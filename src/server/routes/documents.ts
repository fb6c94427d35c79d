import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import {
  DocumentListSchema,
  DocumentSchema,
  DocumentUpdateSchema,
  DocumentWithChunksSchema,
  IngestResultSchema,
  NewDocumentSchema,
} from '../../schemas/documents.js'
import type { Store } from '../../store.js'
import { inQuery } from '../in-query.js'
import { storeFor } from '../plugins/auth.js'
import { errorResponses, IdParams, NoContent, PageOf } from '../schemas/common.js'

const tags = ['documents']
const Document = Type.Ref('Document')

export const documentRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (
  app,
  { store },
) => {
  app.addSchema({ ...DocumentSchema, $id: 'Document', title: 'Document' })
  app.addHook('onRequest', app.requireUser)

  app.post(
    '/documents',
    {
      schema: {
        operationId: 'ingestDocument',
        tags,
        summary: 'Ingest a document with its chunks, deduplicated by content hash',
        description:
          'One transaction. A live document of the same owner and `source_url` is replaced (200): chunks whose content is unchanged keep their ids. Each chunk is reported `new` or `duplicate`. Admins may give `user_id`; without one their document is shared.',
        body: NewDocumentSchema,
        response: {
          200: IngestResultSchema,
          201: IngestResultSchema,
          ...errorResponses(403, 404, 409, 413),
        },
      },
    },
    async (request, reply) => {
      const result = await storeFor(store, request).documents.ingest(request.body)
      return reply.code(result.created ? 201 : 200).send(result)
    },
  )

  app.get(
    '/documents',
    {
      schema: {
        operationId: 'listDocuments',
        tags,
        summary: "List the caller's live documents and the shared ones, newest first",
        querystring: DocumentListSchema,
        response: { 200: PageOf(Document), ...errorResponses() },
      },
    },
    async (request) => {
      const page = await inQuery(
        request.query,
        storeFor(store, request).documents.list(request.query),
      )
      return { object: 'list' as const, ...page }
    },
  )

  app.get(
    '/documents/:id',
    {
      schema: {
        operationId: 'getDocument',
        tags,
        summary: 'Get a document with its chunks',
        params: IdParams,
        response: { 200: DocumentWithChunksSchema, ...errorResponses(404) },
      },
    },
    async (request) => storeFor(store, request).documents.get(request.params.id),
  )

  app.patch(
    '/documents/:id',
    {
      schema: {
        operationId: 'updateDocument',
        tags,
        summary: 'Update title, version or metadata',
        params: IdParams,
        body: DocumentUpdateSchema,
        response: { 200: Document, ...errorResponses(403, 404) },
      },
    },
    async (request) => storeFor(store, request).documents.update(request.params.id, request.body),
  )

  app.delete(
    '/documents/:id',
    {
      schema: {
        operationId: 'deleteDocument',
        tags,
        summary: 'Soft-delete a document: its chunks leave every read and search at once',
        params: IdParams,
        response: { 204: NoContent, ...errorResponses(403, 404) },
      },
    },
    async (request, reply) => {
      await storeFor(store, request).documents.delete(request.params.id)
      return reply.code(204).send(null)
    },
  )
}
