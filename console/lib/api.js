// @ts-check
/**
 * The console's only way to the server: the public /v1 API with the signed-in admin's tokens.
 * The tokens live in this module's memory and nowhere else (no storage, no cookie), so no other
 * page or origin can read them; a reload signs out, and signing out ends the session on the
 * server too.
 */

/**
 * @typedef {{ id: string, username: string, role: string, display_name: string | null }} User
 * @typedef {{ access_token: string, refresh_token: string, user: User }} Session
 */

/** An answer the API refused, with the server's stable `code` and its advice. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   */
  constructor(status, code, message) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
  }
}

/** @type {Session | null} */
let session = null
/** @type {Promise<boolean> | null} */
let refreshing = null
/** @type {Set<() => void>} */
const endedListeners = new Set()

export const currentUser = () => session?.user ?? null

/** @param {() => void} listener called when the session ends by itself (refresh refused). */
export function onSessionEnded(listener) {
  endedListeners.add(listener)
}

/**
 * @param {string} username
 * @param {string} password
 * @returns {Promise<User>}
 */
export async function signIn(username, password) {
  session = /** @type {Session} */ (
    await call('POST', '/v1/auth/login', { body: { username, password }, auth: false })
  )
  return session.user
}

export async function signOut() {
  if (session === null) return
  try {
    await call('POST', '/v1/auth/logout', { retry: false })
  } finally {
    session = null
  }
}

/**
 * @typedef {{
 *   query?: Record<string, string | number | boolean | undefined | null>,
 *   body?: unknown,
 *   auth?: boolean,
 *   retry?: boolean,
 * }} CallOptions
 */

/**
 * One API call: JSON in, JSON out. A 401 trades the refresh token for new tokens once and tries
 * again; problem+json answers become `ApiError`s.
 * @param {string} method
 * @param {string} path
 * @param {CallOptions} [options]
 * @returns {Promise<any>}
 */
export async function call(method, path, options = {}) {
  const response = await send(method, path, options)
  if (response.status === 204) return null
  const type = response.headers.get('content-type') ?? ''
  const body = type.includes('json') ? await response.json() : await response.text()
  if (!response.ok) throw errorOf(response.status, body)
  return body
}

/**
 * The raw response, for streams; same auth and refresh as `call`.
 * @param {string} method
 * @param {string} path
 * @param {CallOptions & { signal?: AbortSignal, accept?: string }} options
 * @returns {Promise<Response>}
 */
export async function send(method, path, options = {}) {
  const attempt = () => {
    /** @type {Record<string, string>} */
    const headers = { accept: options.accept ?? 'application/json' }
    if (options.body !== undefined) headers['content-type'] = 'application/json'
    if (options.auth !== false && session !== null) {
      headers.authorization = `Bearer ${session.access_token}`
    }
    return fetch(urlOf(path, options.query), {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal ?? null,
      credentials: 'omit',
    })
  }
  const response = await attempt()
  if (response.status !== 401 || options.auth === false || options.retry === false) return response
  if (!(await refresh())) return response
  return attempt()
}

/**
 * @param {string} path
 * @param {CallOptions['query']} query
 */
function urlOf(path, query) {
  const url = new URL(path, window.location.origin)
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '')
      url.searchParams.set(key, String(value))
  }
  return url
}

/** One refresh at a time, whatever number of calls met the 401 together. */
function refresh() {
  refreshing ??= (async () => {
    const token = session?.refresh_token
    if (token === undefined) return false
    const response = await fetch('/v1/auth/refresh', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ refresh_token: token }),
      credentials: 'omit',
    })
    if (!response.ok) {
      session = null
      for (const listener of endedListeners) listener()
      return false
    }
    session = await response.json()
    return true
  })().finally(() => {
    refreshing = null
  })
  return refreshing
}

/**
 * @param {number} status
 * @param {any} body
 */
function errorOf(status, body) {
  if (body !== null && typeof body === 'object' && typeof body.code === 'string') {
    return new ApiError(status, body.code, String(body.detail ?? body.title ?? body.code))
  }
  return new ApiError(status, 'unknown', `The server answered ${status}.`)
}

/**
 * Every item of a cursor list, page by page (`after` = the previous page's `last_id`), up to
 * `max` items.
 * @param {string} path
 * @param {CallOptions['query']} query
 * @param {number} max
 */
export async function all(path, query, max = 1000) {
  /** @type {any[]} */
  const items = []
  /** @type {string | undefined} */
  let after
  for (;;) {
    const page = await call('GET', path, { query: { ...query, limit: 200, after } })
    items.push(...page.data)
    if (!page.has_more || items.length >= max || page.last_id === null) return items
    after = page.last_id
  }
}

/**
 * Follows a Server-Sent Events stream, calling `onEvent` for each event, until `signal` aborts
 * or the stream ends.
 * @param {string} path
 * @param {CallOptions['query']} query
 * @param {AbortSignal} signal
 * @param {(event: { event: string, data: string, id: string | null }) => void} onEvent
 */
export async function follow(path, query, signal, onEvent) {
  const response = await send('GET', path, { query, signal, accept: 'text/event-stream' })
  if (!response.ok || response.body === null) {
    const type = response.headers.get('content-type') ?? ''
    throw errorOf(response.status, type.includes('json') ? await response.json() : null)
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      buffer += value
      let end
      while ((end = buffer.search(/\r?\n\r?\n/)) !== -1) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '')
        const event = { event: 'message', data: '', id: /** @type {string | null} */ (null) }
        const data = []
        for (const line of block.split(/\r?\n/)) {
          if (line.startsWith(':')) continue
          const colon = line.indexOf(':')
          const field = colon === -1 ? line : line.slice(0, colon)
          const text = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '')
          if (field === 'event') event.event = text
          else if (field === 'data') data.push(text)
          else if (field === 'id') event.id = text
        }
        if (data.length > 0) onEvent({ ...event, data: data.join('\n') })
      }
    }
  } catch (error) {
    if (signal.aborted) return
    throw error
  }
}
