/**
 * The HTTP conventions clients and operators rely on: X-Request-Id (accepted, generated,
 * echoed, logged), CORS for listed origins only, problem+json for what the router and Node's
 * HTTP parser refuse, prototype keys refused naming the key, and request logs without content.
 */
import { once } from 'node:events'
import { request as httpRequest } from 'node:http'
import { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { envToServerConfig } from '../../src/config/env.js'
import { resolveServerConfig } from '../../src/config/server-config.js'
import { isUuid } from '../../src/lib/uuid7.js'
import { DatabaseRateLimitStore } from '../../src/rate-limit/database-store.js'
import { describeEachEngine } from '../support/engines.js'
import { type TestApp, testApp } from './test-app.js'

const ORIGIN = 'https://app.example.com'

/** A pino logger whose JSON lines the test reads back. */
function capturedLogger() {
  const lines: Record<string, unknown>[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line))
      done()
    },
  })
  return { logger: pino({ level: 'info' }, stream), lines }
}

/** One raw HTTP/1.1 request, so that Node's own parser (not inject) meets it. */
async function rawRequest(url: string, path: string, headers: Record<string, string> = {}) {
  const request = httpRequest(`${url}${path}`, { headers })
  request.end()
  const [response] = (await once(request, 'response')) as [import('node:http').IncomingMessage]
  let body = ''
  for await (const chunk of response) body += String(chunk)
  return { status: response.statusCode, headers: response.headers, body }
}

describeEachEngine('HTTP conventions', (ctx) => {
  let t: TestApp
  const { logger, lines } = capturedLogger()
  let conversation: string

  beforeAll(async () => {
    t = await testApp(ctx.store, { logger, cors_origins: [ORIGIN, 'http://localhost:5173'] })
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/conversations',
      headers: t.as('alice'),
      payload: {},
    })
    conversation = created.json<{ id: string }>().id
  })
  afterAll(async () => {
    await t?.app.close()
  })

  describe('retriable', () => {
    it('every problem says whether sending the same request again may succeed', async () => {
      const invalid = await t.app.inject({
        method: 'POST',
        url: `/v1/conversations/${conversation}/messages`,
        headers: t.as('alice'),
        payload: { role: 'robot', content: 'x' },
      })
      expect(invalid.statusCode).toBe(400)
      expect(invalid.json()).toMatchObject({ code: 'validation_failed', retriable: false })

      const limits = new DatabaseRateLimitStore(ctx.store.database)
      const limited = await testApp(ctx.store, {
        rate_limit: { store: limits, per_minute: 1, auth_per_minute: 10 },
      })
      try {
        const ask = () =>
          limited.app.inject({ url: '/v1/conversations', headers: limited.as('bob') })
        expect((await ask()).statusCode).toBe(200)
        const refused = await ask()
        expect(refused.statusCode).toBe(429)
        expect(refused.json()).toMatchObject({ code: 'rate_limited', retriable: true })
      } finally {
        await limited.app.close()
        await limits.close()
      }
    })
  })

  describe('X-Request-Id', () => {
    it('takes a well-formed id as given and echoes it, on successes and errors alike', async () => {
      for (const id of ['abc-123', 'trace:01HZX.a_b', 'x'.repeat(128)]) {
        const ok = await t.app.inject({
          url: '/v1/users/me',
          headers: { ...t.as('alice'), 'x-request-id': id },
        })
        expect(ok.statusCode).toBe(200)
        expect(ok.headers['x-request-id']).toBe(id)
        const refused = await t.app.inject({ url: '/v1/users/me', headers: { 'x-request-id': id } })
        expect(refused.statusCode).toBe(401)
        expect(refused.headers['x-request-id']).toBe(id)
      }
    })

    it('replaces an ill-formed id, and gives a fresh UUIDv7 to every request without one', async () => {
      const ids: string[] = []
      for (const given of [undefined, '', 'has space', 'x'.repeat(129), 'ünï', 'a,b']) {
        const response = await t.app.inject({
          url: '/healthz',
          headers: given === undefined ? {} : { 'x-request-id': given },
        })
        const id = String(response.headers['x-request-id'])
        expect(isUuid(id), id).toBe(true)
        expect(id[14]).toBe('7')
        ids.push(id)
      }
      // The router's own refusals and unknown routes carry one too.
      for (const url of ['/v1/messages/%zz', '/no/such/route']) {
        const response = await t.app.inject({ url, headers: t.as('alice') })
        expect(response.statusCode).toBeGreaterThanOrEqual(400)
        ids.push(String(response.headers['x-request-id']))
      }
      expect(new Set(ids).size).toBe(ids.length)
      for (const id of ids) expect(isUuid(id), id).toBe(true)
    })

    it("puts the id on every log line of the request, the server's own and the routes'", async () => {
      const id = `log-test-${ctx.engine}`
      const response = await t.app.inject({
        url: `/v1/conversations/${conversation}`,
        headers: { ...t.as('alice'), 'x-request-id': id },
      })
      expect(response.statusCode).toBe(200)
      const mine = lines.filter((line) => line.request_id === id)
      // One line per request at info, with what tells it apart and how it ended.
      expect(mine.map((line) => line.msg)).toEqual(['request completed'])
      expect(mine[0]).toMatchObject({
        req: { method: 'GET', url: `/v1/conversations/${conversation}` },
        res: { statusCode: 200 },
        responseTime: expect.any(Number),
      })
      // No line of the request went out without it.
      expect(lines.filter((line) => line.msg === 'request completed' && !line.request_id)).toEqual(
        [],
      )
    })
  })

  describe('request log', () => {
    it('never holds search text or other content sent in a query string', async () => {
      const secret = `Secret-${ctx.engine}-${Date.now()}`
      const id = `redact-${ctx.engine}`
      const urls = [
        `/v1/search?q=${secret}%20plans&limit=5&scope=messages`,
        `/v1/conversations?search=${secret}&limit=3`,
        `/v1/documents?source_url=https%3A%2F%2Fintranet%2F${secret}`,
        `/v1/conversations?tag=${secret}`,
        `/v1/search?q=${secret}&q=${secret}&unknown=${secret}`,
      ]
      for (const url of urls) {
        await t.app.inject({ url, headers: { ...t.as('alice'), 'x-request-id': id } })
      }
      const logged = lines.filter((line) => line.request_id === id)
      expect(logged.length).toBe(urls.length)
      expect(JSON.stringify(lines)).not.toContain(secret)
      const first = logged.find((line) => line.msg === 'request completed')
      // What tells requests apart stays readable.
      expect(first?.req).toMatchObject({
        method: 'GET',
        url: '/v1/search?q=[redacted]&limit=5&scope=messages',
      })
    })
  })

  describe('CORS', () => {
    it('answers a preflight from a listed origin before authentication or rate limits', async () => {
      const response = await t.app.inject({
        method: 'OPTIONS',
        url: `/v1/conversations/${conversation}/messages`,
        headers: {
          origin: ORIGIN,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type, idempotency-key',
        },
      })
      expect(response.statusCode).toBe(204)
      expect(response.body).toBe('')
      expect(response.headers).toMatchObject({
        'access-control-allow-origin': ORIGIN,
        'access-control-allow-methods': 'GET, HEAD, POST, PUT, PATCH, DELETE',
        'access-control-max-age': '600',
      })
      const allowed = String(response.headers['access-control-allow-headers']).toLowerCase()
      for (const header of ['authorization', 'content-type', 'idempotency-key', 'x-request-id']) {
        expect(allowed).toContain(header)
      }
      expect(response.headers.vary).toMatch(/Origin/)
      expect(response.headers['access-control-allow-credentials']).toBeUndefined()
    })

    it('lets a listed origin read answers and their headers; any other origin gets nothing', async () => {
      const listed = await t.app.inject({
        url: '/v1/users/me',
        headers: { ...t.as('alice'), origin: 'http://localhost:5173' },
      })
      expect(listed.statusCode).toBe(200)
      expect(listed.headers['access-control-allow-origin']).toBe('http://localhost:5173')
      expect(listed.headers['access-control-expose-headers']).toMatch(/RateLimit-Policy/)
      expect(listed.headers['access-control-expose-headers']).toMatch(/X-Request-Id/)
      expect(listed.headers.vary).toBe('Origin')
      // Errors too: a page must be able to read why it was refused.
      const refused = await t.app.inject({ url: '/v1/users/me', headers: { origin: ORIGIN } })
      expect(refused.statusCode).toBe(401)
      expect(refused.headers['access-control-allow-origin']).toBe(ORIGIN)

      for (const origin of ['https://evil.example.com', `${ORIGIN}.evil.com`, 'null']) {
        const other = await t.app.inject({
          url: '/v1/users/me',
          headers: { ...t.as('alice'), origin },
        })
        expect(other.headers['access-control-allow-origin'], origin).toBeUndefined()
        expect(other.headers.vary, origin).toBe('Origin')
        const preflight = await t.app.inject({
          method: 'OPTIONS',
          url: '/v1/conversations',
          headers: { origin, 'access-control-request-method': 'POST' },
        })
        expect(preflight.statusCode, origin).toBe(404)
        expect(preflight.headers['access-control-allow-origin'], origin).toBeUndefined()
      }
    })

    it('is off by default: no CORS header for any origin', async () => {
      const plain = await testApp(ctx.store)
      try {
        const response = await plain.app.inject({
          url: '/v1/users/me',
          headers: { ...plain.as('alice'), origin: ORIGIN },
        })
        expect(response.statusCode).toBe(200)
        expect(
          Object.keys(response.headers).filter((h) => h.startsWith('access-control-')),
        ).toEqual([])
        expect(response.headers.vary).toBeUndefined()
        const preflight = await plain.app.inject({
          method: 'OPTIONS',
          url: '/v1/conversations',
          headers: { origin: ORIGIN, 'access-control-request-method': 'POST' },
        })
        expect(preflight.statusCode).toBe(404)
      } finally {
        await plain.app.close()
      }
    })
  })

  describe('Idempotency-Key', () => {
    const append = (headers: Record<string, string>, payload: object) =>
      t.app.inject({
        method: 'POST',
        url: `/v1/conversations/${conversation}/messages`,
        headers: { ...t.as('alice'), ...headers },
        payload,
      })

    it("is an append's request_id: a replay with the same key stores one message", async () => {
      const key = `idem-${ctx.engine}-${Date.now()}`
      const first = await append({ 'idempotency-key': key }, { role: 'user', content: 'Hi' })
      expect(first.statusCode).toBe(201)
      expect(first.json()).toMatchObject({ request_id: key, content: 'Hi' })
      const replay = await append({ 'idempotency-key': key }, { role: 'user', content: 'Hi' })
      expect(replay.json().id).toBe(first.json().id)
      // The same key in the body and the header is the same key.
      const both = await append(
        { 'idempotency-key': key },
        { role: 'user', content: 'Hi', request_id: key },
      )
      expect(both.statusCode).toBe(201)
      expect(both.json().id).toBe(first.json().id)
      const bodyOnly = await append({}, { role: 'user', content: 'Hi', request_id: key })
      expect(bodyOnly.json().id).toBe(first.json().id)
      // …and reused with another body it is the usual conflict.
      const other = await append({ 'idempotency-key': key }, { role: 'user', content: 'Other' })
      expect(other.statusCode).toBe(409)
      const stored = await ctx.store.messages.list(conversation, { limit: 200 })
      expect(stored.data.filter((m) => m.request_id === key)).toHaveLength(1)
    })

    it('refuses a key that differs from the body’s request_id, naming the header', async () => {
      const before = await ctx.store.messages.list(conversation, { limit: 200 })
      const response = await append(
        { 'idempotency-key': 'from-header' },
        { role: 'user', content: 'Hi', request_id: 'from-body' },
      )
      expect(response.statusCode).toBe(400)
      expect(response.json()).toMatchObject({
        code: 'validation_failed',
        field: '/headers/idempotency-key',
      })
      expect(response.json().detail).toMatch(/request_id/)
      const tooLong = await append(
        { 'idempotency-key': 'k'.repeat(201) },
        { role: 'user', content: 'Hi' },
      )
      expect(tooLong.json()).toMatchObject({ field: '/headers/idempotency-key' })
      const after = await ctx.store.messages.list(conversation, { limit: 200 })
      expect(after.data.length).toBe(before.data.length)
    })

    it('is documented on the append operation', async () => {
      const document = (await t.app.inject({ url: '/openapi.json' })).json()
      const operation = document.paths['/v1/conversations/{id}/messages'].post
      expect(operation.operationId).toBe('appendMessage')
      expect(operation.parameters).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ in: 'header', name: 'idempotency-key', required: false }),
        ]),
      )
    })
  })

  describe('refusals before any route', () => {
    it('names the path parameter that is badly percent-encoded or too long', async () => {
      const cases: [string, string][] = [
        [`/v1/messages/%zz`, '/params/id'],
        [`/v1/conversations/%E0%A4%A/messages`, '/params/id'],
        [`/v1/admin/config/%C0%AF`, '/params/key'],
        [`/api/chat/sessions/${'%F0%9F%98%80'.repeat(100)}`, '/params/id'],
      ]
      for (const [url, field] of cases) {
        const response = await t.app.inject({ url, headers: t.as('admin') })
        expect(response.statusCode, url).toBe(400)
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/)
        expect(response.json(), url).toMatchObject({ code: 'validation_failed', field })
      }
      // An over-long id is refused by the route's own schema, as a 65-character one is.
      const long = await t.app.inject({
        url: `/v1/messages/${'a'.repeat(5000)}`,
        headers: t.as('alice'),
      })
      const short = await t.app.inject({
        url: `/v1/messages/${'a'.repeat(65)}`,
        headers: t.as('alice'),
      })
      expect(long.json()).toMatchObject({ code: 'validation_failed', field: '/params/id' })
      expect(long.json().detail).toBe(short.json().detail)
      // Where no parameter is, no route is: a bad segment there is a 404.
      const nowhere = await t.app.inject({ url: '/v1/%zz/messages', headers: t.as('alice') })
      expect(nowhere.statusCode).toBe(404)
      expect(nowhere.json()).toMatchObject({ code: 'not_found' })
    })

    it('refuses __proto__ and constructor.prototype keys in a JSON body, naming them, and pollutes nothing', async () => {
      const url = `/v1/conversations/${conversation}/messages`
      const cases: [string, string][] = [
        ['{"__proto__":{"admin":true},"role":"user","content":"x"}', '/__proto__'],
        [
          '{"role":"user","content":"x","metadata":{"a":[{"__proto__":{"p":1}}]}}',
          '/metadata/a/0/__proto__',
        ],
        ['{"role":"user","content":"x","metadata":{"\\u005f_proto__":1}}', '/metadata/__proto__'],
        [
          '{"role":"user","content":"x","metadata":{"constructor":{"prototype":{"p":1}}}}',
          '/metadata/constructor/prototype',
        ],
      ]
      for (const [payload, field] of cases) {
        const response = await t.app.inject({
          method: 'POST',
          url,
          headers: { ...t.as('alice'), 'content-type': 'application/json' },
          payload,
        })
        expect(response.statusCode, payload).toBe(400)
        expect(response.json(), payload).toMatchObject({ code: 'validation_failed', field })
        expect(response.json().detail).toMatch(/reserves for prototypes/)
      }
      expect(({} as Record<string, unknown>).admin).toBeUndefined()
      expect(({} as Record<string, unknown>).p).toBeUndefined()
      // A key merely named constructor is data like any other.
      const fine = await t.app.inject({
        method: 'POST',
        url,
        headers: t.as('alice'),
        payload: { role: 'user', content: 'x', metadata: { constructor: 'Ada', proto: 1 } },
      })
      expect(fine.statusCode).toBe(201)
      expect(fine.json().metadata).toEqual({ constructor: 'Ada', proto: 1 })
    })
  })

  describe('over real HTTP', () => {
    let server: FastifyInstance
    let url: string
    beforeAll(async () => {
      server = (await testApp(ctx.store)).app
      await server.listen({ host: '127.0.0.1', port: 0 })
      const address = server.server.address() as { port: number }
      url = `http://127.0.0.1:${address.port}`
    })
    afterAll(async () => {
      await server?.close()
    })

    it('answers a URL or headers over 16 KiB with problem+json 431 and a request id', async () => {
      for (const [path, headers] of [
        [`/v1/search?q=${'x'.repeat(17 * 1024)}`, {}],
        ['/healthz', { 'x-padding': 'y'.repeat(17 * 1024) }],
      ] as const) {
        const response = await rawRequest(url, path, headers)
        expect(response.status).toBe(431)
        expect(response.headers['content-type']).toBe('application/problem+json')
        expect(isUuid(String(response.headers['x-request-id']))).toBe(true)
        expect(JSON.parse(response.body)).toMatchObject({
          type: 'urn:chatkeep:error:headers_too_large',
          status: 431,
          code: 'headers_too_large',
        })
      }
      // The server goes on serving.
      expect((await rawRequest(url, '/healthz')).status).toBe(200)
    })
  })
})

describe('CORS_ORIGINS', () => {
  it('is a comma-separated list of origins, empty by default', () => {
    expect(envToServerConfig({}).cors_origins).toEqual([])
    expect(
      envToServerConfig({ CORS_ORIGINS: ' https://app.example.com, http://localhost:5173 ,' })
        .cors_origins,
    ).toEqual(['https://app.example.com', 'http://localhost:5173'])
  })

  it('refuses what is not an origin, naming the variable', () => {
    for (const bad of [
      '*',
      'app.example.com',
      'https://app.example.com/',
      'https://a.com/x',
      'null',
    ]) {
      expect(() => envToServerConfig({ CORS_ORIGINS: bad }), bad).toThrow(
        expect.objectContaining({ code: 'invalid_config', field: '/CORS_ORIGINS' }),
      )
    }
    expect(() => resolveServerConfig({ cors_origins: ['https://APP.example.com'] })).toThrow(
      /cors_origins must hold origins/,
    )
  })
})
