import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

export interface CorsOptions {
  /** Origins (`https://app.example.com`) whose pages may call the API; none by default. */
  origins: readonly string[]
}

/** What a page may send beyond the CORS-safelisted headers. */
const ALLOWED_HEADERS = 'Authorization, Content-Type, Idempotency-Key, X-Request-Id'
const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE'
/** What a page may read beyond the CORS-safelisted response headers. */
const EXPOSED_HEADERS =
  'RateLimit, RateLimit-Policy, Retry-After, X-Request-Id, Content-Disposition'
/** How long a browser may reuse a preflight answer, in seconds. */
const MAX_AGE_S = 600

/**
 * CORS for the listed origins, written here rather than taken from @fastify/cors: the policy is a
 * fixed list and bearer tokens (never cookies, so no credentials mode), and answering preflights
 * in an `onRequest` hook, before rate limits and authentication, needs no catch-all OPTIONS
 * route beside the API's own. An origin not on the list gets no CORS headers, and the browser
 * keeps the answer from its page; the request itself is served as any other.
 */
export const corsPlugin = fp(
  async (app: FastifyInstance, { origins }: CorsOptions) => {
    const allowed = new Set(origins)
    app.addHook('onRequest', async (request, reply) => {
      // Caches must keep answers to different origins apart, listed or not.
      reply.header('vary', 'Origin')
      const origin = request.headers.origin
      if (origin === undefined || !allowed.has(origin)) return
      reply.header('access-control-allow-origin', origin)
      const preflight =
        request.method === 'OPTIONS' &&
        request.headers['access-control-request-method'] !== undefined
      if (!preflight) {
        reply.header('access-control-expose-headers', EXPOSED_HEADERS)
        return
      }
      return reply
        .code(204)
        .header('vary', 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers')
        .headers({
          'access-control-allow-methods': ALLOWED_METHODS,
          'access-control-allow-headers': ALLOWED_HEADERS,
          'access-control-max-age': MAX_AGE_S,
        })
        .send()
    })
  },
  { name: 'chatkeep-cors' },
)
