import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ChatkeepError } from '../../errors.js'
import {
  QuotaSettingsSchema,
  QuotaStatusSchema,
  QuotaUpdateSchema,
  UsageQuerySchema,
  UsageReportSchema,
} from '../../schemas/usage.js'
import type { Store } from '../../store.js'
import { auditContextOf } from '../plugins/audit.js'
import { principalOf } from '../plugins/auth.js'
import { errorResponses } from '../schemas/common.js'

const tags = ['usage']

/**
 * Token usage and its cost, for a user their own and for an admin anyone's; quotas, set by
 * admins. The same checks as every route: a user who is not an admin asking for another user
 * gets 403.
 */
export const usageRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  app.addSchema({ ...UsageReportSchema, $id: 'UsageReport' })
  app.addSchema({ ...QuotaStatusSchema, $id: 'QuotaStatus' })
  app.addSchema({ ...QuotaSettingsSchema, $id: 'QuotaSettings', title: 'QuotaSettings' })
  app.addHook('onRequest', app.requireUser)

  /** The user a request may ask about: themselves, or anyone for an admin. */
  const subjectOf = (request: Parameters<typeof principalOf>[0], asked: string | undefined) => {
    const principal = principalOf(request)
    if (principal.role === 'admin') return asked
    if (asked !== undefined && asked !== principal.user_id) {
      throw new ChatkeepError('forbidden', 'Only an admin may read another user’s usage.')
    }
    return principal.user_id
  }

  app.get(
    '/usage',
    {
      schema: {
        operationId: 'getUsage',
        tags,
        summary: 'Tokens and their cost per user, model or UTC day',
        description:
          'Messages created in [since, until) (by default the last 30 days), soft-deleted ones ' +
          'included: their tokens were spent. The cost is by the price table in system config ' +
          '(`llm.model_prices`); tokens of a model without a price are in `unpriced_tokens`. ' +
          'A user sees their own usage; an admin everyone’s, or one user’s with `user_id`.',
        querystring: UsageQuerySchema,
        response: { 200: Type.Ref('UsageReport'), ...errorResponses(403) },
      },
    },
    async (request) => {
      const user_id = subjectOf(request, request.query.user_id)
      return store.usage.report({ ...request.query, ...(user_id ? { user_id } : {}) })
    },
  )

  app.get(
    '/usage/quota',
    {
      schema: {
        operationId: 'getQuotaStatus',
        tags,
        summary: 'Where a user stands against their quota today and this month',
        description:
          'The caller’s own, or with `user_id` (admins) another user’s. While `exceeded` is not ' +
          'empty, appends answer 429 `quota_exceeded` with `Retry-After` until the reset.',
        querystring: Type.Object(
          { user_id: Type.Optional(Type.String({ format: 'uuid' })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Ref('QuotaStatus'), ...errorResponses(403, 404) },
      },
    },
    async (request) =>
      store.usage.status(subjectOf(request, request.query.user_id) ?? principalOf(request).user_id),
  )

  app.get(
    '/admin/quotas',
    {
      onRequest: app.requireAdmin,
      schema: {
        operationId: 'getQuotas',
        tags,
        summary: 'The default quota and every user’s own (admin)',
        response: { 200: Type.Ref('QuotaSettings'), ...errorResponses(403) },
      },
    },
    async () => store.usage.quotas(),
  )

  app.put(
    '/admin/quotas',
    {
      onRequest: app.requireAdmin,
      schema: {
        operationId: 'setQuotas',
        tags,
        summary: 'Set the default and users’ quotas (admin)',
        description:
          'All in one transaction, audited as `quota.update` with the settings before and after. ' +
          'A null quota goes back to the default. Other instances apply a quota set while none ' +
          'was in force within 5 seconds.',
        body: QuotaUpdateSchema,
        response: { 200: Type.Ref('QuotaSettings'), ...errorResponses(403, 404) },
      },
    },
    async (request) => store.usage.setQuotas(request.body, auditContextOf(request)),
  )
}
