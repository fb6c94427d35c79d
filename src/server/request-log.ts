import { LogController } from 'fastify'
import { REQUEST_ID_LOG_LABEL } from './request-id.js'

type Request = Parameters<LogController['incomingRequest']>[0]
type Reply = Parameters<LogController['incomingRequest']>[1]

/**
 * One line per request at info, written when it ends: the method and redacted URL, the status and
 * the time taken (`request completed`, or `request errored` at error). Fastify's own line as a
 * request arrives is at debug: it is what tells a request still in flight (a stuck upload, a
 * stop waiting on a request), which `LOG_LEVEL=debug` shows, and at info it cost as much again
 * as the line that says everything.
 */
export class RequestLog extends LogController {
  constructor() {
    super({ requestIdLogLabel: REQUEST_ID_LOG_LABEL })
  }

  override incomingRequest(request: Request): void {
    request.log.debug({ req: request }, 'incoming request')
  }

  override requestCompleted(error: Error | null | undefined, request: Request, reply: Reply): void {
    const line = { req: request, res: reply, responseTime: reply.elapsedTime }
    if (error) reply.log.error({ ...line, err: error }, 'request errored')
    else reply.log.info(line, 'request completed')
  }
}
