// The server's refusals as ChatkeepErrors: its problem+json `code`, `field` and `detail`, and the
// HTTP status when something in between (a proxy) answered without one.
import { ChatkeepError, ERROR_CODES, type ErrorCode } from '../errors.js'

/** The RFC 9457 body the server sends with every error. */
export interface Problem {
  type: string
  title: string
  status: number
  code: string
  detail: string
  retriable?: boolean
  field?: string
  resets_at?: string
}

/** The code of an answer that carries none of ours, by its status. */
const CODE_OF_STATUS: Record<number, ErrorCode> = {
  400: 'validation_failed',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  408: 'request_timeout',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  431: 'headers_too_large',
  502: 'unavailable',
  503: 'unavailable',
  504: 'unavailable',
}

const isKnownCode = (code: unknown): code is ErrorCode =>
  typeof code === 'string' && Object.hasOwn(ERROR_CODES, code)

function isProblem(body: unknown): body is Problem {
  const problem = body as Partial<Problem> | null
  return (
    typeof problem === 'object' &&
    problem !== null &&
    typeof problem.code === 'string' &&
    typeof problem.detail === 'string'
  )
}

/**
 * The error of an answer that is not a 2xx. `body` is what openapi-fetch read (the parsed JSON,
 * or the text when it was not JSON), or the text as it came.
 */
export function errorFromAnswer(response: Response, read: unknown): ChatkeepError {
  const body = typeof read === 'string' ? parsed(read) : read
  const fallback: ErrorCode =
    CODE_OF_STATUS[response.status] ?? (response.status >= 500 ? 'internal' : 'validation_failed')
  // A 5xx is logged by the server under its request id: name it, to find the log line.
  const requestId = response.headers.get('x-request-id')
  const logged = response.status >= 500 && requestId !== null ? ` (request ${requestId})` : ''
  if (isProblem(body)) {
    const code = isKnownCode(body.code) ? body.code : fallback
    // A code this client does not know (a newer server's) stays readable in the message.
    const detail = code === body.code ? body.detail : `${body.detail} [${body.code}]`
    return new ChatkeepError(code, `${detail}${logged}`, {
      ...(typeof body.field === 'string' ? { field: body.field } : {}),
      ...(typeof body.retriable === 'boolean' ? { retriable: body.retriable } : {}),
      ...(typeof body.resets_at === 'string' ? { resets_at: body.resets_at } : {}),
      cause: body,
    })
  }
  const status = `${response.status} ${response.statusText}`.trimEnd()
  return new ChatkeepError(
    fallback,
    `The server answered ${status} without a Chatkeep error body; is base_url a Chatkeep server?${logged}`,
    { cause: body },
  )
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}
