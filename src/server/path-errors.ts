import type { FastifyRequest } from 'fastify'
import { ChatkeepError } from '../errors.js'

/**
 * The longest path parameter the router takes. The URL and headers are capped at 16 KiB anyway;
 * up to that, an over-long id reaches its route and is refused by the route's schema, in the
 * same words as any other over-long value (`/params/id: must be at most 64 characters`).
 */
export const MAX_PARAM_LENGTH = 16 * 1024

/** Stands in for a segment the router cannot take, to find which parameter it would have been. */
const PLACEHOLDER = 'chatkeep-faulty-segment'

/** Whether the router refuses a path segment: bad percent-encoding, or longer than it takes. */
function isFaulty(segment: string): boolean {
  try {
    return decodeURIComponent(segment).length > MAX_PARAM_LENGTH
  } catch {
    return true
  }
}

/**
 * What the router's own refusals (FST_ERR_BAD_URL, FST_ERR_MAX_PARAM_LENGTH) mean to a caller:
 * a 400 naming the path parameter at fault, found by routing the path again with the faulty
 * segment replaced. A faulty segment where no parameter is, is a path no route has: 404. The
 * path itself is never echoed (it can be 16 KiB of anything).
 */
export function pathError(request: FastifyRequest, cause: Error): ChatkeepError {
  const path = request.raw.url?.split('?')[0] ?? ''
  const segments = path.split('/')
  const faulty = segments.findIndex(isFaulty)
  const probe = segments.map((segment, i) => (i === faulty ? PLACEHOLDER : segment)).join('/')
  const route = request.server.findRoute({ method: request.method, url: probe })
  const name = Object.entries(route?.params ?? {}).find(([, value]) => value === PLACEHOLDER)?.[0]
  if (faulty === -1 || name === undefined) {
    return new ChatkeepError('not_found', `No route ${request.method} matches this path.`, {
      cause,
    })
  }
  const field = `/params/${name}`
  const reason = isBadEncoding(segments[faulty]!)
    ? 'must be percent-encoded UTF-8 text'
    : `must be at most ${MAX_PARAM_LENGTH} characters`
  return new ChatkeepError('validation_failed', `${field}: ${reason}.`, { field, cause })
}

function isBadEncoding(segment: string): boolean {
  try {
    decodeURIComponent(segment)
    return false
  } catch {
    return true
  }
}
