import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ChatkeepError } from '../../errors.js'
import { ConversationSchema } from '../../schemas/data.js'
import {
  ConversationListSchema,
  ConversationUpdateSchema,
  ForkSchema,
  NewConversationSchema,
} from '../../schemas/inputs.js'
import type { Store } from '../../store.js'
import { inQuery } from '../in-query.js'
import { auditContextOf } from '../plugins/audit.js'
import { storeFor } from '../plugins/auth.js'
import { errorResponses, IdParams, NoContent, PageOf } from '../schemas/common.js'

const tags = ['conversations']
const Conversation = Type.Ref('Conversation')

const target = (id: string) => ({ type: 'conversation', id })

const DiscordBody = Type.Composite(
  [
    Type.Omit(NewConversationSchema, ['discord_channel_id']),
    Type.Object({ discord_channel_id: Type.String({ minLength: 1, maxLength: 200 }) }),
  ],
  { additionalProperties: false },
)

const ListQuery = Type.Composite(
  [ConversationListSchema, Type.Object({ user_id: Type.Optional(Type.String({ maxLength: 36 })) })],
  { additionalProperties: false },
)

export const conversationRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (
  app,
  { store },
) => {
  app.addSchema({ ...ConversationSchema, $id: 'Conversation', title: 'Conversation' })
  app.addHook('onRequest', app.requireUser)

  app.post(
    '/conversations',
    {
      schema: {
        operationId: 'createConversation',
        tags,
        summary: 'Create a conversation',
        body: NewConversationSchema,
        response: { 201: Conversation, ...errorResponses(403, 404, 409) },
      },
    },
    async (request, reply) => {
      const conversation = await storeFor(store, request).conversations.create(request.body)
      return reply.code(201).send(conversation)
    },
  )

  app.get(
    '/conversations',
    {
      schema: {
        operationId: 'listConversations',
        tags,
        summary: "List the caller's live conversations, most recently active first",
        description:
          "Admins see every user's conversations, or one user's with `user_id`. Page with `after` = the previous page's `last_id`.",
        querystring: ListQuery,
        response: { 200: PageOf(Conversation), ...errorResponses() },
      },
    },
    async (request) => {
      const { user_id, ...options } = request.query
      const scoped = storeFor(store, request)
      if (user_id !== undefined && 'user_id' in scoped && scoped.user_id !== user_id) {
        throw new ChatkeepError('forbidden', '/query/user_id: only admins list other users.', {
          field: '/query/user_id',
        })
      }
      const page = await inQuery(
        request.query,
        scoped.conversations.list({ ...options, ...(user_id !== undefined ? { user_id } : {}) }),
      )
      return { object: 'list' as const, ...page }
    },
  )

  app.post(
    '/conversations/discord',
    {
      schema: {
        operationId: 'findOrCreateDiscordConversation',
        tags,
        summary: 'Find or create the conversation bound to a Discord channel',
        body: DiscordBody,
        response: { 200: Conversation, 201: Conversation, ...errorResponses(403, 404, 409) },
      },
    },
    async (request, reply) => {
      const { discord_channel_id, ...defaults } = request.body
      const { conversation, created } = await storeFor(
        store,
        request,
      ).conversations.findOrCreateByDiscordChannel(discord_channel_id, defaults)
      return reply.code(created ? 201 : 200).send(conversation)
    },
  )

  app.get(
    '/conversations/:id',
    {
      schema: {
        operationId: 'getConversation',
        tags,
        summary: 'Get a conversation',
        description: 'Audited as `conversation.read` (docs/audit-and-config.md).',
        params: IdParams,
        response: { 200: Conversation, ...errorResponses(404) },
      },
    },
    async (request) => {
      const conversation = await storeFor(store, request).conversations.get(request.params.id)
      await request.auditRead('conversation.read', target(conversation.id), {
        owner_id: conversation.user_id,
      })
      return conversation
    },
  )

  app.patch(
    '/conversations/:id',
    {
      schema: {
        operationId: 'updateConversation',
        tags,
        summary: 'Update title, metadata, parameters or status, or switch branch',
        description:
          '`active_leaf_id` switches branch: reads of the conversation then follow the path to that message, and appends continue it.',
        params: IdParams,
        body: ConversationUpdateSchema,
        response: { 200: Conversation, ...errorResponses(404) },
      },
    },
    async (request) =>
      storeFor(store, request).conversations.update(request.params.id, request.body),
  )

  app.post(
    '/conversations/:id/fork',
    {
      schema: {
        operationId: 'forkConversation',
        tags,
        summary: 'Copy the path to a message into a new conversation',
        description:
          'Copies the live messages of the path root → `message_id` (the active leaf when absent) into a new conversation of the same owner, with `forked_from` naming the source.',
        params: IdParams,
        body: ForkSchema,
        response: { 201: Conversation, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const fork = await storeFor(store, request).conversations.fork(
        request.params.id,
        request.body,
      )
      return reply.code(201).send(fork)
    },
  )

  app.delete(
    '/conversations/:id',
    {
      schema: {
        operationId: 'deleteConversation',
        tags,
        summary: 'Soft-delete a conversation and its messages',
        description: 'Audited as `conversation.delete`.',
        params: IdParams,
        response: { 204: NoContent, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      await storeFor(store, request).conversations.delete(
        request.params.id,
        auditContextOf(request),
      )
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/conversations/:id/restore',
    {
      schema: {
        operationId: 'restoreConversation',
        tags,
        summary: 'Restore a soft-deleted conversation with its messages',
        description: 'Audited as `conversation.restore`.',
        params: IdParams,
        response: { 200: Conversation, ...errorResponses(404) },
      },
    },
    async (request) => {
      return storeFor(store, request).conversations.restore(
        request.params.id,
        auditContextOf(request),
      )
    },
  )
}
