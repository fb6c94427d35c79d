import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ChatkeepError } from '../../errors.js'
import { CitationSchema } from '../../schemas/citations.js'
import { MessageSchema, SiblingSchema } from '../../schemas/data.js'
import {
  type FeedbackListOptions,
  FeedbackListSchema,
  FeedbackReasonSchema,
  FeedbackSchema,
  MessageEmbeddingSchema,
  MessageListSchema,
  type NewMessage,
  NewMessageSchema,
} from '../../schemas/inputs.js'
import { LIMITS } from '../../schemas/limits.js'
import type { Store } from '../../store.js'
import { inQuery } from '../in-query.js'
import { messageStreamRoutes } from './message-streams.js'
import { storeFor } from '../plugins/auth.js'
import { errorResponses, IdParams, NoContent, PageOf } from '../schemas/common.js'

const tags = ['messages']
const Message = Type.Ref('Message')

/** The `Idempotency-Key` header of an append: its request_id, by the IETF draft's name. */
const AppendHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: LIMITS.short_text,
      description:
        "The append's `request_id`, for clients that send idempotency keys as a header. With `request_id` in the body too, the two must be equal.",
    }),
  ),
})

/** The request_id of an append: the body's, or the Idempotency-Key header's; never two. */
function requestIdOf(body: NewMessage, key: string | undefined): NewMessage {
  if (key === undefined) return body
  if (body.request_id === undefined || body.request_id === null) {
    return { ...body, request_id: key }
  }
  if (body.request_id === key) return body
  throw new ChatkeepError(
    'validation_failed',
    '/headers/idempotency-key: differs from request_id in the body; send one of them, or the same value in both.',
    { field: '/headers/idempotency-key' },
  )
}

/**
 * A query string's `rating` arrives as text, and only a number schema converts it; the
 * service then refuses anything but -1 and 1, naming `/query/rating`.
 */
const FeedbackQuery = Type.Composite(
  [
    Type.Omit(FeedbackListSchema, ['rating']),
    Type.Object({
      rating: Type.Optional(
        Type.Integer({ minimum: -1, maximum: 1, description: '-1 (thumbs down) or 1 (up).' }),
      ),
    }),
  ],
  { additionalProperties: false },
)

const ListQuery = Type.Composite(
  [
    MessageListSchema,
    Type.Object({
      last: Type.Optional(
        Type.Integer({
          minimum: 1,
          maximum: LIMITS.page,
          description:
            'The last N messages of the active path (root → active leaf), oldest first: an LLM context window.',
        }),
      ),
      leaf: Type.Optional(
        Type.String({
          format: 'uuid',
          description:
            'Read the path that ends at this message instead of the active one (the last N, default 20, with `last`).',
        }),
      ),
    }),
  ],
  { additionalProperties: false },
)

const ContextQuery = Type.Object(
  {
    max_tokens: Type.Optional(
      Type.Integer({
        minimum: 0,
        description: 'Token budget; the system prompt is kept even over it.',
      }),
    ),
    max_messages: Type.Optional(Type.Integer({ minimum: 0 })),
    leaf: Type.Optional(
      Type.String({
        format: 'uuid',
        description: 'Read the path to this message instead of the active one.',
      }),
    ),
  },
  { additionalProperties: false },
)

const ContextWindow = Type.Object({
  messages: Type.Array(
    Type.Object({
      message: Message,
      tokens: Type.Integer({ minimum: 0 }),
      token_source: Type.Union([Type.Literal('tokens_used'), Type.Literal('estimate')]),
    }),
  ),
  total_tokens: Type.Integer({ minimum: 0 }),
  total_messages: Type.Integer({ minimum: 0 }),
  omitted: Type.Integer({ minimum: 0 }),
  truncated: Type.Boolean(),
})

export const messageRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (
  app,
  { store },
) => {
  app.addSchema({ ...MessageSchema, $id: 'Message', title: 'Message' })
  app.addHook('onRequest', app.requireUser)
  // Within this plugin, so that it shares the Message schema and the hook.
  await app.register(messageStreamRoutes, { store })

  app.post(
    '/conversations/:id/messages',
    {
      schema: {
        operationId: 'appendMessage',
        tags,
        summary: 'Append a message',
        description:
          'The message gets the next sequence number. With `request_id` (or the `Idempotency-Key` header), a replay of the same append returns the first message; the same key with a different body is a 409.',
        params: IdParams,
        headers: AppendHeaders,
        body: NewMessageSchema,
        response: { 201: Message, ...errorResponses(404, 409, 413) },
      },
    },
    async (request, reply) => {
      const message = await storeFor(store, request).messages.append(
        request.params.id,
        requestIdOf(request.body, request.headers['idempotency-key']),
      )
      return reply.code(201).send(message)
    },
  )

  app.post(
    '/conversations/:id/messages/batch',
    {
      schema: {
        operationId: 'appendMessages',
        tags,
        summary: 'Append several messages in one transaction (all or none)',
        params: IdParams,
        body: Type.Object(
          { messages: Type.Array(NewMessageSchema, { minItems: 1, maxItems: LIMITS.batch }) },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ object: Type.Literal('list'), data: Type.Array(Message) }),
          ...errorResponses(404, 409, 413),
        },
      },
    },
    async (request, reply) => {
      const data = await storeFor(store, request).messages.appendMany(
        request.params.id,
        request.body.messages,
      )
      return reply.code(201).send({ object: 'list' as const, data })
    },
  )

  app.get(
    '/conversations/:id/messages',
    {
      schema: {
        operationId: 'listMessages',
        tags,
        summary: 'List every message in sequence order, or the last N of a path',
        description:
          'Without `last` or `leaf`: every live message of every branch in sequence order, each with its `parent_id`, to draw the tree. With `last` and/or `leaf`: the last N live messages of the path to the active leaf (or to `leaf`).',
        params: IdParams,
        querystring: ListQuery,
        response: { 200: PageOf(Message), ...errorResponses(404) },
      },
    },
    async (request) => {
      const { last, leaf, ...options } = request.query
      const messages = storeFor(store, request).messages
      const conversation = { type: 'conversation', id: request.params.id }
      if (last === undefined && leaf === undefined) {
        const page = await inQuery(options, messages.list(request.params.id, options))
        await request.auditRead('messages.read', conversation, { messages: page.data.length })
        return { object: 'list' as const, ...page }
      }
      if (Object.keys(options).length > 0) {
        const field = last === undefined ? '/query/leaf' : '/query/last'
        throw new ChatkeepError('validation_failed', `${field}: use it without other options.`, {
          field,
        })
      }
      const page = await messages.lastPage(
        request.params.id,
        last ?? LIMITS.default_page,
        leaf === undefined ? {} : { leaf },
      )
      await request.auditRead('messages.read', conversation, {
        messages: page.data.length,
        ...(leaf === undefined ? {} : { leaf }),
      })
      return { object: 'list' as const, ...page }
    },
  )

  app.get(
    '/conversations/:id/context',
    {
      schema: {
        operationId: 'getContext',
        tags,
        summary: 'The messages to send an LLM, within a budget',
        description:
          'The newest messages of the active path (or the path to `leaf`) that fit `max_tokens` and `max_messages`, oldest first: the leading system messages always, a tool call never without its results, and the latest compaction summary (`metadata.summary_of`) in place of what it covers. Tokens are `tokens_used`, or ceil(characters / 4) + 4 where that is 0 (`token_source: "estimate"`).',
        params: IdParams,
        querystring: ContextQuery,
        response: { 200: ContextWindow, ...errorResponses(404) },
      },
    },
    async (request) => {
      const context = await storeFor(store, request).messages.context(
        request.params.id,
        request.query,
      )
      await request.auditRead(
        'conversation.context',
        { type: 'conversation', id: request.params.id },
        { messages: context.messages.length },
      )
      return context
    },
  )

  app.get(
    '/messages/:id',
    {
      schema: {
        operationId: 'getMessage',
        tags,
        summary: 'Get a message',
        params: IdParams,
        response: { 200: Message, ...errorResponses(404) },
      },
    },
    async (request) => {
      const message = await storeFor(store, request).messages.get(request.params.id)
      await request.auditRead(
        'message.read',
        { type: 'message', id: message.id },
        {
          conversation_id: message.conversation_id,
        },
      )
      return message
    },
  )

  app.get(
    '/messages/:id/siblings',
    {
      schema: {
        operationId: 'listMessageSiblings',
        tags,
        summary: 'The alternatives at a message: edits and regenerations ("2 / 3")',
        description:
          'The message and the live messages that share its parent, oldest first, each with its `position` and `newest_leaf_id` (the leaf to switch to with `PATCH /v1/conversations/{id}`).',
        params: IdParams,
        response: {
          200: Type.Object({ object: Type.Literal('list'), data: Type.Array(SiblingSchema) }),
          ...errorResponses(404),
        },
      },
    },
    async (request) => ({
      object: 'list' as const,
      data: await storeFor(store, request).messages.siblings(request.params.id),
    }),
  )

  app.get(
    '/messages/:id/citations',
    {
      schema: {
        operationId: 'listMessageCitations',
        tags,
        summary: 'Whether the chunks a message cites are current, changed or deleted',
        description:
          "Reads the `{ chunk_id, content_hash, score }` entries of the message's `context_documents` against the chunks stored now.",
        params: IdParams,
        response: {
          200: Type.Object({ object: Type.Literal('list'), data: Type.Array(CitationSchema) }),
          ...errorResponses(404),
        },
      },
    },
    async (request) => ({
      object: 'list' as const,
      data: await storeFor(store, request).messages.citations(request.params.id),
    }),
  )

  app.delete(
    '/messages/:id',
    {
      schema: {
        operationId: 'deleteMessage',
        tags,
        summary: 'Soft-delete a message',
        params: IdParams,
        response: { 204: NoContent, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      await storeFor(store, request).messages.delete(request.params.id)
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/messages/:id/restore',
    {
      schema: {
        operationId: 'restoreMessage',
        tags,
        summary: 'Restore a soft-deleted message',
        params: IdParams,
        response: { 200: Message, ...errorResponses(404) },
      },
    },
    async (request) => storeFor(store, request).messages.restore(request.params.id),
  )

  app.put(
    '/messages/:id/feedback',
    {
      schema: {
        operationId: 'setMessageFeedback',
        tags,
        summary: 'Set thumbs up (1), down (-1) or clear (null), with a reason',
        description:
          '`feedback_reason` is what the user said about the answer; clearing the rating clears it.',
        params: IdParams,
        body: Type.Object(
          { feedback: FeedbackSchema, feedback_reason: Type.Optional(FeedbackReasonSchema) },
          { additionalProperties: false },
        ),
        response: { 200: Message, ...errorResponses(404) },
      },
    },
    async (request) =>
      storeFor(store, request).messages.setFeedback(
        request.params.id,
        request.body.feedback,
        request.body.feedback_reason ?? null,
      ),
  )

  app.put(
    '/messages/:id/embedding',
    {
      schema: {
        operationId: 'setMessageEmbedding',
        tags,
        summary: "Set, replace or clear (null) a message's embedding, for semantic recall",
        description:
          'The vector your model made of the message (1 to 4096 numbers), indexed in the same transaction; `POST /v1/search/messages/similar` finds it. Chatkeep never computes embeddings and never hands them back.',
        params: IdParams,
        body: MessageEmbeddingSchema,
        response: { 204: NoContent, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      await storeFor(store, request).messages.setEmbedding(request.params.id, request.body)
      return reply.code(204).send(null)
    },
  )

  app.get(
    '/feedback',
    {
      schema: {
        operationId: 'listFeedback',
        tags,
        summary: 'List rated messages, newest first',
        description:
          "The caller's rated messages (an admin's: everyone's), with `feedback` and `feedback_reason`; `rating=-1` keeps only thumbs down. Page with `after` = the previous page's `last_id`.",
        querystring: FeedbackQuery,
        response: { 200: PageOf(Message), ...errorResponses() },
      },
    },
    async (request) => ({
      object: 'list' as const,
      ...(await inQuery(
        request.query,
        storeFor(store, request).messages.listFeedback(request.query as FeedbackListOptions),
      )),
    }),
  )
}
