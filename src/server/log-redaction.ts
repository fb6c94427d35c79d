import type { FastifyRequest } from 'fastify'

/**
 * Query parameters whose values are logged as sent: ids, cursors, numbers, names from a fixed
 * list and times. Every other value is logged as `[redacted]`: search text (`q`), a title
 * searched for (`search`), tags, source URLs, and whatever a future or mistyped parameter
 * carries. With encryption at rest on, the log must not be where the content is readable.
 */
const LOGGED_AS_SENT = new Set([
  'limit',
  'after',
  'before',
  'order',
  'last',
  'role',
  'status',
  'scope',
  'origin',
  'user_id',
  'conversation_id',
  'document_id',
  'doc_type',
  'created_after',
  'created_before',
  'since',
  'until',
  'bucket',
  'metric_type',
  'source',
  'action',
  'target_type',
  'target_id',
  'days',
  'top',
])

export const REDACTED = '[redacted]'

/** The URL with the value of every query parameter not in LOGGED_AS_SENT replaced. */
export function redactUrl(url: string): string {
  const start = url.indexOf('?')
  if (start === -1) return url
  const pairs = url
    .slice(start + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=')
      if (equals === -1) return pair
      const name = pair.slice(0, equals)
      return LOGGED_AS_SENT.has(decodeName(name)) ? pair : `${name}=${REDACTED}`
    })
  return `${url.slice(0, start)}?${pairs.join('&')}`
}

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '))
  } catch {
    return name
  }
}

/**
 * pino's serializer of `req` (the "request completed" line, and "incoming request" at debug):
 * Fastify's own fields, the URL redacted.
 */
export function serializeRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  }
}
