import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { ChatkeepError } from '../../errors.js'
import type { RateLimitBudget, RateLimitHit, RateLimitStore } from '../../rate-limit/store.js'
import { isApiKey } from '../../services/auth.js'
import { sendProblem } from '../problem.js'
import { bearerOf } from './auth.js'

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

/** The budgets, named as the `RateLimit-Policy` and `RateLimit` headers name them. */
type Policy = 'ip' | 'user' | 'auth'

/** Says whose budget it is in the 429 detail. */
const WHOSE: Record<Policy, string> = {
  ip: 'from this IP address',
  user: 'for this user',
  auth: 'to log in or register',
}

interface Budget extends RateLimitBudget {
  policy: Policy
}

interface Counted {
  policy: Policy
  limit: number
  hit: RateLimitHit
}

/**
 * Fixed-window rate limits on every /v1 and /api route: per IP address on every request, per
 * user once authenticated, and a stricter per-IP limit on login and register. A request that
 * carries an access token is counted once, against its address and its user together, in a
 * `preValidation` hook: it runs after the routes' `onRequest: app.requireUser`, so
 * `request.principal` is set, and before the body is validated, so bad requests count too. That
 * is one statement (one round trip) a request where counting the address first took two; the
 * price, an HMAC check of the token before an address over its limit is refused, is a few
 * microseconds. Any other request (no credentials, an API key, whose lookup may reach the
 * database) is counted by address in an `onRequest` hook, before anything else runs, and by user
 * after authentication. A request with a token that ends before `preValidation` (a 401, a body
 * too large) is counted by address as its answer is sent. Every limited response carries
 * `RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-ratelimit-headers-10) for each budget
 * the request was counted in; a request over any limit is a 429 `rate_limited` with
 * `Retry-After`.
 */
export const rateLimitPlugin = fp(
  async (app: FastifyInstance, options: RateLimitOptions) => {
    const { store, per_minute, auth_per_minute } = options
    const window_ms = options.window_ms ?? 60_000
    const window_s = Math.ceil(window_ms / 1000)
    /** The budgets each limited request was counted in so far, in the order counted. */
    const counted = new WeakMap<FastifyRequest, Counted[]>()
    /** Requests on limited paths: the per-user budget applies to them only. */
    const limited = new WeakSet<FastifyRequest>()
    /** Limited requests with an access token whose address is not counted yet. */
    const deferred = new WeakSet<FastifyRequest>()
    const byAddress = (request: FastifyRequest): Budget => ({
      policy: 'ip',
      key: `ip:${request.ip}`,
      limit: per_minute,
    })

    /** Counts the request against every budget in one call to the store (one round trip). */
    const count = async (budgets: Budget[]): Promise<Counted[]> => {
      const hits = await store.hitAll(budgets, window_ms)
      return budgets.map(({ policy, limit }, i) => ({ policy, limit, hit: hits[i]! }))
    }

    /** Adds the budgets just counted to the request's RateLimit headers. */
    const headersOf = (request: FastifyRequest, reply: FastifyReply, results: Counted[]) => {
      // A store that could not count (Redis down) lets the request through and claims nothing.
      const all = [...(counted.get(request) ?? []), ...results.filter((r) => r.hit.count > 0)]
      counted.set(request, all)
      if (all.length > 0) {
        // Structured-field lists (RFC 9651): one item per policy, its name a string.
        reply.headers({
          'ratelimit-policy': all.map((r) => `"${r.policy}";q=${r.limit};w=${window_s}`).join(', '),
          ratelimit: all
            .map((r) => `"${r.policy}";r=${remaining(r)};t=${seconds(r.hit.reset_in_ms)}`)
            .join(', '),
        })
      }
    }

    const enforce = (
      request: FastifyRequest,
      reply: FastifyReply,
      results: Counted[],
    ): FastifyReply | undefined => {
      headersOf(request, reply, results)
      const denied = results
        .filter((r) => r.hit.count > 0 && !r.hit.allowed)
        .sort((a, b) => b.hit.reset_in_ms - a.hit.reset_in_ms)[0]
      if (denied === undefined) return undefined
      // Never earlier than the reset of the budget that refused it, as the draft asks.
      const retry = Math.max(1, seconds(denied.hit.reset_in_ms))
      reply.header('retry-after', retry)
      return sendProblem(
        reply,
        new ChatkeepError(
          'rate_limited',
          `Too many requests ${WHOSE[denied.policy]}: the limit is ${denied.limit} every ${window_ms / 1000} s; retry in ${retry} s.`,
        ),
      )
    }

    app.addHook('onRequest', async (request, reply) => {
      // The matched route, not the raw URL, so an encoded path cannot slip past; the raw path
      // only for a request that matched no route.
      const route = request.routeOptions.url
      const path = route ?? request.url.split('?')[0] ?? ''
      if (!LIMITED_PATH.test(path)) return
      limited.add(request)
      if (request.method === 'POST' && AUTH_ROUTES.has(path)) {
        const auth: Budget = {
          policy: 'auth',
          key: `auth:ip:${request.ip}`,
          limit: auth_per_minute,
        }
        return enforce(request, reply, await count([byAddress(request), auth]))
      }
      if (route !== undefined && carriesAccessToken(request.headers.authorization)) {
        deferred.add(request)
        return
      }
      return enforce(request, reply, await count([byAddress(request)]))
    })

    app.addHook('preValidation', async (request, reply) => {
      if (!limited.has(request)) return
      const budgets: Budget[] = deferred.delete(request) ? [byAddress(request)] : []
      if (request.principal) {
        budgets.push({
          policy: 'user',
          key: `user:${request.principal.user_id}`,
          limit: per_minute,
        })
      }
      if (budgets.length === 0) return
      return enforce(request, reply, await count(budgets))
    })

    // A request that never reached preValidation still spent its address's budget.
    app.addHook('onSend', async (request, reply, payload) => {
      if (deferred.delete(request)) headersOf(request, reply, await count([byAddress(request)]))
      return payload
    })
  },
  { name: 'chatkeep-rate-limit' },
)

/** A credential the authenticator checks as an access token: by its signature, no database. */
const carriesAccessToken = (authorization: string | undefined): boolean => {
  const bearer = bearerOf(authorization)
  return bearer !== undefined && !isApiKey(bearer)
}

const remaining = (r: Counted) => Math.max(0, r.limit - r.hit.count)
const seconds = (ms: number) => Math.max(0, Math.ceil(ms / 1000))
