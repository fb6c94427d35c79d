import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { ChatkeepError, ERROR_CODES, type ErrorCode } from '../errors.js'
import { pathError } from './path-errors.js'
import { REQUEST_ID_HEADER } from './request-id.js'

const TITLES: Record<ErrorCode, string> = {
  validation_failed: 'Invalid request',
  unauthorized: 'Not authenticated',
  forbidden: 'Not allowed',
  not_found: 'Not found',
  request_timeout: 'Request timeout',
  conflict: 'Conflict',
  conversation_closed: 'Conversation closed',
  legal_hold: 'Under legal hold',
  message_not_streaming: 'Message not streaming',
  search_disabled: 'Message search disabled',
  cursor_expired: 'Cursor expired',
  payload_too_large: 'Request body too large',
  unsupported_media_type: 'Unsupported media type',
  headers_too_large: 'Request headers too large',
  backup_corrupt: 'Backup file damaged',
  rate_limited: 'Too many requests',
  quota_exceeded: 'Quota used up',
  invalid_config: 'Server misconfigured',
  schema_out_of_date: 'Database schema out of date',
  schema_too_new: 'Database schema too new',
  unavailable: 'Service unavailable',
  store_closed: 'Store closed',
  storage_full: 'Storage full',
  storage_failed: 'Storage failed',
  transcript_corrupt: 'Transcript file damaged',
  decryption_failed: 'Message cannot be decrypted',
  content_shredded: 'Content erased',
  backup_failed: 'Backup failed',
  internal: 'Internal error',
}

/** The RFC 9457 problem+json body of an error. */
export function problemBody(error: ChatkeepError) {
  return {
    type: `urn:chatkeep:error:${error.code}`,
    title: TITLES[error.code],
    status: error.status,
    code: error.code,
    detail: error.message,
    retriable: error.retriable,
    ...(error.field !== undefined ? { field: error.field } : {}),
    ...(error.resets_at !== undefined ? { resets_at: error.resets_at } : {}),
  }
}

/**
 * Sends RFC 9457 problem+json: the only place that shapes an error response (but for the few
 * that fail before HTTP parsing ends, in client-errors.ts). The request id is set here too, for
 * the errors the router raises before any hook runs.
 */
export function sendProblem(reply: FastifyReply, error: ChatkeepError): FastifyReply {
  if (error.resets_at !== undefined) {
    const seconds = Math.ceil((Date.parse(error.resets_at) - Date.now()) / 1000)
    reply.header('retry-after', String(Math.max(1, seconds)))
  }
  return reply
    .code(error.status)
    .header(REQUEST_ID_HEADER, reply.request.id)
    .type('application/problem+json')
    .send(problemBody(error))
}

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'validation_failed',
  FST_ERR_CTP_INVALID_JSON_BODY: 'validation_failed',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'validation_failed',
  FST_ERR_CTP_INVALID_TYPE: 'validation_failed',
}

/**
 * Errors the router raises before any route runs; they reach `errorHandler` through Fastify's
 * `frameworkErrors` option.
 */
const ROUTER_ERRORS = new Set(['FST_ERR_BAD_URL', 'FST_ERR_MAX_PARAM_LENGTH'])

/** Turns anything thrown in a request into a ChatkeepError; never leaks internals on a 5xx. */
export function toChatkeepError(error: FastifyError | Error): ChatkeepError {
  if (error instanceof ChatkeepError) return error
  const fastifyError = error as FastifyError
  if (fastifyError.validation !== undefined) {
    const first = fastifyError.validation[0]
    const missing = first?.params as { missingProperty?: string; additionalProperty?: string }
    const extra = missing?.additionalProperty ?? missing?.missingProperty
    const path = `${first?.instancePath ?? ''}${extra !== undefined ? `/${extra}` : ''}` || '/'
    const context = fastifyError.validationContext ?? 'body'
    const where = context === 'querystring' ? 'query' : context
    const field = where === 'body' ? path : `/${where}${path === '/' ? '' : path}`
    const reason = first?.message ?? 'is invalid'
    return new ChatkeepError('validation_failed', `${field}: ${reason}.`, { field, cause: error })
  }
  const code = fastifyError.code !== undefined ? FASTIFY_CODES[fastifyError.code] : undefined
  if (code !== undefined)
    return new ChatkeepError(code, `${fastifyError.message}.`, { cause: error })
  if (error instanceof SyntaxError) {
    return new ChatkeepError('validation_failed', `The body is not valid JSON: ${error.message}.`, {
      cause: error,
    })
  }
  const status = fastifyError.statusCode ?? 500
  if (status === 404) return new ChatkeepError('not_found', 'No such route.', { cause: error })
  if (status >= 400 && status < 500) {
    const known = Object.entries(ERROR_CODES).find(([, s]) => s === status)?.[0] as
      ErrorCode | undefined
    return new ChatkeepError(known ?? 'validation_failed', `${error.message}.`, { cause: error })
  }
  return new ChatkeepError('internal', 'The server failed unexpectedly; the error is logged.', {
    cause: error,
  })
}

export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const problem = ROUTER_ERRORS.has(error.code) ? pathError(request, error) : toChatkeepError(error)
  if (problem.status >= 500) request.log.error({ err: error }, 'request failed')
  return sendProblem(reply, problem)
}
