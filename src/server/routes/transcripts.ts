import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import {
  NewTranscriptSchema,
  TranscriptListSchema,
  TranscriptSchema,
} from '../../schemas/transcripts.js'
import type { Store } from '../../store.js'
import { inQuery } from '../in-query.js'
import { auditContextOf } from '../plugins/audit.js'
import { storeFor } from '../plugins/auth.js'
import { errorResponses, IdParams, NoContent, PageOf } from '../schemas/common.js'

// Transcripts are exports of a conversation: they sit with the conversation routes in the docs.
const tags = ['conversations']
const Transcript = Type.Ref('Transcript')

/** The file as stored: each format comes with its own media type. */
const FileContent = {
  description:
    'The transcript file, byte for byte as stored, with `Content-Disposition: attachment`. Its bytes are checked against the recorded SHA-256 as they are sent; a file damaged in storage ends the response early.',
  content: {
    'application/json': { schema: { type: 'string' } },
    'text/csv': { schema: { type: 'string' } },
    'text/markdown': { schema: { type: 'string' } },
  },
}

export const transcriptRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (
  app,
  { store },
) => {
  app.addSchema({ ...TranscriptSchema, $id: 'Transcript', title: 'Transcript' })
  app.addHook('onRequest', app.requireUser)

  app.post(
    '/conversations/:id/transcripts',
    {
      schema: {
        operationId: 'createTranscript',
        tags,
        summary: 'Export a conversation as a JSON, CSV or Markdown transcript',
        description:
          'Renders the live messages in order, stores the file (the transcript folder, or S3 when configured) and records it with its size, SHA-256 and message count. The row exists only once the file is stored; a storage failure is a 503 that leaves nothing behind. `format` defaults to `json`.',
        params: IdParams,
        body: NewTranscriptSchema,
        response: { 201: Transcript, ...errorResponses(404, 503) },
      },
    },
    async (request, reply) => {
      const transcript = await storeFor(store, request).transcripts.create(
        request.params.id,
        request.body,
        { actor: auditContextOf(request) },
      )
      return reply.code(201).send(transcript)
    },
  )

  app.get(
    '/conversations/:id/transcripts',
    {
      schema: {
        operationId: 'listTranscripts',
        tags,
        summary: "List a conversation's transcripts, newest first",
        params: IdParams,
        querystring: TranscriptListSchema,
        response: { 200: PageOf(Transcript), ...errorResponses(404) },
      },
    },
    async (request) => {
      const page = await inQuery(
        request.query,
        storeFor(store, request).transcripts.list(request.params.id, request.query),
      )
      return { object: 'list' as const, ...page }
    },
  )

  app.get(
    '/transcripts/:id',
    {
      schema: {
        operationId: 'getTranscript',
        tags,
        summary: 'Get a transcript: format, storage, size, SHA-256, message count',
        params: IdParams,
        response: { 200: Transcript, ...errorResponses(404) },
      },
    },
    async (request) => storeFor(store, request).transcripts.get(request.params.id),
  )

  app.get(
    '/transcripts/:id/content',
    {
      schema: {
        operationId: 'downloadTranscript',
        tags,
        summary: 'Download the transcript file',
        params: IdParams,
        response: { 200: FileContent, ...errorResponses(404, 503) },
      },
    },
    async (request, reply) => {
      const file = await storeFor(store, request).transcripts.read(request.params.id)
      await request.auditRead('transcript.download', { type: 'transcript', id: file.transcript.id })
      return reply
        .type(file.content_type)
        .header('content-length', file.transcript.file_size_bytes)
        .header('content-disposition', `attachment; filename="${file.filename}"`)
        .send(file.body)
    },
  )

  app.delete(
    '/transcripts/:id',
    {
      schema: {
        operationId: 'deleteTranscript',
        tags,
        summary: 'Delete a transcript: its file, then its row',
        params: IdParams,
        response: { 204: NoContent, ...errorResponses(404, 503) },
      },
    },
    async (request, reply) => {
      await storeFor(store, request).transcripts.delete(request.params.id, auditContextOf(request))
      return reply.code(204).send(null)
    },
  )
}
