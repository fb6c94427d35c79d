import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { AuditEventSchema, AuditListSchema } from '../../schemas/audit.js'
import type { Store } from '../../store.js'
import { inQuery } from '../in-query.js'
import { errorResponses, PageOf } from '../schemas/common.js'

const AuditEvent = Type.Ref('AuditEvent')

export const auditRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  app.addSchema({ ...AuditEventSchema, $id: 'AuditEvent', title: 'AuditEvent' })

  app.get(
    '/admin/audit-events',
    {
      onRequest: app.requireAdmin,
      schema: {
        operationId: 'listAuditEvents',
        tags: ['audit'],
        summary: 'Query the audit log, newest first (admin)',
        description:
          'Filter by `user_id` (the actor), `action`, `target_type` and `target_id`, and by time: ' +
          '`since` ≤ created_at < `until`. Page with `after` = the previous page’s `last_id`. ' +
          'The actions are listed in docs/audit-and-config.md. Audited itself as `audit.read`.',
        querystring: AuditListSchema,
        response: { 200: PageOf(AuditEvent), ...errorResponses(403) },
      },
    },
    async (request) => {
      const page = await inQuery(request.query, store.audit.list(request.query))
      // Reading the audit log is itself in it: who looked, for what.
      await request.auditRead('audit.read', null, {
        query: request.query,
        events: page.data.length,
      })
      return { object: 'list' as const, ...page }
    },
  )
}
