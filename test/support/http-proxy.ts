import http from 'node:http'
import type { AddressInfo } from 'node:net'

/** What the proxy does to one request instead of relaying it as it is. */
export type Fault =
  /** The proxy answers itself; the server never sees the request. */
  | { kind: 'answer'; status: number; headers?: Record<string, string>; body?: string }
  /** The connection is cut once the request has arrived, before the server sees it. */
  | { kind: 'drop_request' }
  /** The server handles the request; the connection is cut before its answer gets back. */
  | { kind: 'drop_answer' }

export interface Seen {
  method: string
  /** The path with its query. */
  url: string
  /** The fault it met, if any. */
  fault: Fault['kind'] | undefined
  /** Its Authorization header, to tell which token a request carried. */
  authorization: string | undefined
  body: string
}

export interface HttpProxy {
  url: string
  /** The requests that came through, in arrival order. */
  readonly seen: Seen[]
  /** The next `times` requests matching `method` and `path` meet `fault`. */
  fail(method: string, path: RegExp, fault: Fault, times?: number): void
  close(): Promise<void>
}

/**
 * An HTTP relay in front of a real server that fails chosen requests on purpose: a 503 or 429
 * of its own, or a connection cut before or after the server handled the request.
 */
export async function startHttpProxy(target: string): Promise<HttpProxy> {
  const upstream = new URL(target)
  const seen: Seen[] = []
  const plans: { method: string; path: RegExp; fault: Fault; left: number }[] = []

  const server = http.createServer(async (request, response) => {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks)
    const url = request.url ?? '/'
    const path = url.split('?')[0]!
    const plan = plans.find((p) => p.left > 0 && p.method === request.method && p.path.test(path))
    if (plan !== undefined) plan.left -= 1
    const fault = plan?.fault
    seen.push({
      method: request.method ?? '',
      url,
      fault: fault?.kind,
      authorization: request.headers.authorization,
      body: body.toString('utf8'),
    })
    if (fault?.kind === 'drop_request') return request.socket.destroy()
    if (fault?.kind === 'answer') {
      response.writeHead(fault.status, {
        'content-type': 'application/problem+json',
        ...fault.headers,
      })
      return response.end(fault.body ?? '')
    }
    const relayed = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: request.method,
        path: url,
        headers: { ...request.headers, host: upstream.host },
        // A fresh connection each time: a pooled one the server closed while idle would fail
        // the relay with a cut the test never asked for.
        agent: false,
      },
      (answer) => {
        const parts: Buffer[] = []
        answer.on('data', (chunk: Buffer) => parts.push(chunk))
        answer.on('end', () => {
          if (fault?.kind === 'drop_answer') return request.socket.destroy()
          response.writeHead(answer.statusCode ?? 502, answer.headers)
          response.end(Buffer.concat(parts))
        })
      },
    )
    relayed.on('error', () => request.socket.destroy())
    relayed.end(body)
  })
  // Node's 5 s default would close a client's idle connection just as the client reuses it (a
  // test that waits a few seconds between requests); the client would then see a cut.
  server.keepAliveTimeout = 120_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    fail: (method, path, fault, times = 1) => plans.push({ method, path, fault, left: times }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
