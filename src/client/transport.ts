// The fetch under the typed client: it adds the bearer token, renews a login's access token on a
// 401 and sends the request again (once), and repeats the requests that are safe to repeat
// (reads, and appends that carry an idempotency key) after a lost connection, a 429 or a 5xx
// that says to come back — never any other write.
import { ChatkeepError } from '../errors.js'
import { backoff, type BackoffPolicy, sleep } from '../lib/backoff.js'
import { type Credentials, answerOf, type Refusal, type Tokens } from './credentials.js'

export type Fetch = (request: Request) => Promise<Response>

export interface RetryPolicy extends BackoffPolicy {
  /** Attempts after the first, for a request that is safe to repeat. */
  retries: number
}

/**
 * Three more attempts, the first within 200 ms; a `Retry-After` is waited for when it is at most
 * 30 s, else its 429 or 503 is the answer.
 */
export const DEFAULT_RETRY: RetryPolicy = { retries: 3, base_delay_ms: 200, max_delay_ms: 30_000 }

/** Answers worth coming back for: too many requests, and a server or proxy that is passing. */
const PASSING_STATUSES = new Set([429, 502, 503, 504])
/** The routes that need no token, where a 401 is the answer itself (a wrong password). */
const PUBLIC_AUTH = /^\/v1\/auth\/(login|register|refresh)$/
/** `appendMessage`: idempotent when it carries a request_id (or an Idempotency-Key). */
const APPEND = /^\/v1\/conversations\/[^/]+\/messages$/

export interface TransportOptions {
  base_url: string
  fetch: Fetch
  retry: RetryPolicy
  credentials: Credentials
}

/** A request's parts, read once so that it can be sent as many times as it needs. */
interface Outgoing {
  request: Request
  /** Its path under base_url: `/v1/conversations/…`. */
  path: string
  body: ArrayBuffer | undefined
  repeatable: boolean
}

export class Transport {
  readonly #options: TransportOptions
  readonly #base_path: string

  constructor(options: TransportOptions) {
    this.#options = options
    // A relative base_url ('/api') is the page's, in a browser.
    const page = (globalThis as { location?: { href: string } }).location?.href
    this.#base_path = new URL(options.base_url, page).pathname.replace(/\/+$/, '')
  }

  /** Sends `request` as openapi-fetch hands it over; resolves with the answer to give back. */
  readonly fetch: Fetch = async (request) => {
    const outgoing = await this.#read(request)
    const { credentials } = this.#options
    const sent = credentials.bearer
    const answer = await this.#attempts(outgoing, sent)
    if (answer.status !== 401 || PUBLIC_AUTH.test(outgoing.path) || !credentials.renewable(sent)) {
      return answer
    }
    if (!(await credentials.renew(sent, (token) => this.#refresh(token)))) {
      const refusal = credentials.refusal
      if (refusal === undefined) return answer
      await answer.body?.cancel()
      return answerOf(refusal)
    }
    await answer.body?.cancel()
    return this.#attempts(outgoing, credentials.bearer)
  }

  /** Refreshes a login's tokens now; false when refused (see `credentials.refusal`) or no login. */
  renew(): Promise<boolean> {
    const { credentials } = this.#options
    const current = credentials.bearer
    if (!credentials.renewable(current)) return Promise.resolve(false)
    return credentials.renew(current, (token) => this.#refresh(token))
  }

  /**
   * Trades the refresh token for new tokens; a refresh repeated within seconds is safe. It is
   * shared by every request waiting, so no one request's abort signal ends it.
   */
  async #refresh(refresh_token: string): Promise<Tokens | Refusal> {
    const body = new TextEncoder().encode(JSON.stringify({ refresh_token })).buffer as ArrayBuffer
    const url = `${this.#options.base_url.replace(/\/+$/, '')}/v1/auth/refresh`
    const request = new Request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    })
    const answer = await this.#attempts(
      { request, path: '/v1/auth/refresh', body, repeatable: true },
      undefined,
    )
    const text = await answer.text()
    if (answer.ok) {
      const { access_token, refresh_token } = JSON.parse(text) as Tokens
      return { access_token, refresh_token }
    }
    return {
      status: answer.status,
      statusText: answer.statusText,
      headers: [...answer.headers],
      body: text,
    }
  }

  async #read(request: Request): Promise<Outgoing> {
    const url = new URL(request.url)
    const path = url.pathname.startsWith(this.#base_path)
      ? url.pathname.slice(this.#base_path.length)
      : url.pathname
    const body = request.body === null ? undefined : await request.arrayBuffer()
    return { request, path, body, repeatable: repeatable(request, path, body) }
  }

  /** Sends the request, and again while it is repeatable, fails in passing, and tries remain. */
  async #attempts(outgoing: Outgoing, bearer: string | undefined): Promise<Response> {
    const { retry, fetch } = this.#options
    const { request, repeatable } = outgoing
    for (let attempt = 0; ; attempt++) {
      const again = repeatable && attempt < retry.retries
      let answer: Response
      try {
        answer = await fetch(build(outgoing, bearer))
      } catch (error) {
        if (request.signal.aborted) throw request.signal.reason
        if (!again) throw connectionLost(outgoing, error, attempt + 1)
        await sleep(backoff(retry, attempt), request.signal)
        continue
      }
      if (!again || !PASSING_STATUSES.has(answer.status)) return answer
      const wait = retryAfterMs(answer.headers.get('retry-after')) ?? backoff(retry, attempt)
      if (wait > retry.max_delay_ms) return answer
      await answer.body?.cancel()
      await sleep(wait, request.signal)
    }
  }
}

/** Reads, and appends with an idempotency key: sending them twice does what sending once does. */
function repeatable(request: Request, path: string, body: ArrayBuffer | undefined): boolean {
  if (request.method === 'GET' || request.method === 'HEAD') return true
  if (request.method !== 'POST' || !APPEND.test(path)) return false
  if (request.headers.has('idempotency-key')) return true
  try {
    const { request_id } = JSON.parse(new TextDecoder().decode(body)) as { request_id?: unknown }
    return typeof request_id === 'string'
  } catch {
    return false
  }
}

function build({ request, body }: Outgoing, bearer: string | undefined): Request {
  const headers = new Headers(request.headers)
  if (bearer !== undefined) headers.set('authorization', `Bearer ${bearer}`)
  return new Request(request.url, {
    method: request.method,
    headers,
    body: body ?? null,
    signal: request.signal,
    redirect: request.redirect,
    credentials: request.credentials,
  })
}

/** `Retry-After` in milliseconds from now: delta-seconds or an HTTP date; null when absent. */
export function retryAfterMs(value: string | null, now = Date.now()): number | null {
  if (value === null) return null
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000
  const at = Date.parse(value)
  return Number.isNaN(at) ? null : Math.max(0, at - now)
}

/** A request that got no answer: whether it took effect is unknown unless it is repeatable. */
function connectionLost(outgoing: Outgoing, error: unknown, attempts: number): ChatkeepError {
  const { request, path, repeatable } = outgoing
  const origin = new URL(request.url).origin
  const cause = error as { message?: string; cause?: { code?: string; message?: string } }
  const why = cause.cause?.code ?? cause.cause?.message ?? cause.message ?? String(error)
  const what = `${request.method} ${path}`
  const message = repeatable
    ? `Cannot reach the Chatkeep server at ${origin} (${what}, ${attempts} attempts: ${why}); check base_url and that the server is up.`
    : `The connection to ${origin} failed before ${what} was answered (${why}): it may or may not have been applied. Check before sending it again; an append with a request_id is safe to repeat.`
  return new ChatkeepError('unavailable', message, { cause: error, retriable: repeatable })
}
