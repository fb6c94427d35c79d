import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { ChatkeepError } from '../../errors.js'
import type { RateLimitBudget, RateLimitHit, RateLimitStore } from '../../rate-limit/store.js'
import { sendProblem } from '../problem.js'

export interface RateLimitOptions {
  store: RateLimitStore
  /** Requests a window per IP address, and per user once authenticated. */
  per_minute: number
  /** Requests a window per IP address to POST /v1/auth/login and /v1/auth/register together. */
  auth_per_minute: number
  /** The window; one minute unless a test shortens it. */
  window_ms?: number
}

/** The API; health, metrics and the docs stay reachable whatever the load. */
const LIMITED_PATH = /^\/(v1|api)(\/|\?|$)/
const AUTH_ROUTES = new Set(['/v1/auth/login', '/v1/auth/register'])

interface Budget extends RateLimitBudget {
  /** Says whose budget it is in the 429 detail. */
  who: string
}

interface Counted {
  /** Says whose budget it is in the 429 detail. */
  who: string
  limit: number
  hit: RateLimitHit
}

/**
 * Fixed-window rate limits on every /v1 and /api route: per IP address on every request (an
 * `onRequest` hook, before anything else runs), per user once authenticated (a `preValidation`
 * hook: it runs after the routes' `onRequest: app.requireUser`, so `request.principal` is set,
 * and before the body is validated, so bad requests count too), and a stricter per-IP limit on
 * login and register. Every limited response carries the `RateLimit-*` headers of the budget
 * closest to running out; a request over any limit is a 429 `rate_limited` with `Retry-After`.
 */
export const rateLimitPlugin = fp(
  async (app: FastifyInstance, options: RateLimitOptions) => {
    const { store, per_minute, auth_per_minute } = options
    const window_ms = options.window_ms ?? 60_000
    /** The remaining count of the budget the headers show, per limited request. */
    const shown = new WeakMap<FastifyRequest, number>()

    /** Counts the request against every budget in one call to the store (one round trip). */
    const count = async (budgets: Budget[]): Promise<Counted[]> => {
      const hits = await store.hitAll(budgets, window_ms)
      return budgets.map(({ who, limit }, i) => ({ who, limit, hit: hits[i]! }))
    }

    const enforce = (
      request: FastifyRequest,
      reply: FastifyReply,
      results: Counted[],
    ): FastifyReply | undefined => {
      // A store that could not count (Redis down) lets the request through and claims nothing.
      const counted = results.filter((r) => r.hit.count > 0)
      const denied = counted
        .filter((r) => !r.hit.allowed)
        .sort((a, b) => b.hit.reset_in_ms - a.hit.reset_in_ms)[0]
      const tightest = denied ?? counted.sort((a, b) => remaining(a) - remaining(b))[0]
      if (tightest !== undefined) {
        if (denied !== undefined || remaining(tightest) < (shown.get(request) ?? Infinity)) {
          shown.set(request, remaining(tightest))
          reply.headers({
            'ratelimit-policy': `${tightest.limit};w=${Math.ceil(window_ms / 1000)}`,
            'ratelimit-limit': tightest.limit,
            'ratelimit-remaining': remaining(tightest),
            'ratelimit-reset': seconds(tightest.hit.reset_in_ms),
          })
        }
      }
      if (denied === undefined) return undefined
      const retry = Math.max(1, seconds(denied.hit.reset_in_ms))
      reply.header('retry-after', retry)
      return sendProblem(
        reply,
        new ChatkeepError(
          'rate_limited',
          `Too many requests ${denied.who}: the limit is ${denied.limit} every ${window_ms / 1000} s; retry in ${retry} s.`,
        ),
      )
    }

    app.addHook('onRequest', async (request, reply) => {
      // The matched route, not the raw URL, so an encoded path cannot slip past; the raw path
      // only for a request that matched no route.
      const path = request.routeOptions.url ?? request.url.split('?')[0] ?? ''
      if (!LIMITED_PATH.test(path)) return
      const budgets = [{ who: 'from this IP address', key: `ip:${request.ip}`, limit: per_minute }]
      if (request.method === 'POST' && AUTH_ROUTES.has(path)) {
        const key = `auth:ip:${request.ip}`
        budgets.push({ who: 'to log in or register', key, limit: auth_per_minute })
      }
      const results = await count(budgets)
      shown.set(request, Number.POSITIVE_INFINITY)
      return enforce(request, reply, results)
    })

    app.addHook('preValidation', async (request, reply) => {
      if (!shown.has(request) || !request.principal) return
      const key = `user:${request.principal.user_id}`
      return enforce(
        request,
        reply,
        await count([{ who: 'for this user', key, limit: per_minute }]),
      )
    })
  },
  { name: 'chatkeep-rate-limit' },
)

const remaining = (r: Counted) => Math.max(0, r.limit - r.hit.count)
const seconds = (ms: number) => Math.max(0, Math.ceil(ms / 1000))
