/**
 * Guarantees 8 and 9 through the HTTP API: thousands of generated hostile requests (random
 * methods, ids, query strings, bodies and content types) never get a 5xx, every 4xx is
 * problem+json with a stable code, and a refused write leaves the database as it was.
 */
import fc from 'fast-check'
import type { LightMyRequestResponse } from 'fastify'
import { sql } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { ERROR_CODES, type ErrorCode, LIMITS } from '../../src/index.js'
import { MAX_JSON_DEPTH } from '../../src/server/plugins/validation.js'
import { describeEachEngine } from '../support/engines.js'
import { type Caller, type TestApp, testApp } from './test-app.js'

const SEED = 20_261_125
const RUNS = 2_000

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS' | 'TRACE'
const METHODS: Method[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE']
const READS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])

/** Ids that are not ids: traversal, encodings, control and exotic characters. */
const NASTY_IDS = [
  '',
  '..',
  '../..',
  '..%2f..%2fetc%2fpasswd',
  '%2e%2e%2f',
  '%00',
  '%zz',
  '%',
  '%E0%A4%A',
  '%C0%AF',
  '%F0%9F%98',
  "1' or '1'='1",
  '1;drop table messages',
  'null',
  'undefined',
  '-1',
  '0',
  '1e309',
  '__proto__',
  'constructor',
  '😀😀😀',
  '\u202eevil',
  'ｆｕｌｌ',
  'ﬁ',
  '00000000-0000-0000-0000-000000000000',
  'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF',
]

/** Query values that are not what a route wants. */
const NASTY_QUERY_VALUES = [
  '',
  '0',
  '-1',
  '1.5',
  '1e3',
  '0x10',
  'NaN',
  'Infinity',
  '99999999999999999999999',
  '200',
  '201',
  'abc',
  'true',
  'null',
  '[]',
  '{}',
  '%zz',
  '%00',
  'asc',
  'desc',
  'user',
  'active',
  '😀',
]
const QUERY_KEYS = [
  'limit',
  'after',
  'before',
  'order',
  'role',
  'last',
  'status',
  'origin',
  'tag',
  'search',
  'user_id',
  '__proto__',
  'constructor',
  'limit[]',
  'unknown',
]

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/JSON',
  'application/json; charset=utf-16',
  'text/plain',
  'text/html',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/xml',
  'application/problem+json',
  'application/octet-stream',
  '',
  ';;;',
  'application/json, text/plain',
]

/** What each caller sends as `Authorization` beside a real token. */
const FAKE_CREDENTIALS = [
  'Bearer not-a-token',
  'Bearer',
  'Basic YWxpY2U6cGFzc3dvcmQ=',
  'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
  `Bearer ck_0123456789ab_${'A'.repeat(43)}`,
  `Bearer ${'x'.repeat(5000)}`,
  'bearer  \t  spaced',
]

const message = (role: string, content: string, extra: Record<string, unknown> = {}) => ({
  role,
  content,
  ...extra,
})

/**
 * Bodies each route would take, the starting point of most mutations. Some are valid and write;
 * some get deep into a write before they fail (a reused idempotency key with another body, a
 * batch with one bad message, a closed conversation). Logins and registrations that would pass
 * validation cost a password hash each, so theirs fail early.
 */
const ROUTE_TEMPLATES: Record<string, Record<string, unknown>[]> = {
  'POST /v1/conversations': [
    { title: 'Trip', metadata: { tags: ['a'] }, parameters: { temperature: 0.7 }, origin: 'api' },
    { title: 'Closed at birth', status: 'closed' },
  ],
  'PATCH /v1/conversations/{id}': [
    { title: 'Renamed', status: 'archived', metadata: { category: 'x' } },
    { status: 'closed' },
    { status: 'active' },
    { parameters: { top_p: 0.9 } },
  ],
  'POST /v1/conversations/discord': [{ discord_channel_id: 'channel-1', title: 'Discord' }],
  'POST /v1/conversations/{id}/messages': [
    message('user', 'Hello', {
      request_id: 'turn-1',
      tokens_used: 3,
      model_version: 'm1',
      metadata: { latency_ms: 12 },
      context_documents: ['doc-1'],
    }),
    message('user', 'one', { request_id: 'turn-1', tokens_used: 1 }),
    message('assistant', 'Hi there', { tokens_used: 5 }),
    message('tool', 'result', { parent_id: '00000000-0000-7000-8000-000000000000' }),
  ],
  'POST /v1/conversations/{id}/messages/batch': [
    { messages: [message('user', 'a', { tokens_used: 1 }), message('assistant', 'b')] },
    { messages: [message('user', 'fine'), message('robot', 'not a role')] },
    {
      messages: [
        message('user', 'x', { request_id: 'r' }),
        message('user', 'y', { request_id: 'r' }),
      ],
    },
  ],
  'PUT /v1/messages/{id}/feedback': [{ feedback: 1 }, { feedback: -1 }, { feedback: null }],
  'POST /api/chat/message': [{ message: 'Hi from the seed app', title: 'Seed', tokens_used: 2 }],
  'PATCH /v1/users/me': [{ display_name: 'Alice', preferences: { theme: 'dark' } }],
  'PATCH /v1/users/{id}': [{ is_active: false }, { display_name: 'Victim', role: 'user' }],
  'POST /v1/auth/register': [{ username: 'newcomer', password: 'short' }],
  'POST /v1/auth/login': [{ username: 'alice' }],
  'POST /v1/auth/refresh': [{ refresh_token: 'ckr_notatoken' }],
  'POST /v1/auth/api-keys': [{ name: 'bot', scopes: ['read'] }],
}
const ALL_TEMPLATES = Object.values(ROUTE_TEMPLATES).flat()
const templateFor = (operation: string | undefined, index: number) => {
  const list = ROUTE_TEMPLATES[operation ?? ''] ?? ALL_TEMPLATES
  return list[index % list.length]!
}

type IdSpec =
  | { kind: 'pool'; index: number }
  | { kind: 'uuid'; value: string }
  | { kind: 'nasty'; value: string; encode: boolean }
  | { kind: 'text'; value: string }
  | { kind: 'long'; length: number }

type BodySpec =
  | { kind: 'none' }
  | { kind: 'json'; value: unknown }
  | { kind: 'template'; index: number; mutation: Mutation }
  | { kind: 'deep'; depth: number; array: boolean; field: string }
  | { kind: 'huge'; index: number; field: string; length: number }
  | { kind: 'malformed'; index: number; damage: Damage }
  | { kind: 'raw'; text: string }
  | { kind: 'oversize' }

type Mutation =
  | { kind: 'none' }
  | { kind: 'unknown'; key: string; value: unknown }
  | { kind: 'drop'; key: number }
  | { kind: 'retype'; key: number; value: unknown }
  | { kind: 'text'; key: number; value: string }

type Damage = 'truncate' | 'trailing' | 'quotes' | 'bom' | 'proto' | 'nan' | 'comment' | 'dupe'

interface RequestSpec {
  caller: Caller | 'none' | number
  target:
    | { kind: 'operation'; index: number; id: IdSpec; method: Method | null }
    | { kind: 'path'; segments: string[]; method: Method }
  query: [string, string, boolean][]
  body: BodySpec
  contentType: string | null
}

const jsonish = fc.jsonValue({ maxDepth: 3 })
const weirdText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '\u202e', '', ' ', '\n'),
)

const idSpec: fc.Arbitrary<IdSpec> = fc.oneof(
  { weight: 5, arbitrary: fc.nat().map((index) => ({ kind: 'pool' as const, index })) },
  { weight: 2, arbitrary: fc.uuid().map((value) => ({ kind: 'uuid' as const, value })) },
  {
    weight: 3,
    arbitrary: fc
      .record({ value: fc.constantFrom(...NASTY_IDS), encode: fc.boolean() })
      .map((r) => ({ kind: 'nasty' as const, ...r })),
  },
  {
    weight: 1,
    arbitrary: fc
      .string({ unit: 'grapheme', maxLength: 30 })
      .map((value) => ({ kind: 'text' as const, value })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(36, 37, 64, 65, 100, 101, 5000, 100_000)
      .map((length) => ({ kind: 'long' as const, length })),
  },
)

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: 'none' as const }) },
  {
    weight: 2,
    arbitrary: fc
      .record({
        key: fc.oneof(
          fc.constantFrom('__proto__', 'constructor', 'id', 'user_id', 'sequence'),
          fc.string(),
        ),
        value: jsonish,
      })
      .map((r) => ({ kind: 'unknown' as const, ...r })),
  },
  { weight: 1, arbitrary: fc.nat().map((key) => ({ kind: 'drop' as const, key })) },
  {
    weight: 3,
    arbitrary: fc
      .record({ key: fc.nat(), value: jsonish })
      .map((r) => ({ kind: 'retype' as const, ...r })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({ key: fc.nat(), value: weirdText })
      .map((r) => ({ kind: 'text' as const, ...r })),
  },
)

const JSON_FIELDS = ['metadata', 'parameters', 'preferences', 'context_documents', 'messages']
const TEXT_FIELDS = [
  'content',
  'title',
  'message',
  'request_id',
  'display_name',
  'username',
  'password',
]

const bodySpec: fc.Arbitrary<BodySpec> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 2, arbitrary: jsonish.map((value) => ({ kind: 'json' as const, value })) },
  {
    weight: 8,
    arbitrary: fc
      .record({ index: fc.nat(), mutation })
      .map((r) => ({ kind: 'template' as const, ...r })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({
        depth: fc.constantFrom(10, 64, 65, 100, 1000, 3000, 10_000, 100_000),
        array: fc.boolean(),
        field: fc.constantFrom(...JSON_FIELDS),
      })
      .map((r) => ({ kind: 'deep' as const, ...r })),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({
        index: fc.nat(),
        field: fc.constantFrom(...TEXT_FIELDS),
        length: fc.constantFrom(201, 501, 4097, LIMITS.content + 1),
      })
      .map((r) => ({ kind: 'huge' as const, ...r })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({
        index: fc.nat(),
        damage: fc.constantFrom<Damage>(
          'truncate',
          'trailing',
          'quotes',
          'bom',
          'proto',
          'nan',
          'comment',
          'dupe',
        ),
      })
      .map((r) => ({ kind: 'malformed' as const, ...r })),
  },
  {
    weight: 1,
    arbitrary: fc
      .string({ unit: 'binary', maxLength: 60 })
      .map((text) => ({ kind: 'raw' as const, text })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'oversize' as const }) },
)

const hostileSpec = (operations: number): fc.Arbitrary<RequestSpec> =>
  fc.record({
    caller: fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom<Caller>('alice', 'bob', 'admin') },
      { weight: 1, arbitrary: fc.constant('none' as const) },
      { weight: 1, arbitrary: fc.nat(FAKE_CREDENTIALS.length - 1) },
    ),
    target: fc.oneof(
      {
        weight: 9,
        arbitrary: fc.record({
          kind: fc.constant('operation' as const),
          index: fc.nat(operations - 1),
          id: idSpec,
          method: fc.oneof(
            { weight: 5, arbitrary: fc.constant(null) },
            { weight: 1, arbitrary: fc.constantFrom(...METHODS) },
          ),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant('path' as const),
          segments: fc.array(
            fc.oneof(
              fc.constantFrom('v1', 'api', 'conversations', 'messages', 'users', 'docs', '..', '.'),
              fc.constantFrom(...NASTY_IDS),
              fc.string({ maxLength: 12 }).map(encodeURIComponent),
            ),
            { maxLength: 6 },
          ),
          method: fc.constantFrom(...METHODS),
        }),
      },
    ),
    query: fc.array(
      fc.tuple(
        fc.oneof(fc.constantFrom(...QUERY_KEYS), fc.string({ maxLength: 8 })),
        fc.oneof(fc.constantFrom(...NASTY_QUERY_VALUES), fc.string({ maxLength: 20 }), fc.uuid()),
        fc.boolean(),
      ),
      { maxLength: 4 },
    ),
    body: bodySpec,
    contentType: fc.oneof(
      { weight: 6, arbitrary: fc.constant('application/json') },
      { weight: 3, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
      { weight: 1, arbitrary: fc.constant(null) },
    ),
  })

/**
 * A well-formed request of a known caller on a known row, so that the state the hostile ones
 * meet keeps moving: conversations get messages, closed, deleted and restored.
 */
const plausibleSpec = (operations: number): fc.Arbitrary<RequestSpec> =>
  fc.record({
    caller: fc.constantFrom<Caller>('alice', 'bob', 'admin'),
    target: fc.record({
      kind: fc.constant('operation' as const),
      index: fc.nat(operations - 1),
      id: fc.nat().map((index) => ({ kind: 'pool' as const, index })),
      method: fc.constant(null),
    }),
    query: fc.constant([]),
    body: fc
      .nat()
      .map((index) => ({ kind: 'template' as const, index, mutation: { kind: 'none' as const } })),
    contentType: fc.constant('application/json'),
  })

const requestSpec = (operations: number): fc.Arbitrary<RequestSpec> =>
  fc.oneof(
    { weight: 7, arbitrary: hostileSpec(operations) },
    { weight: 3, arbitrary: plausibleSpec(operations) },
  )

function nest(depth: number, array: boolean): string {
  return array
    ? `${'['.repeat(depth)}1${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`
}

function mutate(template: Record<string, unknown>, m: Mutation): Record<string, unknown> {
  const body = structuredClone(template)
  const keys = Object.keys(body)
  const key = (n: number) => keys[n % keys.length]!
  switch (m.kind) {
    case 'none':
      return body
    case 'unknown':
      // Set as an own property: `__proto__` too, as JSON.parse would.
      Object.defineProperty(body, m.key, { value: m.value, enumerable: true, writable: true })
      return body
    case 'drop':
      delete body[key(m.key)]
      return body
    case 'retype':
      body[key(m.key)] = m.value
      return body
    case 'text':
      body[key(m.key)] = m.value
      return body
  }
}

function damage(text: string, how: Damage): string {
  switch (how) {
    case 'truncate':
      return text.slice(0, Math.max(1, Math.floor(text.length / 2)))
    case 'trailing':
      return `${text},}`
    case 'quotes':
      return text.replace(/"/g, "'")
    case 'bom':
      return `\ufeff${text}`
    case 'proto':
      return `{"__proto__":{"admin":true},${text.slice(1)}`
    case 'nan':
      return text.replace(/:\s*[^,}]+/, ':NaN')
    case 'comment':
      return `/* hi */${text}`
    case 'dupe':
      return `{"role":"user","role":"system",${text.slice(1)}`
  }
}

/** Past the server's 4 MiB body limit; built once. */
let OVERSIZE: string | undefined

/** The request a spec describes; huge payloads are built here so a failing spec prints small. */
function payloadOf(body: BodySpec, operation: string | undefined): string | undefined {
  switch (body.kind) {
    case 'none':
      return undefined
    case 'json':
      return JSON.stringify(body.value)
    case 'template':
      return JSON.stringify(mutate(templateFor(operation, body.index), body.mutation))
    case 'deep':
      return `{"role":"user","content":"deep","title":"deep","${body.field}":${nest(body.depth, body.array)}}`
    case 'huge':
      return JSON.stringify({
        ...templateFor(operation, body.index),
        [body.field]: 'x'.repeat(body.length),
      })
    case 'malformed':
      return damage(JSON.stringify(templateFor(operation, body.index)), body.damage)
    case 'raw':
      return body.text
    case 'oversize':
      return (OVERSIZE ??= JSON.stringify({ role: 'user', content: 'x'.repeat(4 * 1024 * 1024) }))
  }
}

describeEachEngine('hostile requests', (ctx) => {
  let t: TestApp
  let operations: { method: Method; path: string }[]
  /** Real ids the generated requests pick from: rows of every kind, grown by the responses. */
  const pool: string[] = []
  const tokens = new Map<Caller, string>()
  const statuses = new Map<number, number>()
  let known: string | undefined
  let writesSeen = 0

  const remember = (value: unknown) => {
    if (value === null || typeof value !== 'object') return
    for (const [key, child] of Object.entries(value)) {
      if ((key === 'id' || key.endsWith('_id')) && typeof child === 'string' && pool.length < 500) {
        if (!pool.includes(child) && !Object.values(t.users).some((u) => u.id === child)) {
          pool.push(child)
        }
      } else if (typeof child === 'object') remember(child)
    }
  }

  /** Row counts and sums that any write would move; a refused write must leave them alone. */
  const fingerprint = async () => {
    const { rows } = await sql<Record<string, unknown>>`
      select
        (select count(*) from users) as users,
        (select max(updated_at) from users) as users_updated,
        (select count(*) from conversations) as conversations,
        (select coalesce(sum(message_count), 0) from conversations) as message_counts,
        (select coalesce(sum(total_tokens), 0) from conversations) as total_tokens,
        (select max(updated_at) from conversations) as conversations_updated,
        (select count(deleted_at) from conversations) as conversations_deleted,
        (select count(*) from messages) as messages,
        (select count(deleted_at) from messages) as messages_deleted,
        (select count(feedback) from messages) as feedback,
        (select coalesce(sum(feedback), 0) from messages) as feedback_sum,
        (select count(*) from api_keys) as api_keys,
        (select count(revoked_at) from api_keys) as api_keys_revoked,
        (select count(*) from auth_sessions) as sessions,
        (select count(revoked_at) from auth_sessions) as sessions_revoked
    `.execute(ctx.store.database.kysely)
    return JSON.stringify(rows[0], (_key, value: unknown) =>
      typeof value === 'number' || typeof value === 'bigint' ? String(value) : value,
    )
  }

  /** Logs the three callers in afresh (a generated logout may have ended a session). */
  const login = async () => {
    for (const caller of ['alice', 'bob', 'admin'] as const) {
      const tokensOf = await t.auth.login({
        username: t.users[caller].username,
        password: 'correct horse battery',
      })
      tokens.set(caller, tokensOf.access_token)
    }
  }

  beforeAll(async () => {
    t = await testApp(ctx.store)
    await login()
    const document = (await t.app.inject({ url: '/openapi.json' })).json<{
      paths: Record<string, Record<string, unknown>>
    }>()
    operations = Object.entries(document.paths)
      // A live stream answers for as long as its client stays (test/server/events.test.ts).
      .filter(([path]) => path !== '/v1/events/stream')
      .flatMap(([path, item]) =>
        Object.keys(item).map((method) => ({ method: method.toUpperCase() as Method, path })),
      )
    // Rows of every kind, for alice and bob, and two users only the admin touches.
    for (const caller of ['alice', 'bob'] as const) {
      const mine = ctx.store.forUser(t.users[caller].id)
      const conversation = await mine.conversations.create({ title: `${caller}'s` })
      const messages = await mine.messages.appendMany(conversation.id, [
        { role: 'user', content: 'one', tokens_used: 1, request_id: 'turn-1' },
        { role: 'assistant', content: 'two', tokens_used: 2, request_id: 'turn-1' },
      ])
      pool.push(conversation.id, ...messages.map((m) => m.id))
    }
    for (const name of ['victim1', 'victim2']) {
      pool.push((await ctx.store.users.create({ username: `${name}_${process.pid}` })).id)
    }
  })
  afterAll(async () => {
    await t?.app.close()
  })

  const idOf = (spec: IdSpec): string => {
    switch (spec.kind) {
      case 'pool':
        return pool[spec.index % pool.length]!
      case 'uuid':
        return spec.value
      case 'nasty':
        return spec.encode ? encodeURIComponent(spec.value) : spec.value
      case 'text':
        return encodeURIComponent(spec.value)
      case 'long':
        return 'a'.repeat(spec.length)
    }
  }

  const send = async (
    spec: RequestSpec,
  ): Promise<{ method: Method; url: string; response: LightMyRequestResponse }> => {
    let method: Method
    let path: string
    let key: string | undefined
    if (spec.target.kind === 'operation') {
      const operation = operations[spec.target.index]!
      key = `${operation.method} ${operation.path}`
      method = spec.target.method ?? operation.method
      path = operation.path.replace(/\{[^}]+\}/g, () => idOf((spec.target as { id: IdSpec }).id))
    } else {
      method = spec.target.method
      path = `/${spec.target.segments.join('/')}`
    }
    const query = spec.query
      .map(([key, value, encode]) =>
        encode ? `${encodeURIComponent(key)}=${encodeURIComponent(value)}` : `${key}=${value}`,
      )
      .join('&')
    const url = query === '' ? path : `${path}?${query}`
    const headers: Record<string, string> = {}
    if (typeof spec.caller === 'number') headers.authorization = FAKE_CREDENTIALS[spec.caller]!
    else if (spec.caller !== 'none') headers.authorization = `Bearer ${tokens.get(spec.caller)}`
    const payload = payloadOf(spec.body, key)
    if (spec.contentType !== null && payload !== undefined)
      headers['content-type'] = spec.contentType
    const response = await t.app.inject({
      method,
      url,
      headers,
      ...(payload !== undefined ? { payload } : {}),
    })
    return { method, url, response }
  }

  it(`answers ${RUNS} generated hostile requests without a 5xx or a partial write`, async () => {
    await fc.assert(
      fc.asyncProperty(requestSpec(operations.length), async (spec) => {
        const write = !READS.has(
          spec.target.kind === 'operation'
            ? (spec.target.method ?? operations[spec.target.index]!.method)
            : spec.target.method,
        )
        // Only writes move the fingerprint, so the one taken after the last write still holds.
        const before = write ? (known ??= await fingerprint()) : ''
        const { method, url, response } = await send(spec)
        const status = response.statusCode
        statuses.set(status, (statuses.get(status) ?? 0) + 1)
        const where = `${method} ${url.slice(0, 200)} → ${status} ${response.body.slice(0, 300)}`

        expect(status, where).toBeLessThan(500)
        if (status >= 400) {
          expect(response.headers['content-type'], where).toMatch(/^application\/problem\+json/)
          if (method !== 'HEAD') {
            const problem = response.json<Record<string, unknown>>()
            expect(Object.keys(ERROR_CODES), where).toContain(problem.code)
            expect(ERROR_CODES[problem.code as ErrorCode], where).toBe(status)
            expect(problem.status, where).toBe(status)
            expect(typeof problem.title === 'string' && typeof problem.detail === 'string').toBe(
              true,
            )
            if (problem.field !== undefined) expect(problem.field, where).toMatch(/^\//)
          }
        }
        if (write) {
          known = await fingerprint()
          if (status >= 400) expect(known, `a refused write changed rows: ${where}`).toBe(before)
          else if (known !== before) writesSeen += 1
        }
        if (
          status < 400 &&
          method !== 'HEAD' &&
          /^application\/json/.test(String(response.headers['content-type']))
        ) {
          remember(response.json())
        }
        // A logout or a revoked session ends a caller's token: log in again to keep going.
        if (status < 300 && /\/auth\/(logout|sessions)/.test(url) && method !== 'GET') {
          await login()
          known = undefined
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    )

    // The generated traffic reached the routes, not only the front door.
    const count = (predicate: (status: number) => boolean) =>
      [...statuses].filter(([s]) => predicate(s)).reduce((sum, [, n]) => sum + n, 0)
    expect(count(() => true)).toBe(RUNS)
    expect(count((s) => s >= 200 && s < 300)).toBeGreaterThan(RUNS / 20)
    // …and the fingerprint does see writes: successful ones moved it.
    expect(writesSeen).toBeGreaterThan(20)
    for (const status of [400, 401, 404, 413, 415])
      expect(statuses.get(status) ?? 0).toBeGreaterThan(0)
  })

  /** A live conversation of alice's with one message (the generated traffic may delete any). */
  const aliceConversation = async () => {
    const mine = ctx.store.forUser(t.users.alice.id)
    const conversation = await mine.conversations.create({ title: 'targeted' })
    const message = await mine.messages.append(conversation.id, { role: 'user', content: 'hi' })
    return { conversation: conversation.id, message: message.id }
  }

  /** A 400 problem naming `field`. */
  const expectRefused = (response: LightMyRequestResponse, field: string) => {
    expect(response.statusCode, response.body).toBe(400)
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(response.json()).toMatchObject({ code: 'validation_failed', field })
  }

  it('refuses wrong types and unknown fields in a body instead of coercing or dropping them', async () => {
    const { conversation, message } = await aliceConversation()
    const before = await fingerprint()
    const cases: [string, string, unknown, string][] = [
      [
        'POST',
        `/v1/conversations/${conversation}/messages`,
        { role: 'user', content: 123 },
        '/content',
      ],
      [
        'POST',
        `/v1/conversations/${conversation}/messages`,
        { role: 'user', content: null },
        '/content',
      ],
      [
        'POST',
        `/v1/conversations/${conversation}/messages`,
        { role: 'user', content: ['x'] },
        '/content',
      ],
      [
        'POST',
        `/v1/conversations/${conversation}/messages`,
        { role: 'user', content: true },
        '/content',
      ],
      [
        'POST',
        `/v1/conversations/${conversation}/messages`,
        { role: 'user', content: 'x', tokens_used: '7' },
        '/tokens_used',
      ],
      [
        'POST',
        `/v1/conversations/${conversation}/messages`,
        { role: 'user', content: 'x', context_documents: 'doc' },
        '/context_documents',
      ],
      [
        'POST',
        `/v1/conversations/${conversation}/messages`,
        { role: 'user', content: 'x', sequence: 1 },
        '/sequence',
      ],
      [
        'POST',
        `/v1/conversations/${conversation}/messages/batch`,
        { messages: { role: 'user', content: 'x' } },
        '/messages',
      ],
      ['PATCH', `/v1/conversations/${conversation}`, { title: false }, '/title'],
      [
        'PATCH',
        `/v1/conversations/${conversation}`,
        { title: 'x', message_count: 0 },
        '/message_count',
      ],
      ['POST', '/v1/conversations', { title: 'x', user_id: 42 }, '/user_id'],
      ['PUT', `/v1/messages/${message}/feedback`, { feedback: '1' }, '/feedback'],
      ['PATCH', '/v1/users/me', { preferences: 'dark' }, '/preferences'],
      ['POST', '/api/chat/message', { message: 42 }, '/message'],
    ]
    for (const [method, url, payload, field] of cases) {
      const response = await t.app.inject({
        method: method as Method,
        url,
        headers: t.as('alice'),
        payload: payload as Record<string, unknown>,
      })
      expectRefused(response, field)
    }
    expect(await fingerprint()).toBe(before)
    // Query strings are text on the wire: they are still converted to numbers.
    const listed = await t.app.inject({
      url: `/v1/conversations/${conversation}/messages?limit=1&order=desc`,
      headers: t.as('alice'),
    })
    expect(listed.statusCode).toBe(200)
    expect(listed.json<{ data: unknown[] }>().data).toHaveLength(1)
    expectRefused(
      await t.app.inject({ url: '/v1/conversations?limit=ten', headers: t.as('alice') }),
      '/query/limit',
    )
  })

  it(`refuses a body nested deeper than ${MAX_JSON_DEPTH} levels, counting only real nesting`, async () => {
    const url = `/v1/conversations/${(await aliceConversation()).conversation}/messages`
    const send = (payload: string) =>
      t.app.inject({
        method: 'POST',
        url,
        headers: { ...t.as('alice'), 'content-type': 'application/json' },
        payload,
      })
    const body = (depth: number) =>
      `{"role":"user","content":"deep","metadata":${nest(depth - 1, false)}}`
    expect((await send(body(MAX_JSON_DEPTH))).statusCode).toBe(201)
    expectRefused(await send(body(MAX_JSON_DEPTH + 1)), '/')
    expectRefused(await send(body(500_000)), '/')
    // Brackets inside strings, escaped quotes included, are text, not nesting.
    const text = `\\"${'[{'.repeat(5_000)}`
    const stored = await send(JSON.stringify({ role: 'user', content: text }))
    expect(stored.statusCode).toBe(201)
    expect(stored.json<{ content: string }>().content).toBe(text)
  })

  it('answers malformed and overlong paths with problem+json', async () => {
    for (const url of [
      '/v1/conversations/%zz',
      '/v1/messages/%E0%A4%A',
      `/v1/conversations/${'a'.repeat(500)}`,
      `/api/chat/sessions/${'%F0%9F%98%80'.repeat(100)}`,
    ]) {
      const response = await t.app.inject({ url, headers: t.as('alice') })
      expect(response.statusCode, url).toBe(400)
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/)
      expect(response.json()).toMatchObject({ code: 'validation_failed', status: 400 })
      expect(response.body.length).toBeLessThan(1000)
    }
  })

  it('leaves every conversation with as many message rows as its message_count, gapless', async () => {
    const { rows } = await sql<{
      id: string
      message_count: number
      total_tokens: number
      rows: number
      distinct_sequences: number
      min_sequence: number | null
      max_sequence: number | null
      tokens: number
    }>`
      select c.id, c.message_count, c.total_tokens,
             count(m.id) as rows,
             count(distinct m.sequence) as distinct_sequences,
             min(m.sequence) as min_sequence,
             max(m.sequence) as max_sequence,
             coalesce(sum(m.tokens_used), 0) as tokens
      from conversations c left join messages m on m.conversation_id = c.id
      group by c.id, c.message_count, c.total_tokens
    `.execute(ctx.store.database.kysely)
    expect(rows.length).toBeGreaterThan(2)
    for (const row of rows) {
      const n = Number(row.rows)
      expect(Number(row.message_count), row.id).toBe(n)
      expect(Number(row.distinct_sequences), row.id).toBe(n)
      expect(Number(row.max_sequence ?? 0), row.id).toBe(n)
      if (n > 0) expect(Number(row.min_sequence), row.id).toBe(1)
      expect(Number(row.total_tokens), row.id).toBe(Number(row.tokens))
    }
  })
})
