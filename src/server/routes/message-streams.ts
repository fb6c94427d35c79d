import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ChatkeepError } from '../../errors.js'
import { AbortSchema, DeltaSchema, FinishSchema } from '../../schemas/inputs.js'
import type { StreamEvent } from '../../services/stream-follower.js'
import type { Store } from '../../store.js'
import { storeFor } from '../plugins/auth.js'
import { errorResponses, IdParams, NoContent } from '../schemas/common.js'

const tags = ['messages']
const Message = Type.Ref('Message')

/** Where a follower resumes: the `id` of the last event it received, an offset in the content. */
const StreamHeaders = Type.Object({
  'last-event-id': Type.Optional(
    Type.String({
      pattern: '^[0-9]{1,10}$',
      description:
        'The `id` of the last event received: the stream goes on after that many characters (UTF-16 code units) of content.',
    }),
  ),
})

/** One event as text/event-stream: its offset as the id, its data as one JSON line. */
function frame(event: StreamEvent): string {
  const data = event.type === 'end' ? event.message : { content: event.content }
  return `event: ${event.type}\nid: ${event.offset}\ndata: ${JSON.stringify(data)}\n\n`
}

/**
 * Live replies over HTTP: deltas, finish, abort, and following a message as Server-Sent Events.
 * Registered by messageRoutes, whose Message schema and signed-in hook it shares.
 */
export const messageStreamRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (
  app,
  { store },
) => {
  app.post(
    '/messages/:id/deltas',
    {
      schema: {
        operationId: 'appendMessageDelta',
        tags,
        summary: 'Add text to a streaming message',
        description:
          'Accepted at once (204) and stored with the next checkpoint (within `STREAM_CHECKPOINT_MS`); `finish` stores every delta accepted before it. A message that is no longer streaming answers 409 `message_not_streaming`.',
        params: IdParams,
        body: DeltaSchema,
        response: { 204: NoContent, ...errorResponses(404, 409, 413) },
      },
    },
    async (request, reply) => {
      await storeFor(store, request).messages.appendDelta(request.params.id, request.body)
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/messages/:id/finish',
    {
      schema: {
        operationId: 'finishMessage',
        tags,
        summary: 'End a streaming message as complete',
        description:
          "Stores its last deltas, tokens_used, finish_reason and metadata, and moves the conversation's total_tokens, in one transaction. Finishing it again answers the message as it was finished.",
        params: IdParams,
        body: Type.Optional(FinishSchema),
        response: { 200: Message, ...errorResponses(404, 409) },
      },
    },
    async (request) =>
      storeFor(store, request).messages.finish(request.params.id, request.body ?? {}),
  )

  app.post(
    '/messages/:id/abort',
    {
      schema: {
        operationId: 'abortMessage',
        tags,
        summary: 'End a streaming message as aborted, keeping what arrived',
        params: IdParams,
        body: Type.Optional(AbortSchema),
        response: { 200: Message, ...errorResponses(404, 409) },
      },
    },
    async (request) =>
      storeFor(store, request).messages.abort(request.params.id, request.body ?? {}),
  )

  app.get(
    '/messages/:id/stream',
    {
      schema: {
        operationId: 'streamMessage',
        tags,
        summary: 'Follow a message as Server-Sent Events',
        description:
          'Events: `content` (the content stored so far), then `delta` for each checkpoint, then `end` with the message as it ended; each `data` is JSON and each `id` the offset reached. Reconnecting with `Last-Event-ID` goes on from there. Works from any instance, for a message that is streaming or has ended.',
        params: IdParams,
        headers: StreamHeaders,
        response: {
          200: {
            description: 'text/event-stream',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
          ...errorResponses(404),
        },
      },
    },
    async (request, reply) => {
      const after = Number(request.headers['last-event-id'] ?? 0)
      const closed = new AbortController()
      const events = storeFor(store, request).messages.follow(request.params.id, {
        after,
        signal: closed.signal,
      })
      // The first event is read before answering, so a missing message is a plain 404.
      const first = await events.next()
      await request.auditRead(
        'message.stream',
        { type: 'message', id: request.params.id },
        {
          after,
        },
      )
      reply.hijack()
      const raw = reply.raw
      raw.on('close', () => closed.abort())
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
        'x-request-id': String(request.id),
      })
      try {
        if (!first.done) raw.write(frame(first.value))
        for await (const event of events) raw.write(frame(event))
      } catch (error) {
        const problem =
          error instanceof ChatkeepError
            ? error
            : new ChatkeepError('internal', 'The stream failed.')
        raw.write(
          `event: error\ndata: ${JSON.stringify({ code: problem.code, detail: problem.message })}\n\n`,
        )
        request.log.warn({ err: error }, 'message stream ended by an error')
      } finally {
        raw.end()
      }
    },
  )
}
