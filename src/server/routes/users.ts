import { once } from 'node:events'
import { PassThrough } from 'node:stream'
import { Type } from '@sinclair/typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { UserSchema } from '../../schemas/data.js'
import { NewUserSchema, UserListSchema, UserUpdateSchema } from '../../schemas/inputs.js'
import { LIMITS } from '../../schemas/limits.js'
import { ErasedCountsSchema, ErasureReportSchema } from '../../schemas/privacy.js'
import type { Store } from '../../store.js'
import { auditContextOf } from '../plugins/audit.js'
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
/** A user's export: the zip `chatkeep import` reads, streamed as it is written. */
const ExportArchive = {
  description:
    "A zip of `chatkeep.jsonl` (every row of the user in the format of `chatkeep export`, messages opened when encrypted, no secrets) and `manifest.json` (each entry's size and SHA-256, a digest per conversation), with `Content-Disposition: attachment`. Streamed: a failure part-way ends the response early, and the zip then lacks its manifest and central directory.",
  content: { 'application/zip': { schema: { type: 'string', format: 'binary' } } },
}
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
    '/users/me/export',
    {
      onRequest: app.requireUser,
      schema: {
        operationId: 'exportCurrentUser',
        tags,
        summary: 'Everything of the caller, as a zip with a manifest and checksums',
        response: { 200: ExportArchive, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const user = await store.users.get(principalOf(request).user_id)
      return sendExport(store, user, request, reply)
    },
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

  app.get(
    '/users/:id/export',
    {
      onRequest: app.requireAdmin,
      schema: {
        operationId: 'exportUser',
        tags,
        summary: 'Everything of a user, as a zip with a manifest and checksums (admin)',
        params: IdParams,
        response: { 200: ExportArchive, ...errorResponses(403, 404) },
      },
    },
    async (request, reply) => {
      const user = await store.users.get(request.params.id)
      return sendExport(store, user, request, reply)
    },
  )

  app.get(
    '/users/:id/erase',
    {
      onRequest: app.requireAdmin,
      schema: {
        operationId: 'previewUserErasure',
        tags,
        summary: 'What erasing a user would remove now, per kind of row; changes nothing (admin)',
        params: IdParams,
        response: { 200: ErasedCountsSchema, ...errorResponses(403, 404) },
      },
    },
    async (request) => store.privacy.preview(request.params.id),
  )

  app.post(
    '/users/:id/erase',
    {
      onRequest: app.requireAdmin,
      schema: {
        operationId: 'eraseUser',
        tags,
        summary: 'Erase a user: every row, transcript file and cached copy of theirs (admin)',
        description:
          'Answers the erasure report, which also stays in the audit log (action `user.erased`). Refused with 409 `legal_hold` while a hold covers the user or a conversation of theirs. Cannot be undone.',
        params: IdParams,
        response: { 200: ErasureReportSchema, ...errorResponses(403, 404, 409) },
      },
    },
    async (request) =>
      store.privacy.erase(request.params.id, { user_id: principalOf(request).user_id }),
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
      return store.users.update(request.params.id, request.body, auditContextOf(request))
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
      await store.users.delete(request.params.id, auditContextOf(request))
      return reply.code(204).send(null)
    },
  )
}

/**
 * Streams the user's zip as the response, audited (`user.export` before the first byte,
 * `user.exported` once it is whole). Headers wait for the first byte, so a `user.export` row
 * that cannot be written answers as an error with nothing sent. A failure part-way (the database
 * gone, the client gone) can only end the body early; the missing central directory makes any
 * zip reader refuse the truncated file. A client that leaves ends the export: its snapshot is
 * released (Sink sees the body destroyed).
 */
async function sendExport(
  store: Store,
  user: { id: string; username: string },
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const body = new PassThrough()
  const exported = store.privacy
    .export(user.id, body, { actor: auditContextOf(request) })
    .then(() => body.end())
  exported.catch((error: unknown) => {
    reply.log.error({ err: error, user_id: user.id }, 'user export failed part-way')
    body.destroy(error as Error)
  })
  await Promise.race([once(body, 'readable'), exported])
  return reply
    .type('application/zip')
    .header('content-disposition', `attachment; filename="${exportFilename(user.username)}"`)
    .send(body)
}

/** `ada-export.zip`, with anything a header or a file system would mind replaced. */
const exportFilename = (username: string) =>
  `${username.replace(/[^A-Za-z0-9._-]/g, '_')}-export.zip`
