import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { collectStats, STATS_LIMITS, StatsSchema } from '../../operations/stats.js'
import type { Store } from '../../store.js'
import { inQuery } from '../in-query.js'
import { errorResponses } from '../schemas/common.js'

const StatsQuery = Type.Object(
  {
    days: Type.Optional(
      Type.Integer({
        minimum: STATS_LIMITS.days.min,
        maximum: STATS_LIMITS.days.max,
        description: `UTC days of messages_per_day, ending today (default ${STATS_LIMITS.days.default}).`,
      }),
    ),
    top: Type.Optional(
      Type.Integer({
        minimum: STATS_LIMITS.top.min,
        maximum: STATS_LIMITS.top.max,
        description: `Users in each top list (default ${STATS_LIMITS.top.default}).`,
      }),
    ),
  },
  { additionalProperties: false },
)

/** `GET /v1/admin/stats`: what `chatkeep stats --json` prints, from the same code. */
export const statsRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  app.addSchema(StatsSchema)

  app.get(
    '/admin/stats',
    {
      onRequest: app.requireAdmin,
      schema: {
        operationId: 'getStats',
        tags: ['stats'],
        summary:
          'Rows per table, database size, messages per day, tokens per model, top users (admin)',
        querystring: StatsQuery,
        response: { 200: Type.Ref('Stats'), ...errorResponses(403) },
      },
    },
    async (request) => inQuery(request.query, collectStats(store.database, request.query)),
  )
}
