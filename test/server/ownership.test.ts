/**
 * Guarantee 5 over HTTP: Bob, calling any route that takes an id with one of Alice's ids, gets
 * exactly the answer an id that does not exist gets (404, or 403 on a route he may not use at
 * all); lists and cursors show him nothing of hers; and not one of her rows changes. The routes
 * are discovered as the app registers them: a new route with a path parameter fails this file
 * until it has a case here.
 */
import { channel } from 'node:diagnostics_channel'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse, RouteOptions } from 'fastify'
import { sql } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type Conversation, createStore, type Message } from '../../src/index.js'
import { uuid7 } from '../../src/lib/uuid7.js'
import type { ApiKey, AuthSession, CreatedApiKey, TokenResponse } from '../../src/schemas/auth.js'
import type { IngestResult } from '../../src/schemas/documents.js'
import { buildApp } from '../../src/server/app.js'
import { AuthService } from '../../src/services/auth.js'
import { describeEachEngine } from '../support/engines.js'

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
type Kind = 'conversation' | 'message' | 'session' | 'api_key' | 'user' | 'document' | 'transcript'
/** Bob calls with the access token of a login, or with an API key of his. */
type Credential = 'token' | 'key'

/** The ids a request carries: `id` goes in the path; `other` in a body or query (a parent, a cursor). */
interface Ids {
  id: string
  other: string
}
/** One request to aim at a route. */
type Variant = (ids: Ids) => { query?: string; payload?: unknown }

interface RouteCase {
  /** Which of Alice's ids the path takes. */
  kind: Kind
  /** What Bob gets, for her id and a missing one alike. */
  refusal: (credential: Credential) => 403 | 404
  variants: Variant[]
}

const asUser = () => 404 as const
const asAdmin = () => 403 as const
/** Sessions and keys are managed from a login only: an API key is refused before any lookup. */
const asLogin = (credential: Credential) => (credential === 'token' ? 404 : 403)

const plain: Variant = () => ({})
const body =
  (payload: unknown): Variant =>
  () => ({ payload })

/**
 * Every route that takes an id, as `METHOD path` exactly as registered. A HEAD route Fastify
 * adds for a GET is walked with the GET's case.
 */
const CASES: Record<string, RouteCase> = {
  'DELETE /v1/auth/sessions/:id': { kind: 'session', refusal: asLogin, variants: [plain] },
  'DELETE /v1/auth/api-keys/:id': { kind: 'api_key', refusal: asLogin, variants: [plain] },
  'GET /v1/users/:id': { kind: 'user', refusal: asAdmin, variants: [plain] },
  'PATCH /v1/users/:id': {
    kind: 'user',
    refusal: asAdmin,
    variants: [body({ is_active: false }), body({ role: 'admin' }), body({ display_name: 'x' })],
  },
  'DELETE /v1/users/:id': { kind: 'user', refusal: asAdmin, variants: [plain] },
  'GET /v1/users/:id/export': { kind: 'user', refusal: asAdmin, variants: [plain] },
  'POST /v1/users/:id/erase': { kind: 'user', refusal: asAdmin, variants: [plain] },
  'GET /v1/users/:id/erase': { kind: 'user', refusal: asAdmin, variants: [plain] },
  'GET /v1/users/:id/sessions': { kind: 'user', refusal: asAdmin, variants: [plain] },
  'DELETE /v1/users/:id/sessions/:credential_id': {
    kind: 'user',
    refusal: asAdmin,
    variants: [plain],
  },
  'GET /v1/users/:id/api-keys': { kind: 'user', refusal: asAdmin, variants: [plain] },
  'DELETE /v1/users/:id/api-keys/:credential_id': {
    kind: 'user',
    refusal: asAdmin,
    variants: [plain],
  },
  // The console's files: an id in their place is a file that is not there.
  'GET /admin/*': { kind: 'user', refusal: asUser, variants: [plain] },
  'GET /v1/conversations/:id': { kind: 'conversation', refusal: asUser, variants: [plain] },
  'PATCH /v1/conversations/:id': {
    kind: 'conversation',
    refusal: asUser,
    variants: [
      body({ title: 'taken over' }),
      body({ status: 'active' }),
      body({ status: 'closed', metadata: { tags: ['bob'] }, parameters: { top_p: 1 } }),
      ({ other }) => ({ payload: { active_leaf_id: other } }),
    ],
  },
  'DELETE /v1/conversations/:id': { kind: 'conversation', refusal: asUser, variants: [plain] },
  'POST /v1/conversations/:id/restore': {
    kind: 'conversation',
    refusal: asUser,
    variants: [plain],
  },
  'POST /v1/conversations/:id/fork': {
    kind: 'conversation',
    refusal: asUser,
    variants: [body({}), ({ other }) => ({ payload: { message_id: other } })],
  },
  'POST /v1/conversations/:id/messages': {
    kind: 'conversation',
    refusal: asUser,
    variants: [
      body({ role: 'user', content: 'hi' }),
      // Alice's idempotency key, with her very body: a replay must not hand her message back.
      body({ role: 'user', content: 'question', request_id: 'turn-1' }),
      // A parent of hers in her own conversation must not get further than a missing one.
      ({ other }) => ({ payload: { role: 'assistant', content: 'x', parent_id: other } }),
    ],
  },
  'POST /v1/conversations/:id/messages/batch': {
    kind: 'conversation',
    refusal: asUser,
    variants: [
      body({ messages: [{ role: 'user', content: 'hi' }] }),
      body({ messages: [{ role: 'user', content: 'question', request_id: 'turn-1' }] }),
      ({ other }) => ({
        payload: {
          messages: [
            { role: 'user', content: 'x' },
            { role: 'assistant', content: 'y', parent_id: other },
          ],
        },
      }),
    ],
  },
  'GET /v1/conversations/:id/context': { kind: 'conversation', refusal: asUser, variants: [plain] },
  'GET /v1/conversations/:id/messages': {
    kind: 'conversation',
    refusal: asUser,
    variants: [
      plain,
      () => ({ query: 'last=5' }),
      ({ other }) => ({ query: `leaf=${other}` }),
      ({ other }) => ({ query: `after=${other}` }),
      ({ other }) => ({ query: `before=${other}&order=desc` }),
      () => ({ query: 'limit=1&order=desc&role=user' }),
    ],
  },
  'GET /v1/messages/:id': { kind: 'message', refusal: asUser, variants: [plain] },
  'GET /v1/messages/:id/citations': { kind: 'message', refusal: asUser, variants: [plain] },
  'GET /v1/messages/:id/siblings': { kind: 'message', refusal: asUser, variants: [plain] },
  'DELETE /v1/messages/:id': { kind: 'message', refusal: asUser, variants: [plain] },
  'POST /v1/messages/:id/restore': { kind: 'message', refusal: asUser, variants: [plain] },
  'POST /v1/messages/:id/deltas': {
    kind: 'message',
    refusal: asUser,
    variants: [body({ content: 'taken over' })],
  },
  'POST /v1/messages/:id/finish': { kind: 'message', refusal: asUser, variants: [body({})] },
  'POST /v1/messages/:id/abort': { kind: 'message', refusal: asUser, variants: [body({})] },
  'GET /v1/messages/:id/stream': { kind: 'message', refusal: asUser, variants: [plain] },
  'PUT /v1/messages/:id/feedback': {
    kind: 'message',
    refusal: asUser,
    variants: [body({ feedback: -1 }), body({ feedback: null })],
  },
  'PUT /v1/messages/:id/embedding': {
    kind: 'message',
    refusal: asUser,
    variants: [body({ embedding: [1, 0, 0] }), body({ embedding: null })],
  },
  'GET /v1/documents/:id': { kind: 'document', refusal: asUser, variants: [plain] },
  'PATCH /v1/documents/:id': {
    kind: 'document',
    refusal: asUser,
    variants: [body({ title: 'taken over' }), body({ metadata: { owner: 'bob' } })],
  },
  'DELETE /v1/documents/:id': { kind: 'document', refusal: asUser, variants: [plain] },
  'POST /v1/conversations/:id/transcripts': {
    kind: 'conversation',
    refusal: asUser,
    variants: [body({}), body({ format: 'csv' })],
  },
  'GET /v1/conversations/:id/transcripts': {
    kind: 'conversation',
    refusal: asUser,
    variants: [plain, ({ other }) => ({ query: `after=${other}` })],
  },
  'GET /v1/transcripts/:id': { kind: 'transcript', refusal: asUser, variants: [plain] },
  'GET /v1/transcripts/:id/content': { kind: 'transcript', refusal: asUser, variants: [plain] },
  'DELETE /v1/transcripts/:id': { kind: 'transcript', refusal: asUser, variants: [plain] },
  'GET /api/chat/sessions/:id': { kind: 'conversation', refusal: asUser, variants: [plain] },
  'DELETE /api/chat/sessions/:id': { kind: 'conversation', refusal: asUser, variants: [plain] },
  // Config keys are nobody's: the routes are for admins alone, whatever the key.
  'GET /v1/admin/config/:key': { kind: 'user', refusal: asAdmin, variants: [plain] },
  'PUT /v1/admin/config/:key': { kind: 'user', refusal: asAdmin, variants: [body({ value: 1 })] },
  'DELETE /v1/admin/config/:key': { kind: 'user', refusal: asAdmin, variants: [plain] },
  // Legal holds are an admin's alone, whatever they hold.
  'DELETE /v1/admin/legal-holds/:id': { kind: 'user', refusal: asAdmin, variants: [plain] },
  'GET /v1/admin/webhooks/:id': { kind: 'user', refusal: asAdmin, variants: [plain] },
  'PATCH /v1/admin/webhooks/:id': {
    kind: 'user',
    refusal: asAdmin,
    variants: [body({ enabled: false })],
  },
  'DELETE /v1/admin/webhooks/:id': { kind: 'user', refusal: asAdmin, variants: [plain] },
  'GET /v1/admin/webhooks/:id/deliveries': { kind: 'user', refusal: asAdmin, variants: [plain] },
  // Cached responses are keyed by a hash under the caller's own scope: no id is a key, so both
  // answer 404. test/server/response-cache.test.ts checks that Bob never reaches Alice's entries.
  'GET /v1/cache/responses/:key': { kind: 'conversation', refusal: asUser, variants: [plain] },
  'DELETE /v1/cache/responses/:key': { kind: 'conversation', refusal: asUser, variants: [plain] },
  // The docs page's static files: public, nobody's data; an id there is a missing file.
  'GET /docs/static/*': { kind: 'conversation', refusal: asUser, variants: [plain] },
}

/** A route the app registered whose path has a parameter, `METHOD path`. */
const hasParam = (url: string) => /[:*]/.test(url)

/** Tables holding rows of a user, each with a `user_id` column. */
const OWNED_TABLES = [
  'conversations',
  'messages',
  'auth_sessions',
  'refresh_tokens',
  'api_keys',
  'documents',
  'transcripts',
  'audit_events',
] as const

/** The same id with its last hex digit changed: it sorts where the original does, yet is no row. */
const twin = (id: string) => `${id.slice(0, -1)}${id.endsWith('0') ? '1' : '0'}`

/** What a response tells its caller, with the ids the request carried blanked out. */
function observed(response: LightMyRequestResponse, ids: string[]) {
  let text = response.body
  for (const id of ids) text = text.replaceAll(id, '<id>')
  return {
    status: response.statusCode,
    content_type: response.headers['content-type'],
    content_length: response.headers['content-length'],
    www_authenticate: response.headers['www-authenticate'],
    body: text === '' ? null : (JSON.parse(text) as Record<string, unknown>),
  }
}

describeEachEngine('ownership over HTTP', (ctx) => {
  let app: FastifyInstance
  /** `METHOD path` of every route registered with a path parameter. */
  const discovered = new Set<string>()
  const marker = `alice-secret-${Math.random().toString(36).slice(2, 10)}`
  const channelId = `channel-${process.pid}-${Date.now()}`
  let counter = 0
  const unique = (name: string) => `${name}_${process.pid}_${++counter}`

  /** What Alice owns: every id Bob's requests aim at. */
  const alice = {
    user_id: '',
    token: '',
    conversations: [] as Conversation[],
    messages: [] as Message[],
    sessions: [] as string[],
    api_keys: [] as string[],
    /** Her documents (one soft-deleted) and their chunks' ids. */
    documents: [] as string[],
    chunks: [] as string[],
    /** Her transcripts of her first conversation. */
    transcripts: [] as string[],
    /** For each conversation of hers, a message of that conversation. */
    other: new Map<string, string>(),
    /** Her soft-deleted conversations. */
    deleted: new Set<string>(),
  }
  const bob = { token: '', key: '', conversations: [] as Conversation[], messages: [] as Message[] }
  let adminToken = ''
  let snapshot: Record<string, unknown[]>
  let transcriptDir = ''

  const auth = (token: string) => ({ authorization: `Bearer ${token}` })
  async function call(
    method: Method,
    url: string,
    token: string,
    payload?: unknown,
  ): Promise<LightMyRequestResponse> {
    const options: InjectOptions = { method, url, headers: auth(token) }
    if (payload !== undefined) options.payload = payload as InjectOptions['payload']
    return app.inject(options)
  }
  async function ok<T>(response: LightMyRequestResponse | Promise<LightMyRequestResponse>) {
    const r = await response
    expect(r.statusCode, r.body).toBeLessThan(300)
    return r.json<T>()
  }
  const register = (username: string) =>
    ok<TokenResponse>(
      app.inject({
        method: 'POST',
        url: '/v1/auth/register',
        payload: { username, password: 'correct horse battery' },
      }),
    )
  const login = (username: string) =>
    ok<TokenResponse>(
      app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { username, password: 'correct horse battery' },
      }),
    )

  /** Every row of Alice's, straight from the tables. */
  async function rowsOfAlice(): Promise<Record<string, unknown[]>> {
    const db = ctx.store.database.kysely
    const rows: Record<string, unknown[]> = {
      users: await db.selectFrom('users').selectAll().where('id', '=', alice.user_id).execute(),
    }
    for (const table of OWNED_TABLES) {
      const result = await sql<Record<string, unknown>>`
        select * from ${sql.table(table)} where user_id = ${alice.user_id} order by id`.execute(db)
      rows[table] = result.rows
    }
    return rows
  }

  /** Everything that could give Alice away in a response to Bob. */
  const secrets = () => [
    marker,
    alice.user_id,
    ...alice.conversations.flatMap((c) => [c.id, c.short_id]),
    ...alice.messages.map((m) => m.id),
    ...alice.sessions,
    ...alice.api_keys,
    ...alice.documents,
    ...alice.chunks,
    ...alice.transcripts,
  ]
  function expectNothingOfAlice(
    response: LightMyRequestResponse,
    label: string,
    sent: string[] = [],
  ) {
    expect(response.statusCode, `${label}: ${response.body}`).toBeLessThan(500)
    for (const secret of secrets().filter((s) => !sent.includes(s))) {
      expect(response.body.includes(secret), `${label} shows ${secret}`).toBe(false)
    }
  }

  beforeAll(async () => {
    const service = await AuthService.open(ctx.store, {
      access_token_ttl_s: 3600,
      refresh_token_ttl_s: 86_400,
      jwt_secret: 'ownership-test-secret-of-at-least-32-characters',
    })
    // Fastify announces each new instance on this channel before any route is added to it.
    const created = channel('fastify.initialization')
    const watch = (message: unknown) => {
      const { fastify } = message as { fastify: FastifyInstance }
      fastify.addHook('onRoute', (route: RouteOptions) => {
        const methods = Array.isArray(route.method) ? route.method : [route.method]
        for (const method of methods) {
          if (hasParam(route.url)) discovered.add(`${method} ${route.url}`)
        }
      })
    }
    created.subscribe(watch)
    try {
      app = await buildApp({ store: ctx.store, auth: service })
    } finally {
      created.unsubscribe(watch)
    }
    await app.ready()

    // Bob first: a conversation and a key of his that are older than anything of Alice's.
    const bobName = unique('bob')
    const bobFirst = await register(bobName)
    const older = await ok<Conversation>(
      call('POST', '/v1/conversations', bobFirst.access_token, { title: 'bob older' }),
    )
    const bobMessages = await ok<{ data: Message[] }>(
      call('POST', `/v1/conversations/${older.id}/messages/batch`, bobFirst.access_token, {
        messages: ['one', 'two', 'three', 'four'].map((content) => ({ role: 'user', content })),
      }),
    )
    bob.messages.push(...bobMessages.data)
    await ok(call('POST', '/v1/auth/api-keys', bobFirst.access_token, { name: 'bob older' }))

    // Alice: two logins, and data behind every route that takes an id.
    const aliceName = unique('alice')
    const first = await register(aliceName)
    await login(aliceName)
    alice.user_id = first.user.id
    alice.token = first.access_token
    const as = (method: Method, url: string, payload?: unknown) =>
      call(method, url, alice.token, payload)
    const note = (conversation: Conversation, messages: Message[]) => {
      alice.conversations.push(conversation)
      alice.messages.push(...messages)
      alice.other.set(conversation.id, messages[0]!.id)
    }

    const main = await ok<Conversation>(
      as('POST', '/v1/conversations', {
        title: `${marker} trip`,
        metadata: { tags: [marker], category: 'travel' },
        parameters: { temperature: 0.2 },
      }),
    )
    const turns = await ok<{ data: Message[] }>(
      as('POST', `/v1/conversations/${main.id}/messages/batch`, {
        messages: [
          { role: 'user', content: 'question', request_id: 'turn-1' },
          { role: 'assistant', content: `${marker} answer`, request_id: 'turn-1', tokens_used: 9 },
          { role: 'user', content: `${marker} to delete` },
        ],
      }),
    )
    await ok(as('PUT', `/v1/messages/${turns.data[1]!.id}/feedback`, { feedback: 1 }))
    expect((await as('DELETE', `/v1/messages/${turns.data[2]!.id}`)).statusCode).toBe(204)

    const discord = await ok<Conversation>(
      as('POST', '/v1/conversations/discord', { discord_channel_id: channelId, title: marker }),
    )
    const discordTurn = await ok<Message>(
      as('POST', `/v1/conversations/${discord.id}/messages`, { role: 'user', content: marker }),
    )

    const closed = await ok<Conversation>(as('POST', '/v1/conversations', { title: marker }))
    const closedTurn = await ok<Message>(
      as('POST', `/v1/conversations/${closed.id}/messages`, { role: 'user', content: marker }),
    )
    await ok(as('PATCH', `/v1/conversations/${closed.id}`, { status: 'closed' }))

    const archived = await ok<Conversation>(
      as('POST', '/v1/conversations', { title: marker, status: 'archived' }),
    )
    const archivedTurn = await ok<Message>(
      as('POST', `/v1/conversations/${archived.id}/messages`, { role: 'user', content: marker }),
    )

    const deleted = await ok<Conversation>(as('POST', '/v1/conversations', { title: marker }))
    const deletedTurn = await ok<Message>(
      as('POST', `/v1/conversations/${deleted.id}/messages`, { role: 'user', content: marker }),
    )
    expect((await as('DELETE', `/v1/conversations/${deleted.id}`)).statusCode).toBe(204)

    const seeded = await ok<{ session_id: string; message_id: string }>(
      as('POST', '/api/chat/message', { message: `${marker} hello`, title: marker }),
    )

    const live = (id: string) => ctx.store.conversations.get(id)
    note(await live(main.id), turns.data)
    note(await live(discord.id), [discordTurn])
    note(await live(closed.id), [closedTurn])
    note(await live(archived.id), [archivedTurn])
    note(deleted, [deletedTurn])
    alice.deleted.add(deleted.id)
    note(await live(seeded.session_id), [await ctx.store.messages.get(seeded.message_id)])

    for (const title of [`${marker} doc`, `${marker} deleted doc`]) {
      const ingested = await ok<IngestResult>(
        as('POST', '/v1/documents', {
          source_url: `https://docs.example/${title}`,
          title,
          chunks: [{ content: `${marker} chunk` }, { content: 'plain words' }],
        }),
      )
      alice.documents.push(ingested.document.id)
      alice.chunks.push(...ingested.chunks.map((c) => c.id))
    }
    expect((await as('DELETE', `/v1/documents/${alice.documents[1]}`)).statusCode).toBe(204)

    // Her transcripts, written to a folder of this test's rather than the app's default.
    transcriptDir = mkdtempSync(join(tmpdir(), 'chatkeep-ownership-'))
    const exporter = createStore(ctx.store.database, { transcript_dir: transcriptDir })
    for (const format of ['json', 'markdown'] as const) {
      const made = await exporter.forUser(alice.user_id).transcripts.create(main.id, { format })
      alice.transcripts.push(made.id)
    }

    const keep = await ok<CreatedApiKey>(as('POST', '/v1/auth/api-keys', { name: marker }))
    const revoked = await ok<CreatedApiKey>(as('POST', '/v1/auth/api-keys', { name: marker }))
    expect((await as('DELETE', `/v1/auth/api-keys/${revoked.id}`)).statusCode).toBe(204)
    alice.api_keys.push(keep.id, revoked.id, keep.prefix)
    const sessions = await ok<{ data: AuthSession[] }>(as('GET', '/v1/auth/sessions'))
    alice.sessions.push(...sessions.data.map((s) => s.id))
    expect(alice.sessions).toHaveLength(2)

    // Bob again, after Alice: a second login, a newer conversation and the key he walks with.
    const bobLogin = await login(bobName)
    bob.token = bobLogin.access_token
    const newer = await ok<Conversation>(
      call('POST', '/v1/conversations', bob.token, { title: 'bob newer' }),
    )
    bob.conversations.push(newer, older)
    bob.key = (
      await ok<CreatedApiKey>(call('POST', '/v1/auth/api-keys', bob.token, { name: 'bob newer' }))
    ).key

    const root = await register(unique('root'))
    await ctx.store.users.update(root.user.id, { role: 'admin' })
    adminToken = root.access_token

    snapshot = await rowsOfAlice()
    // What is compared at the end is all of it: nothing vacuous.
    expect(snapshot.users).toHaveLength(1)
    expect(snapshot.conversations).toHaveLength(6)
    expect(snapshot.messages).toHaveLength(8)
    expect(snapshot.auth_sessions).toHaveLength(2)
    expect(snapshot.refresh_tokens).toHaveLength(2)
    expect(snapshot.api_keys).toHaveLength(2)
    expect(snapshot.documents).toHaveLength(2)
    expect(snapshot.transcripts).toHaveLength(2)
  })
  afterAll(async () => {
    await app?.close()
    if (transcriptDir !== '') rmSync(transcriptDir, { recursive: true, force: true })
  })

  /** Alice's ids of a kind, each with the id that rides along in bodies and queries. */
  function targets(kind: Kind): Ids[] {
    const firstMessage = alice.messages[0]!.id
    switch (kind) {
      case 'conversation':
        return alice.conversations.map((c) => ({ id: c.id, other: alice.other.get(c.id)! }))
      case 'message':
        return alice.messages.map((m) => ({ id: m.id, other: m.conversation_id }))
      case 'session':
        return alice.sessions.map((id) => ({ id, other: firstMessage }))
      case 'api_key':
        return alice.api_keys.slice(0, 2).map((id) => ({ id, other: firstMessage }))
      case 'user':
        return [{ id: alice.user_id, other: firstMessage }]
      case 'document':
        return alice.documents.map((id) => ({ id, other: firstMessage }))
      case 'transcript':
        return alice.transcripts.map((id) => ({ id, other: firstMessage }))
    }
  }

  const caseOf = (route: string): RouteCase | undefined =>
    CASES[route] ?? (route.startsWith('HEAD ') ? CASES[`GET ${route.slice(5)}`] : undefined)

  it('has a case for every route that takes an id, and no case for a route that is gone', () => {
    expect(discovered.size).toBeGreaterThan(20)
    expect([...discovered].filter((route) => caseOf(route) === undefined)).toEqual([])
    expect(Object.keys(CASES).filter((route) => !discovered.has(route))).toEqual([])
  })

  async function walk(credential: Credential) {
    const token = credential === 'token' ? bob.token : bob.key
    const problems: string[] = []
    let calls = 0
    for (const route of [...discovered].sort()) {
      const routeCase = caseOf(route)
      if (routeCase === undefined) continue
      const [method, path] = route.split(' ') as [Method, string]
      const refusal = routeCase.refusal(credential)
      for (const ids of targets(routeCase.kind)) {
        for (const [n, variant] of routeCase.variants.entries()) {
          const missing = { id: uuid7(), other: uuid7() }
          const send = async (request: Ids) => {
            const { query, payload } = variant(request)
            const url = path.replace(/:(?:id|key)\b|\*/, request.id) + (query ? `?${query}` : '')
            calls += 1
            return call(method, url, token, payload)
          }
          const label = `${credential} ${route} #${n} ${ids.id}`
          const hers = await send(ids)
          const none = await send(missing)
          expectNothingOfAlice(hers, label, [ids.id, ids.other])
          const seen = observed(hers, [ids.id, ids.other])
          const expected = observed(none, [missing.id, missing.other])
          if (JSON.stringify(seen) !== JSON.stringify(expected)) {
            problems.push(`${label}: ${JSON.stringify(seen)} ≠ ${JSON.stringify(expected)}`)
            continue
          }
          if (seen.status !== refusal) problems.push(`${label}: ${seen.status}, not ${refusal}`)
          expect(seen.content_type).toMatch(/^application\/problem\+json/)
          if (method !== 'HEAD') {
            expect(seen.body, label).toMatchObject({
              status: refusal,
              code: refusal === 404 ? 'not_found' : 'forbidden',
              title: refusal === 404 ? 'Not found' : 'Not allowed',
            })
          }
        }
      }
    }
    expect(problems).toEqual([])
    return calls
  }

  it("answers Bob's access token on every id route with Alice's id as with a missing id", async () => {
    expect(await walk('token')).toBeGreaterThan(200)
  })

  it("answers Bob's API key on every id route with Alice's id as with a missing id", async () => {
    expect(await walk('key')).toBeGreaterThan(200)
  })

  it('answers Bob with the same 403 for her user id in a query or a body as for a missing one', async () => {
    const requests = [
      (user_id: string) => call('GET', `/v1/conversations?user_id=${user_id}`, bob.token),
      (user_id: string) => call('POST', '/v1/conversations', bob.token, { user_id }),
      (user_id: string) =>
        call('POST', '/v1/conversations/discord', bob.token, {
          user_id,
          discord_channel_id: `bob-${user_id}`,
        }),
    ]
    for (const request of requests) {
      const missing = uuid7()
      const hers = await request(alice.user_id)
      const none = await request(missing)
      expect(observed(hers, [alice.user_id])).toEqual(observed(none, [missing]))
      expect(hers.statusCode).toBe(403)
      expect(hers.json()).toMatchObject({ code: 'forbidden' })
    }
  })

  it("never lists Alice's rows to Bob", async () => {
    const lists = [
      '/v1/conversations',
      '/v1/conversations?limit=100',
      '/v1/conversations?limit=100&status=closed',
      '/v1/conversations?limit=100&status=archived',
      '/v1/conversations?limit=100&origin=discord',
      '/v1/conversations?limit=100&origin=website',
      `/v1/conversations?limit=100&tag=${marker}`,
      `/v1/conversations?limit=100&search=${marker}`,
      '/api/chat/sessions',
      '/api/chat/sessions?limit=100',
      '/v1/auth/sessions?limit=100',
      '/v1/auth/api-keys?limit=100',
      `/v1/conversations/${bob.conversations[1]!.id}/messages?limit=100`,
      `/v1/conversations/${bob.conversations[1]!.id}/messages?last=100`,
      '/v1/users/me',
      '/v1/documents?limit=100',
      `/v1/conversations/${bob.conversations[1]!.id}/transcripts?limit=100`,
      `/v1/documents?limit=100&source_url=https://docs.example/${marker}%20doc`,
    ]
    for (const url of lists) {
      const response = await call('GET', url, bob.token)
      expect(response.statusCode, `${url}: ${response.body}`).toBe(200)
      expectNothingOfAlice(response, url)
    }
    // Not vacuous: Bob does see his own.
    const mine = await ok<{ data: Conversation[] }>(
      call('GET', '/v1/conversations?limit=100', bob.token),
    )
    expect(mine.data.map((c) => c.id)).toEqual(bob.conversations.map((c) => c.id))
    const sessions = await ok<{ sessions: { id: string }[] }>(
      call('GET', '/api/chat/sessions', bob.token),
    )
    expect(sessions.sessions.map((s) => s.id)).toEqual(bob.conversations.map((c) => c.id))
    const keys = await ok<{ data: ApiKey[] }>(call('GET', '/v1/auth/api-keys', bob.token))
    expect(keys.data).toHaveLength(2)
  })

  it("pages Bob's lists with Alice's ids as cursors exactly as with ids that are no row", async () => {
    const conversation = bob.conversations[1]!.id
    const lists: [url: string, ids: string[]][] = [
      ['/v1/conversations?limit=100', alice.conversations.map((c) => c.id)],
      ['/api/chat/sessions?limit=100', []],
      [`/v1/conversations/${conversation}/messages?limit=100`, alice.messages.map((m) => m.id)],
      [
        `/v1/conversations/${conversation}/messages?limit=100&order=desc`,
        alice.messages.map((m) => m.id),
      ],
      ['/v1/auth/sessions?limit=100', alice.sessions],
      ['/v1/auth/api-keys?limit=100', alice.api_keys.slice(0, 2)],
      ['/v1/documents?limit=100', alice.documents],
      [`/v1/conversations/${conversation}/transcripts?limit=100`, alice.transcripts],
    ]
    for (const [url, ids] of lists) {
      for (const cursor of ['after', 'before']) {
        for (const id of ids) {
          const hers = await call('GET', `${url}&${cursor}=${id}`, bob.token)
          const none = await call('GET', `${url}&${cursor}=${twin(id)}`, bob.token)
          expect(hers.statusCode, hers.body).toBe(200)
          expectNothingOfAlice(hers, `${url} ${cursor}`)
          expect(hers.json(), `${url}&${cursor}=${id}`).toEqual(none.json())
        }
      }
    }
    // Not vacuous: Bob's own ids do move his pages, and his older rows lie before hers, so a
    // cursor of hers that counted would have shown them.
    const page = await ok<{ data: Conversation[] }>(
      call('GET', `/v1/conversations?after=${bob.conversations[0]!.id}`, bob.token),
    )
    expect(page.data.map((c) => c.id)).toEqual([bob.conversations[1]!.id])
    expect(bob.conversations[1]!.last_activity < alice.conversations[0]!.last_activity).toBe(true)
    const messages = await ok<{ data: Message[] }>(
      call(
        'GET',
        `/v1/conversations/${conversation}/messages?after=${bob.messages[0]!.id}`,
        bob.token,
      ),
    )
    expect(messages.data).toHaveLength(3)
  })

  it("answers the seed routes with Alice's session id as with a missing one", async () => {
    const bodies = [
      (session_id: string) => ({ session_id, message: 'hi' }),
      (session_id: string) => ({ session_id, message: 'question', request_id: 'turn-1' }),
      (session_id: string) => ({ session_id, message: 'x', role: 'assistant', tokens_used: 3 }),
    ]
    for (const credential of ['token', 'key'] as const) {
      const token = credential === 'token' ? bob.token : bob.key
      for (const { id } of targets('conversation')) {
        for (const build of bodies) {
          const missing = uuid7()
          const hers = await call('POST', '/api/chat/message', token, build(id))
          const none = await call('POST', '/api/chat/message', token, build(missing))
          expectNothingOfAlice(hers, `POST /api/chat/message ${id}`, [id])
          expect(observed(hers, [id])).toEqual(observed(none, [missing]))
          expect(hers.json()).toMatchObject({ status: 404, code: 'not_found' })
        }
        for (const method of ['GET', 'HEAD', 'DELETE'] as const) {
          const missing = uuid7()
          const hers = await call(method, `/api/chat/sessions/${id}`, token)
          const none = await call(method, `/api/chat/sessions/${missing}`, token)
          expect(observed(hers, [id])).toEqual(observed(none, [missing]))
          expect(hers.statusCode).toBe(404)
        }
      }
    }
  })

  it("refuses Bob Alice's Discord channel without showing him her conversation", async () => {
    // discord_channel_id is unique across all users by design: the channel is taken, so this is
    // a conflict, but it names no conversation of hers and changes nothing (checked below).
    const answers: unknown[] = []
    for (const url of ['/v1/conversations/discord', '/v1/conversations']) {
      const response = await call('POST', url, bob.token, { discord_channel_id: channelId })
      expectNothingOfAlice(response, url)
      expect(response.statusCode).toBe(409)
      expect(response.json()).toMatchObject({ code: 'conflict', field: '/discord_channel_id' })
      answers.push(response.json())
    }
    // Nor that it is hers: a channel Bob bound himself, bound a second time, is answered alike.
    const own = `${channelId}-bob`
    await ok(call('POST', '/v1/conversations/discord', bob.token, { discord_channel_id: own }))
    const again = await call('POST', '/v1/conversations', bob.token, { discord_channel_id: own })
    expect(again.statusCode).toBe(409)
    expect(answers).toEqual([again.json(), again.json()])
  })

  it("left every row of Alice's exactly as it was; an admin still reaches them", async () => {
    expect(await rowsOfAlice()).toEqual(snapshot)

    // The 404s above were not for want of rows: an admin gets each of them.
    for (const { id } of targets('conversation')) {
      const response = await call('GET', `/v1/conversations/${id}`, adminToken)
      const deleted = alice.deleted.has(id)
      expect(response.statusCode, response.body).toBe(deleted ? 404 : 200)
      if (!deleted) expect(response.json<Conversation>().user_id).toBe(alice.user_id)
    }
    const main = alice.conversations[0]!.id
    const got = await ok<Conversation>(call('GET', `/v1/conversations/${main}`, adminToken))
    expect(got).toMatchObject({ title: `${marker} trip`, message_count: 3 })
    const message = await ok<Message>(
      call('GET', `/v1/messages/${alice.messages[1]!.id}`, adminToken),
    )
    expect(message).toMatchObject({ user_id: alice.user_id, feedback: 1 })
    const user = await ok<{ id: string }>(call('GET', `/v1/users/${alice.user_id}`, adminToken))
    expect(user.id).toBe(alice.user_id)
    expect(await rowsOfAlice()).toEqual(snapshot)
  })
})
