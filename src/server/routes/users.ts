import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { UserSchema } from '../../schemas/data.js'
import {
  NewUserSchema,
  type UserUpdate,
  UserListSchema,
  UserUpdateSchema,
} from '../../schemas/inputs.js'
import { LIMITS } from '../../schemas/limits.js'
import type { Store } from '../../store.js'
import { principalOf } from '../plugins/auth.js'
import { inQuery } from '../in-query.js'
import { errorResponses, IdParams, NoContent, PageOf } from '../schemas/common.js'

const tags = ['users']
const User = Type.Ref('User')
const DiscordUserBody = Type.Composite(
  [
    Type.Pick(NewUserSchema, ['display_name', 'email', 'preferences']),
    Type.Object({
      discord_id: Type.String({ minLength: 1, maxLength: LIMITS.short_text }),
      username: Type.Optional(Type.String({ minLength: 1, maxLength: LIMITS.username })),
    }),
  ],
  { additionalProperties: false },
)
const MeUpdate = Type.Pick(UserUpdateSchema, ['display_name', 'email', 'preferences'], {
  additionalProperties: false,
})

export const userRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  app.addSchema({ ...UserSchema, $id: 'User', title: 'User' })

  app.get(
    '/users/me',
    {
      onRequest: app.requireUser,
      schema: {
        operationId: 'getCurrentUser',
        tags,
        summary: 'The caller',
        response: { 200: User, ...errorResponses(404) },
      },
    },
    async (request) => store.users.get(principalOf(request).user_id),
  )

  app.patch(
    '/users/me',
    {
      onRequest: app.requireUser,
      schema: {
        operationId: 'updateCurrentUser',
        tags,
        summary: "Update the caller's display name, email or preferences",
        body: MeUpdate,
        response: { 200: User, ...errorResponses(404, 409) },
      },
    },
    async (request) => store.users.update(principalOf(request).user_id, request.body),
  )

  app.get(
    '/users',
    {
      onRequest: app.requireAdmin,
      schema: {
        operationId: 'listUsers',
        tags,
        summary: 'List users (admin)',
        querystring: UserListSchema,
        response: { 200: PageOf(User), ...errorResponses(403) },
      },
    },
    async (request) => ({
      object: 'list' as const,
      ...(await inQuery(request.query, store.users.list(request.query))),
    }),
  )

  app.post(
    '/users/discord',
    {
      onRequest: app.requireAdmin,
      schema: {
        operationId: 'findOrCreateDiscordUser',
        tags,
        summary: 'Find or create the user bound to a Discord account (admin)',
        description:
          "A bot's way to keep one user per Discord member: 200 with the bound user, or 201 with a new one (named `discord_<id>` unless `username` is given).",
        body: DiscordUserBody,
        response: { 200: User, 201: User, ...errorResponses(403, 409) },
      },
    },
    async (request, reply) => {
      const { discord_id, ...defaults } = request.body
      const { user, created } = await store.users.findOrCreateByDiscordId(discord_id, defaults)
      return reply.code(created ? 201 : 200).send(user)
    },
  )

  app.get(
    '/users/:id',
    {
      onRequest: app.requireAdmin,
      schema: {
        operationId: 'getUser',
        tags,
        summary: 'Get a user (admin)',
        params: IdParams,
        response: { 200: User, ...errorResponses(403, 404) },
      },
    },
    async (request) => store.users.get(request.params.id),
  )

  app.patch(
    '/users/:id',
    {
      onRequest: app.requireAdmin,
      schema: {
        operationId: 'updateUser',
        tags,
        summary: 'Activate, deactivate, change the role of, or edit a user (admin)',
        params: IdParams,
        body: UserUpdateSchema,
        response: { 200: User, ...errorResponses(403, 404, 409) },
      },
    },
    async (request) => {
      const user = await store.users.update(request.params.id, request.body)
      for (const [action, details] of userChanges(request.body)) {
        await request.audit(action, { type: 'user', id: user.id }, details)
      }
      return user
    },
  )

  app.delete(
    '/users/:id',
    {
      onRequest: app.requireAdmin,
      schema: {
        operationId: 'deleteUser',
        tags,
        summary: 'Delete a user and everything of theirs (admin)',
        params: IdParams,
        response: { 204: NoContent, ...errorResponses(403, 404) },
      },
    },
    async (request, reply) => {
      await store.users.delete(request.params.id)
      await request.audit('user.delete', { type: 'user', id: request.params.id })
      return reply.code(204).send(null)
    },
  )
}

/**
 * The audit rows an admin's edit of a user makes: one per kind of change, so that a query for
 * `user.role_change` finds every role change. Values are recorded as set (no read before).
 */
function userChanges(patch: UserUpdate): [string, Record<string, unknown>][] {
  const { role, is_active, ...rest } = patch
  const changes: [string, Record<string, unknown>][] = []
  if (role !== undefined) changes.push(['user.role_change', { role }])
  if (is_active !== undefined) changes.push([is_active ? 'user.activate' : 'user.deactivate', {}])
  const fields = Object.keys(rest)
  if (fields.length > 0) changes.push(['user.update', { fields }])
  return changes
}
