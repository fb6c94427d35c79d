import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { isChatkeepError } from '../../errors.js'
import type { AuditContext, AuditService, AuditTarget } from '../../services/audit.js'

export type { AuditTarget } from '../../services/audit.js'

type AuditDetails = Record<string, unknown>

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * Writes one audit row for this request: the caller, their IP and user agent are filled in.
     * A row that cannot be written is logged with everything it held, and the request fails:
     * use it after a change (a delete, an export), never before.
     * @example
     * await request.audit('conversation.export', { type: 'conversation', id }, { format: 'csv' })
     */
    audit(action: string, target?: AuditTarget | null, details?: AuditDetails): Promise<void>
    /**
     * The same for a read, committed in a group with other reads' rows (the read is answered
     * once its row has committed); a row that cannot be written is logged and the read is still
     * answered.
     */
    auditRead(action: string, target?: AuditTarget | null, details?: AuditDetails): Promise<void>
  }
}

/** Who is calling and from where, for a service that writes its audit row in its own transaction. */
export function auditContextOf(request: FastifyRequest): AuditContext {
  return {
    user_id: request.principal?.user_id ?? null,
    ip_address: request.ip.slice(0, 64),
    user_agent: request.headers['user-agent']?.slice(0, 512) ?? null,
  }
}

/** What a refused request named: `/v1/conversations/:id` → `{ type: 'conversation', id }`. */
function refusedTarget(request: FastifyRequest): AuditTarget | null {
  const id = (request.params as { id?: unknown } | undefined)?.id
  const collection = /\/([a-z-]+)\/:id(?:\/|$)/.exec(request.routeOptions.url ?? '')?.[1]
  if (typeof id !== 'string' || collection === undefined) return null
  return { type: collection.replace(/s$/, ''), id }
}

/** `request.audit(…)` and `request.auditRead(…)` on every route registered after it. */
export const auditPlugin = fp(
  async (app: FastifyInstance, options: { audit: AuditService }) => {
    const write = async (
      request: FastifyRequest,
      action: string,
      target: AuditTarget | null | undefined,
      details: AuditDetails | undefined,
      must: boolean,
    ) => {
      const event = {
        action,
        ...auditContextOf(request),
        target_type: target?.type ?? null,
        target_id: target?.id ?? null,
        details: details ?? {},
      }
      try {
        // A read's row commits in a group with the other reads of the moment.
        await (must ? options.audit.record(event) : options.audit.recordRead(event))
      } catch (error) {
        // Never silently dropped: the log line holds the whole event.
        request.log.error({ err: error, audit_event: event }, 'audit event not written')
        if (must) throw error
      }
    }
    // A refusal under legal hold is evidence too: who tried to remove what, and when.
    app.addHook('onError', async (request, _reply, error) => {
      if (!isChatkeepError(error, 'legal_hold')) return
      await write(
        request,
        'legal_hold.refused',
        refusedTarget(request),
        {
          method: request.method,
          route: request.routeOptions.url ?? request.url,
        },
        false,
      )
    })
    app.decorateRequest(
      'audit',
      function (this: FastifyRequest, action: string, target?: AuditTarget | null, details?) {
        return write(this, action, target, details, true)
      },
    )
    app.decorateRequest(
      'auditRead',
      function (this: FastifyRequest, action: string, target?: AuditTarget | null, details?) {
        return write(this, action, target, details, false)
      },
    )
  },
  { name: 'chatkeep-audit', dependencies: ['chatkeep-auth'] },
)
