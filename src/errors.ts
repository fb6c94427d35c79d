/**
 * Every failure a user of Chatkeep can meet is a `ChatkeepError` with a stable `code`.
 * The HTTP status rides along so every face (library, server, CLI) reports it the same way.
 */
export const ERROR_CODES = {
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  request_timeout: 408,
  conflict: 409,
  conversation_closed: 409,
  legal_hold: 409,
  message_not_streaming: 409,
  search_disabled: 409,
  cursor_expired: 410,
  content_shredded: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  headers_too_large: 431,
  backup_corrupt: 422,
  rate_limited: 429,
  quota_exceeded: 429,
  invalid_config: 500,
  schema_out_of_date: 503,
  schema_too_new: 503,
  unavailable: 503,
  store_closed: 503,
  storage_full: 503,
  storage_failed: 503,
  decryption_failed: 500,
  backup_failed: 500,
  transcript_corrupt: 500,
  internal: 500,
} as const

export type ErrorCode = keyof typeof ERROR_CODES

export interface ErrorOptions {
  /** The input field at fault, as a JSON pointer (`/content`, `/metadata/tags/0`). */
  field?: string
  cause?: unknown
  /** Whether the same call may succeed when made again later; by default only for RETRIABLE codes. */
  retriable?: boolean
  /** When a refused call may succeed again: the reset of the quota it ran into (ISO 8601). */
  resets_at?: string
}

/**
 * Codes whose failures are passing by default (seed 002: a lost connection, a busy lock, too
 * many requests); a constraint or a validation failure stays until the input changes.
 */
const RETRIABLE: ReadonlySet<ErrorCode> = new Set(['unavailable', 'rate_limited'])

export class ChatkeepError extends Error {
  override readonly name = 'ChatkeepError'
  readonly code: ErrorCode
  readonly status: number
  readonly field: string | undefined
  /**
   * True when the same call may succeed if made again later, and is safe to make again: a lost
   * connection, a busy lock, a deadlock or serialization failure. False for a constraint, bad
   * input or a full disk. Chatkeep's own write retries decide on it.
   */
  readonly retriable: boolean
  /** For `quota_exceeded`: when the quota resets and the same call may succeed. */
  readonly resets_at: string | undefined

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.status = ERROR_CODES[code]
    this.field = options.field
    this.retriable = options.retriable ?? RETRIABLE.has(code)
    this.resets_at = options.resets_at
  }
}

export function isChatkeepError(error: unknown, code?: ErrorCode): error is ChatkeepError {
  return error instanceof ChatkeepError && (code === undefined || error.code === code)
}

export const notFound = (what: string, id: string): ChatkeepError =>
  new ChatkeepError('not_found', `${what} ${id} does not exist; check the id.`, { field: '/id' })
