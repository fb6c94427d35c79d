import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  ChatkeepError,
  createClient,
  type ClientOptions,
  type Tokens,
} from '../../src/client/index.js'
import { openStore } from '../../src/index.js'
import { buildApp } from '../../src/server/app.js'
import { type RunningServer, startServer } from '../../src/server/serve.js'
import { AuthService } from '../../src/services/auth.js'
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js'
import { type HttpProxy, startHttpProxy } from '../support/http-proxy.js'

/** The typed client against a real server on each engine, through a proxy that fails on cue. */

const PASSWORD = 'correct horse battery'
const JWT_SECRET = 'client-test-secret-of-at-least-32-characters'
/** Retries as the client makes them, but with short waits: these tests count, not time. */
const FAST_RETRY = { base_delay_ms: 5, max_delay_ms: 2_000 }
const MESSAGES = /^\/v1\/conversations\/[^/]+\/messages$/
const problem = (status: number, code: string) =>
  JSON.stringify({ type: `urn:chatkeep:error:${code}`, title: code, status, code, detail: code })

async function serve(database_url: string): Promise<RunningServer> {
  return startServer({
    store_config: { database_url },
    server_config: {
      port: 0,
      log_level: 'silent',
      jwt_secret: JWT_SECRET,
      rate_limit_per_minute: 100_000,
      auth_rate_limit_per_minute: 100_000,
    },
  })
}

/** Access tokens of the clocked server live this long. */
const SHORT_TTL_S = 60

/**
 * The app over `database_url` on a free port, its auth on a clock that `advance` moves, so
 * that an access token expires when the test says, however slow the machine.
 */
async function serveWithClock(database_url: string) {
  let skew = 0
  const store = await openStore({ database_url })
  const auth = await AuthService.open(store, {
    access_token_ttl_s: SHORT_TTL_S,
    refresh_token_ttl_s: 86_400,
    jwt_secret: JWT_SECRET,
    now: () => Date.now() + skew,
  })
  const app = await buildApp({ store, auth })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    advance: (ms: number) => (skew += ms),
    [Symbol.asyncDispose]: async () => {
      await app.close()
      await store.close()
    },
  }
}

let counter = 0
const username = () => `user_${process.pid}_${++counter}`

for (const engine of ENGINES) {
  describe(`chatkeep/client against the server [${engine}]`, () => {
    let database: TestDatabase
    let server: RunningServer
    let proxy: HttpProxy

    beforeAll(async () => {
      database = await createTestDatabase(engine)
      server = await serve(database.database_url)
      proxy = await startHttpProxy(server.url)
    })
    afterAll(async () => {
      await proxy?.close()
      await server?.close()
      await database?.drop()
    })

    /** A client through the proxy, logged in as a new user; `seen` is what the proxy saw since. */
    async function loggedIn(options: Partial<ClientOptions> = {}) {
      const client = createClient({ base_url: proxy.url, retry: FAST_RETRY, ...options })
      const account = await client.auth.register({ username: username(), password: PASSWORD })
      const from = proxy.seen.length
      return { client, account, seen: () => proxy.seen.slice(from) }
    }

    test('logs in with a username and password, keeps the tokens and acts as that user', async () => {
      const name = username()
      await createClient({ base_url: server.url }).auth.register({
        username: name,
        password: PASSWORD,
      })
      const kept: (Tokens | null)[] = []
      const client = createClient({ base_url: server.url, on_tokens: (t) => kept.push(t) })
      const login = await client.auth.login({ username: name, password: PASSWORD })
      expect(login.user.username).toBe(name)
      expect(kept).toEqual([
        { access_token: login.access_token, refresh_token: login.refresh_token },
      ])
      expect(client.auth.tokens()).toEqual(kept[0])
      expect((await client.users.me()).id).toBe(login.user.id)

      // The tokens kept from one client carry on in another (a page reload).
      const later = createClient({ base_url: server.url, tokens: kept[0]! })
      expect((await later.users.me()).id).toBe(login.user.id)

      const renewed = await client.auth.refresh()
      expect(renewed.access_token).not.toBe(login.access_token)
      expect(kept.at(-1)).toEqual(renewed)
      expect((await client.users.me()).id).toBe(login.user.id)

      await client.auth.logout()
      expect(kept.at(-1)).toBeNull()
      expect(client.auth.tokens()).toBeUndefined()
    })

    test('a wrong password is unauthorized, with no refresh attempted', async () => {
      const { client, account, seen } = await loggedIn()
      const error = await client.auth
        .login({ username: account.user.username, password: 'wrong password!' })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ChatkeepError)
      expect(error).toMatchObject({ code: 'unauthorized', status: 401, retriable: false })
      expect(seen().map((s) => s.url)).toEqual(['/v1/auth/login'])
    })

    test('renews an expired access token once, for every request refused meanwhile', async () => {
      // The app on the same database with a clock the test moves: tokens expire on cue.
      await using shortLived = await serveWithClock(database.database_url)
      const sent: string[] = []
      const kept: (Tokens | null)[] = []
      const client = createClient({
        base_url: shortLived.url,
        on_tokens: (t) => kept.push(t),
        fetch: (request) => {
          sent.push(`${request.method} ${new URL(request.url).pathname}`)
          return fetch(request)
        },
      })
      const login = await client.auth.register({ username: username(), password: PASSWORD })
      const chat = await client.conversations.create({ title: 'Expiring' })
      shortLived.advance((SHORT_TTL_S + 1) * 1000)
      const expired = await fetch(`${shortLived.url}/v1/users/me`, {
        headers: { authorization: `Bearer ${login.access_token}` },
      })
      expect(expired.status).toBe(401)

      sent.length = 0
      const [me, page, got, again, appended] = await Promise.all([
        client.users.me(),
        client.conversations.list(),
        client.conversations.get(chat.id),
        client.users.me(),
        client.messages.append(chat.id, { role: 'user', content: 'after expiry' }),
      ])
      expect(me.id).toBe(login.user.id)
      expect(again.id).toBe(login.user.id)
      expect(page.data.map((c) => c.id)).toContain(chat.id)
      expect(got.id).toBe(chat.id)
      expect(appended.sequence).toBe(1)
      expect(sent.filter((s) => s === 'POST /v1/auth/refresh')).toHaveLength(1)
      // Five refused, one refresh, five sent again.
      expect(sent).toHaveLength(11)
      expect(kept).toEqual([
        { access_token: login.access_token, refresh_token: login.refresh_token },
        { access_token: expect.any(String), refresh_token: expect.stringMatching(/^ckr_/) },
      ])
      expect(kept[1]!.access_token).not.toBe(login.access_token)
      expect(client.auth.tokens()).toEqual(kept[1])
    })

    test('a refused refresh surfaces unauthorized and forgets the tokens; the request goes once', async () => {
      const kept: (Tokens | null)[] = []
      const { client, seen } = await loggedIn({ on_tokens: (t) => kept.push(t) })
      // The same session ended from elsewhere: its access and refresh tokens stop working.
      await createClient({ base_url: server.url, tokens: client.auth.tokens()! }).auth.logout()

      const error = await client.users.me().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ChatkeepError)
      expect(error).toMatchObject({ code: 'unauthorized', status: 401 })
      expect((error as Error).message).toMatch(/log in again/)
      expect(seen().map((s) => `${s.method} ${s.url}`)).toEqual([
        'GET /v1/users/me',
        'POST /v1/auth/refresh',
      ])
      expect(kept.at(-1)).toBeNull()
      expect(client.auth.tokens()).toBeUndefined()
      await expect(client.auth.refresh()).rejects.toMatchObject({ code: 'unauthorized' })
    })

    test('an API key is the bearer token; a revoked one is unauthorized and never refreshed', async () => {
      const { client, account } = await loggedIn()
      const created = await client.auth.createApiKey({ name: 'ci' })
      expect(created.key).toMatch(/^ck_[0-9a-f]{12}_/)
      const keyed = createClient({ base_url: proxy.url, api_key: created.key })
      expect((await keyed.users.me()).id).toBe(account.user.id)
      const chat = await keyed.conversations.create({ title: 'By key' })
      expect(chat.user_id).toBe(account.user.id)

      await client.auth.revokeApiKey(created.id)
      const from = proxy.seen.length
      await expect(keyed.users.me()).rejects.toMatchObject({ code: 'unauthorized', status: 401 })
      expect(proxy.seen.slice(from).map((s) => s.url)).toEqual(['/v1/users/me'])
    })

    test('a GET is sent again after a transient 503, once its Retry-After has passed', async () => {
      const { client, seen } = await loggedIn()
      const chat = await client.conversations.create({ title: 'Flaky' })
      proxy.fail('GET', /^\/v1\/conversations\/[^/]+$/, {
        kind: 'answer',
        status: 503,
        headers: { 'retry-after': '1' },
        body: problem(503, 'unavailable'),
      })
      const started = Date.now()
      expect((await client.conversations.get(chat.id)).title).toBe('Flaky')
      // Timers may fire a millisecond early; the wait is Retry-After's second, not a backoff's few ms.
      expect(Date.now() - started).toBeGreaterThanOrEqual(990)
      const gets = seen().filter((s) => s.method === 'GET')
      expect(gets.map((s) => s.fault)).toEqual(['answer', undefined])
    })

    test('a GET is sent again after a dropped connection, and gives up after `retries`', async () => {
      const { client, seen } = await loggedIn({ retry: { ...FAST_RETRY, retries: 2 } })
      proxy.fail('GET', /^\/v1\/users\/me$/, { kind: 'drop_request' }, 2)
      expect((await client.users.me()).role).toBe('user')
      expect(seen().map((s) => s.fault)).toEqual(['drop_request', 'drop_request', undefined])

      proxy.fail('GET', /^\/v1\/users\/me$/, { kind: 'drop_request' }, 3)
      const error = await client.users.me().catch((e: unknown) => e)
      expect(error).toMatchObject({ code: 'unavailable', retriable: true })
      expect((error as Error).message).toMatch(/3 attempts/)
    })

    test('a Retry-After longer than max_delay_ms is not waited for: the 429 is the answer', async () => {
      const { client, seen } = await loggedIn()
      proxy.fail('GET', /^\/v1\/conversations$/, {
        kind: 'answer',
        status: 429,
        headers: { 'retry-after': '60' },
        body: problem(429, 'rate_limited'),
      })
      const error = await client.conversations.list().catch((e: unknown) => e)
      expect(error).toMatchObject({ code: 'rate_limited', status: 429, retriable: true })
      expect(seen().map((s) => s.url)).toEqual(['/v1/conversations'])
    })

    test('an abort signal ends a request, even while it waits to go again', async () => {
      const { client, seen } = await loggedIn({ retry: { ...FAST_RETRY, max_delay_ms: 60_000 } })
      proxy.fail('GET', /^\/v1\/users\/me$/, {
        kind: 'answer',
        status: 503,
        headers: { 'retry-after': '30' },
        body: problem(503, 'unavailable'),
      })
      const controller = new AbortController()
      const pending = client.raw.GET('/v1/users/me', { signal: controller.signal })
      await expect.poll(() => seen().length).toBe(1)
      controller.abort(new Error('the user left'))
      await expect(pending).rejects.toThrow('the user left')
      expect(seen()).toHaveLength(1)
    })

    test('an append with a request_id whose answer was lost is sent again and lands once', async () => {
      const { client, seen } = await loggedIn()
      const chat = await client.conversations.create({ title: 'Lossy' })
      proxy.fail('POST', MESSAGES, { kind: 'drop_answer' })
      const message = await client.messages.append(chat.id, {
        role: 'user',
        content: 'Hi',
        request_id: 'turn-1',
      })
      expect(message.sequence).toBe(1)

      // The same through the raw client, keyed by the Idempotency-Key header instead.
      proxy.fail('POST', MESSAGES, { kind: 'drop_answer' })
      const { data, error } = await client.raw.POST('/v1/conversations/{id}/messages', {
        params: { path: { id: chat.id }, header: { 'idempotency-key': 'turn-2' } },
        body: { role: 'user', content: 'Again' },
      })
      expect(error).toBeUndefined()
      expect(data).toMatchObject({ sequence: 2, request_id: 'turn-2' })

      const appends = seen().filter((s) => s.method === 'POST' && MESSAGES.test(s.url))
      expect(appends.map((s) => s.fault)).toEqual([
        'drop_answer',
        undefined,
        'drop_answer',
        undefined,
      ])
      const stored = await client.messages.list(chat.id)
      expect(stored.data.map((m) => [m.sequence, m.content])).toEqual([
        [1, 'Hi'],
        [2, 'Again'],
      ])
      expect((await client.conversations.get(chat.id)).message_count).toBe(2)
    })

    test('a write without a request_id is never sent again: not after a lost answer, not after a 503', async () => {
      const { client, seen } = await loggedIn()
      const chat = await client.conversations.create({ title: 'Once' })
      proxy.fail('POST', MESSAGES, { kind: 'drop_answer' })
      const lost = await client.messages
        .append(chat.id, { role: 'user', content: 'no key' })
        .catch((e: unknown) => e)
      expect(lost).toMatchObject({ code: 'unavailable', retriable: false })
      expect((lost as Error).message).toMatch(/may or may not have been applied/)
      // It did land, once: the server handled it before the connection was cut.
      expect((await client.messages.lastN(chat.id, 10)).map((m) => m.content)).toEqual(['no key'])

      proxy.fail('POST', /^\/v1\/conversations$/, {
        kind: 'answer',
        status: 503,
        headers: { 'retry-after': '0' },
        body: problem(503, 'unavailable'),
      })
      await expect(client.conversations.create({ title: 'Refused' })).rejects.toMatchObject({
        code: 'unavailable',
        status: 503,
      })
      const writes = seen().filter((s) => s.method === 'POST')
      expect(writes.map((s) => [s.url.replace(chat.id, ':id'), s.fault])).toEqual([
        ['/v1/conversations', undefined],
        ['/v1/conversations/:id/messages', 'drop_answer'],
        ['/v1/conversations', 'answer'],
      ])
    })

    test('iterators walk every page, asking for the next only when the loop gets there', async () => {
      const { client, seen } = await loggedIn()
      const created = []
      for (let i = 0; i < 7; i++)
        created.push(await client.conversations.create({ title: `c${i}` }))
      const listed = (await client.conversations.list({ limit: 100 })).data.map((c) => c.id)
      expect(listed).toHaveLength(7)

      const from = seen().length
      const walked = []
      for await (const c of client.conversations.iterate({ limit: 3 })) walked.push(c.id)
      expect(walked).toEqual(listed)
      expect(
        seen()
          .slice(from)
          .map((s) => s.url),
      ).toEqual([
        '/v1/conversations?limit=3',
        `/v1/conversations?limit=3&after=${listed[2]}`,
        `/v1/conversations?limit=3&after=${listed[5]}`,
      ])

      const early = seen().length
      const firstFour = []
      for await (const c of client.conversations.iterate({ limit: 3 })) {
        firstFour.push(c.id)
        if (firstFour.length === 4) break
      }
      expect(firstFour).toEqual(listed.slice(0, 4))
      expect(seen().length - early).toBe(2)

      const chat = created[0]!
      for (let i = 1; i <= 10; i++) {
        await client.messages.append(chat.id, { role: 'user', content: `zebra number ${i}` })
      }
      const sequences = []
      for await (const m of client.messages.iterate(chat.id, { limit: 4 }))
        sequences.push(m.sequence)
      expect(sequences).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
      const newestFirst = []
      for await (const m of client.messages.iterate(chat.id, { limit: 4, order: 'desc' })) {
        newestFirst.push(m.sequence)
      }
      expect(newestFirst).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1])
      expect((await client.messages.lastN(chat.id, 3)).map((m) => m.sequence)).toEqual([8, 9, 10])

      const hits = []
      for await (const hit of client.search.iterate({ q: 'zebra', limit: 3 })) hits.push(hit.id)
      expect(new Set(hits).size).toBe(10)
    })

    test('documents and search: ingest, list, iterate, similar', async () => {
      const { client } = await loggedIn()
      for (let i = 0; i < 3; i++) {
        const result = await client.documents.ingest({
          title: `Doc ${i}`,
          source_url: `https://example.com/${i}`,
          chunks: [{ content: `chunk about otters ${i}`, embedding: [1, i, 0] }],
        })
        expect(result.created).toBe(true)
      }
      const titles = []
      for await (const d of client.documents.iterate({ limit: 2 })) titles.push(d.title)
      expect(titles.sort()).toEqual(['Doc 0', 'Doc 1', 'Doc 2'])
      const similar = await client.search.similar({ embedding: [1, 0, 0], k: 2 })
      expect(similar.map((h) => h.content)).toEqual([
        'chunk about otters 0',
        'chunk about otters 1',
      ])
      const found = await client.search.search({ q: 'otters', scope: 'documents' })
      expect(found.data).toHaveLength(3)
    })

    test('semantic recall: embeddings on append and set later, similarMessages', async () => {
      const { client } = await loggedIn()
      const chat = await client.conversations.create({ title: 'Recall' })
      await client.messages.append(chat.id, {
        role: 'user',
        content: 'otters hold hands',
        embedding: [1, 0, 0],
      })
      const later = await client.messages.append(chat.id, { role: 'assistant', content: 'yes' })
      await client.messages.setEmbedding(later.id, [1, 1, 0])
      const hits = await client.search.similarMessages({ embedding: [1, 0, 0], k: 2 })
      expect(hits.map((h) => h.content)).toEqual(['otters hold hands', 'yes'])
      expect(hits[0]).toMatchObject({ object: 'message', conversation_id: chat.id, role: 'user' })
    })

    test("errors carry the server's code, status and field", async () => {
      const { client } = await loggedIn()
      const chat = await client.conversations.create({ title: 'Errors' })

      const missing = await client.conversations
        .get('00000000-0000-7000-8000-000000000000')
        .catch((e) => e)
      expect(missing).toBeInstanceOf(ChatkeepError)
      expect(missing).toMatchObject({ code: 'not_found', status: 404, retriable: false })

      const invalid = await client.messages
        .append(chat.id, { role: 'robot' as 'user', content: 'x' })
        .catch((e: unknown) => e)
      expect(invalid).toMatchObject({ code: 'validation_failed', status: 400, field: '/role' })
      expect((invalid as Error).message).toMatch(/^\/role: must be one of/)

      await client.messages.append(chat.id, { role: 'user', content: 'one', request_id: 'k' })
      await expect(
        client.messages.append(chat.id, { role: 'user', content: 'two', request_id: 'k' }),
      ).rejects.toMatchObject({ code: 'conflict', status: 409 })

      // The raw client answers `{ error }` with the problem body instead of throwing.
      const { error, response } = await client.raw.GET('/v1/admin/stats')
      expect(response.status).toBe(403)
      expect(error).toMatchObject({ code: 'forbidden', status: 403 })
    })
  })
}
