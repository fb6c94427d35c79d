import type { IncomingMessage } from 'node:http'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { uuid7 } from '../lib/uuid7.js'

/** Where a caller or a proxy in front passes its own request id, and where every answer echoes it. */
export const REQUEST_ID_HEADER = 'x-request-id'

/** The label of the request id on every log line of the request (pino child bindings). */
export const REQUEST_ID_LOG_LABEL = 'request_id'

/**
 * Ids taken as given: short, and plain enough to paste into a log search or a header unquoted.
 * Anything else (a repeated header, which Node joins with ", ", included) is replaced.
 */
const WELL_FORMED = /^[A-Za-z0-9._:-]{1,128}$/

/**
 * For Fastify's `genReqId`: the caller's `X-Request-Id` when well-formed, otherwise a UUIDv7,
 * unique across processes and instances (Fastify's own ids are a per-process counter, so two
 * instances behind one balancer would hand out the same ones).
 */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers[REQUEST_ID_HEADER]
  return typeof given === 'string' && WELL_FORMED.test(given) ? given : uuid7()
}

/** Echoes the request id on every response, errors and unknown routes included. */
export const requestIdPlugin = fp(
  async (app: FastifyInstance) => {
    app.addHook('onRequest', async (request, reply) => {
      reply.header(REQUEST_ID_HEADER, request.id)
    })
  },
  { name: 'chatkeep-request-id' },
)
