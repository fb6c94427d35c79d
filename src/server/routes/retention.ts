import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import {
  LegalHoldListSchema,
  LegalHoldSchema,
  NewLegalHoldSchema,
  RetentionSettingsSchema,
  RetentionUpdateSchema,
} from '../../schemas/retention.js'
import type { Store } from '../../store.js'
import { auditContextOf } from '../plugins/audit.js'
import { errorResponses, IdParams } from '../schemas/common.js'

const tags = ['retention']
const LegalHold = Type.Ref('LegalHold')
const RetentionSettings = Type.Ref('RetentionSettings')

/** Admins only: how long conversations are kept, and what nothing may remove. */
export const retentionRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (
  app,
  { store },
) => {
  app.addSchema({ ...LegalHoldSchema, $id: 'LegalHold', title: 'LegalHold' })
  app.addSchema({
    ...RetentionSettingsSchema,
    $id: 'RetentionSettings',
    title: 'RetentionSettings',
  })
  app.addHook('onRequest', app.requireAdmin)

  app.get(
    '/admin/retention',
    {
      schema: {
        operationId: 'getRetention',
        tags,
        summary: 'The default retention policy and every user’s own (admin)',
        description:
          'A conversation is under its own policy (`retention` in its PATCH), else its user’s, ' +
          'else the default; with no default set, soft-deleted conversations and messages are ' +
          'kept RETENTION_DAYS. `chatkeep cleanup` applies them (docs/privacy.md).',
        response: { 200: RetentionSettings, ...errorResponses(403) },
      },
    },
    async () => store.retention.settings(),
  )

  app.put(
    '/admin/retention',
    {
      schema: {
        operationId: 'setRetention',
        tags,
        summary: 'Set the default and users’ retention policies (admin)',
        description:
          'All in one transaction, audited as `retention.update` with the settings before and ' +
          'after. A null policy goes back to the next one up.',
        body: RetentionUpdateSchema,
        response: { 200: RetentionSettings, ...errorResponses(403, 404) },
      },
    },
    async (request) => store.retention.update(request.body, auditContextOf(request)),
  )

  app.post(
    '/admin/legal-holds',
    {
      schema: {
        operationId: 'createLegalHold',
        tags,
        summary: 'Place a legal hold on a user or a conversation (admin)',
        description:
          'Until released, nobody can delete, purge or erase what it holds: such a request ' +
          'answers 409 `legal_hold` and is audited as `legal_hold.refused`. Audited as ' +
          '`legal_hold.create`.',
        body: NewLegalHoldSchema,
        response: { 201: LegalHold, ...errorResponses(403, 404) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await store.legalHolds.create(request.body, auditContextOf(request))),
  )

  app.get(
    '/admin/legal-holds',
    {
      schema: {
        operationId: 'listLegalHolds',
        tags,
        summary: 'Legal holds in force, or released ones, newest first (admin)',
        querystring: LegalHoldListSchema,
        response: {
          200: Type.Object({ object: Type.Literal('list'), data: Type.Array(LegalHold) }),
          ...errorResponses(403),
        },
      },
    },
    async (request) => ({
      object: 'list' as const,
      data: await store.legalHolds.list(request.query),
    }),
  )

  app.delete(
    '/admin/legal-holds/:id',
    {
      schema: {
        operationId: 'releaseLegalHold',
        tags,
        summary: 'Release a legal hold (admin)',
        description:
          'The hold stays on record with who released it and when; audited as `legal_hold.release`.',
        params: IdParams,
        response: { 200: LegalHold, ...errorResponses(403, 404) },
      },
    },
    async (request) => store.legalHolds.release(request.params.id, auditContextOf(request)),
  )
}
