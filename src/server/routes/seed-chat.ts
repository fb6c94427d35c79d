import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ConversationStatusSchema, RoleSchema } from '../../schemas/data.js'
import { LIMITS } from '../../schemas/limits.js'
import type { Store } from '../../store.js'
import { auditContextOf } from '../plugins/audit.js'
import { principalOf } from '../plugins/auth.js'
import { errorResponses } from '../schemas/common.js'

/**
 * The routes of the hand-built chat layer apps move over from (seed 000): sessions are
 * conversations, and a session's messages come back as its active branch, root first, without deleted ones.
 */
const tags = ['seed compatibility']

const Session = Type.Object({
  id: Type.String(),
  title: Type.Union([Type.String(), Type.Null()]),
  status: ConversationStatusSchema,
  message_count: Type.Integer(),
  total_tokens: Type.Integer(),
  session_metadata: Type.Record(Type.String(), Type.Unknown()),
  created_at: Type.String(),
  last_activity: Type.String(),
})

const SessionMessage = Type.Object({
  id: Type.String(),
  sequence: Type.Integer(),
  role: RoleSchema,
  content: Type.String(),
  tokens_used: Type.Integer(),
  model_version: Type.Union([Type.String(), Type.Null()]),
  context_documents: Type.Array(Type.Unknown()),
  message_metadata: Type.Record(Type.String(), Type.Unknown()),
  timestamp: Type.String(),
})

const toSession = (c: Awaited<ReturnType<Store['conversations']['get']>>) => ({
  id: c.id,
  title: c.title,
  status: c.status,
  message_count: c.message_count,
  total_tokens: c.total_tokens,
  session_metadata: c.metadata,
  created_at: c.created_at,
  last_activity: c.last_activity,
})

const toSessionMessage = (m: Awaited<ReturnType<Store['messages']['get']>>) => ({
  id: m.id,
  sequence: m.sequence,
  role: m.role,
  content: m.content,
  tokens_used: m.tokens_used,
  model_version: m.model_version,
  context_documents: m.context_documents,
  message_metadata: m.metadata,
  timestamp: m.created_at,
})

const SessionParams = Type.Object(
  { id: Type.String({ maxLength: 64 }) },
  { additionalProperties: false },
)

export const seedChatRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (
  app,
  { store },
) => {
  app.addHook('onRequest', app.requireUser)

  app.post(
    '/chat/message',
    {
      schema: {
        operationId: 'saveChatMessage',
        tags,
        summary: 'Save a chat message, starting a session when none is given',
        body: Type.Object(
          {
            session_id: Type.Optional(Type.String({ maxLength: 64 })),
            message: Type.String({ minLength: 1, maxLength: LIMITS.content }),
            role: Type.Optional(RoleSchema),
            title: Type.Optional(Type.String({ maxLength: LIMITS.title })),
            request_id: Type.Optional(Type.String({ maxLength: LIMITS.short_text })),
            tokens_used: Type.Optional(Type.Integer({ minimum: 0 })),
            model_version: Type.Optional(Type.String({ maxLength: LIMITS.short_text })),
            sources: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 1000 })),
            metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({
            session_id: Type.String(),
            message_id: Type.String(),
            sequence: Type.Integer(),
            message_count: Type.Integer(),
          }),
          ...errorResponses(404, 409),
        },
      },
    },
    async (request, reply) => {
      const mine = store.forUser(principalOf(request).user_id)
      const body = request.body
      const sessionId =
        body.session_id ??
        (
          await mine.conversations.create({
            title: body.title ?? body.message.slice(0, 80),
            origin: 'website',
          })
        ).id
      const message = await mine.messages.append(sessionId, {
        role: body.role ?? 'user',
        content: body.message,
        ...(body.request_id !== undefined ? { request_id: body.request_id } : {}),
        ...(body.tokens_used !== undefined ? { tokens_used: body.tokens_used } : {}),
        ...(body.model_version !== undefined ? { model_version: body.model_version } : {}),
        ...(body.sources !== undefined ? { context_documents: body.sources } : {}),
        ...(body.metadata !== undefined ? { metadata: body.metadata } : {}),
      })
      return reply.code(201).send({
        session_id: sessionId,
        message_id: message.id,
        sequence: message.sequence,
        message_count: message.sequence,
      })
    },
  )

  app.get(
    '/chat/sessions',
    {
      schema: {
        operationId: 'listChatSessions',
        tags,
        summary: "The caller's live sessions, most recent first, with message counts",
        querystring: Type.Object(
          { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.page })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ sessions: Type.Array(Session) }), ...errorResponses() },
      },
    },
    async (request) => {
      const mine = store.forUser(principalOf(request).user_id)
      const page = await mine.conversations.list({ limit: request.query.limit ?? 50 })
      return { sessions: page.data.map(toSession) }
    },
  )

  app.get(
    '/chat/sessions/:id',
    {
      schema: {
        operationId: 'getChatSession',
        tags,
        summary: 'A live session with the messages of its active branch, oldest first',
        description: 'Audited as `conversation.read` (docs/audit-and-config.md).',
        params: SessionParams,
        response: {
          200: Type.Object({ session: Session, messages: Type.Array(SessionMessage) }),
          ...errorResponses(404),
        },
      },
    },
    async (request) => {
      const mine = store.forUser(principalOf(request).user_id)
      const conversation = await mine.conversations.get(request.params.id)
      const messages = (await mine.messages.path(conversation.id)).map(toSessionMessage)
      await request.auditRead(
        'conversation.read',
        { type: 'conversation', id: conversation.id },
        { owner_id: conversation.user_id },
      )
      return { session: toSession(conversation), messages }
    },
  )

  app.delete(
    '/chat/sessions/:id',
    {
      schema: {
        operationId: 'deleteChatSession',
        tags,
        summary: 'Soft-delete a session and its messages (recoverable)',
        params: SessionParams,
        response: {
          200: Type.Object({ success: Type.Boolean(), session_id: Type.String() }),
          ...errorResponses(404),
        },
      },
    },
    async (request) => {
      const mine = store.forUser(principalOf(request).user_id)
      await mine.conversations.delete(request.params.id, auditContextOf(request))
      return { success: true, session_id: request.params.id }
    },
  )
}
