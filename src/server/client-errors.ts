import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { ChatkeepError } from '../errors.js'
import { uuid7 } from '../lib/uuid7.js'
import { problemBody } from './problem.js'
import { REQUEST_ID_HEADER, REQUEST_ID_LOG_LABEL } from './request-id.js'

/** Node's limit on the request line and headers together (`--max-http-header-size`). */
const HEADER_LIMIT_KIB = 16

/**
 * For Fastify's `clientErrorHandler`: a request Node's HTTP parser refused before Fastify saw
 * it (a URL or headers over 16 KiB, headers that did not arrive in time, bytes that are not
 * HTTP) gets problem+json and an `X-Request-Id` like every other error, then the connection is
 * closed, as the parser cannot go on reading it.
 */
export function clientErrorHandler(
  this: FastifyInstance,
  error: Error & { code?: string },
  socket: Socket,
): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const problem =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new ChatkeepError(
          'headers_too_large',
          `The URL and headers together are over ${HEADER_LIMIT_KIB} KiB; send long input in a JSON body instead.`,
        )
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new ChatkeepError('request_timeout', 'The request did not arrive in time; send it again.')
        : new ChatkeepError('validation_failed', 'The request is not well-formed HTTP/1.1.')
  const id = uuid7()
  this.log.info(
    { [REQUEST_ID_LOG_LABEL]: id, code: error.code, status: problem.status },
    'refused a malformed request',
  )
  if (socket.writable) {
    const body = JSON.stringify(problemBody(problem))
    socket.write(
      `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\n` +
        'Content-Type: application/problem+json\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `${REQUEST_ID_HEADER}: ${id}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    )
  }
  socket.destroy()
}
