import { Validator } from '@seriousme/openapi-schema-validator'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeEachEngine } from '../support/engines.js'
import { type TestApp, testApp } from './test-app.js'

type Operation = {
  operationId?: string
  tags?: string[]
  summary?: string
  security?: unknown[]
  responses: Record<string, { content?: Record<string, unknown> }>
}
type OpenApiDocument = {
  openapi: string
  tags: { name: string }[]
  security: Record<string, string[]>[]
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> }
  paths: Record<string, Record<string, Operation>>
}

/**
 * Every operation's id: a typed client names its methods after them, so a renamed id breaks
 * every client generated before. Change one only on purpose, and say so in the changelog.
 */
const OPERATION_IDS: Record<string, string> = {
  'DELETE /api/chat/sessions/{id}': 'deleteChatSession',
  'DELETE /v1/admin/config/{key}': 'deleteSetting',
  'DELETE /v1/auth/api-keys/{id}': 'deleteApiKey',
  'DELETE /v1/auth/sessions/{id}': 'deleteSession',
  'DELETE /v1/cache/responses/{key}': 'deleteCachedResponse',
  'DELETE /v1/conversations/{id}': 'deleteConversation',
  'DELETE /v1/documents/{id}': 'deleteDocument',
  'DELETE /v1/messages/{id}': 'deleteMessage',
  'DELETE /v1/transcripts/{id}': 'deleteTranscript',
  'DELETE /v1/users/{id}': 'deleteUser',
  'GET /api/chat/sessions': 'listChatSessions',
  'GET /api/chat/sessions/{id}': 'getChatSession',
  'GET /healthz': 'checkLiveness',
  'GET /metrics': 'getMetrics',
  'GET /openapi.json': 'getOpenApiDocument',
  'GET /readyz': 'checkReadiness',
  'GET /v1/admin/audit-events': 'listAuditEvents',
  'GET /v1/events': 'listEvents',
  'GET /v1/events/stream': 'streamEvents',
  'POST /v1/admin/webhooks': 'createWebhook',
  'GET /v1/admin/webhooks': 'listWebhooks',
  'GET /v1/admin/webhooks/{id}': 'getWebhook',
  'PATCH /v1/admin/webhooks/{id}': 'updateWebhook',
  'DELETE /v1/admin/webhooks/{id}': 'deleteWebhook',
  'GET /v1/admin/webhooks/{id}/deliveries': 'listWebhookDeliveries',
  'GET /v1/admin/backups': 'listBackups',
  'POST /v1/admin/backups': 'createBackup',
  'GET /v1/admin/config': 'listSettings',
  'GET /v1/admin/config/{key}': 'getSetting',
  'GET /v1/admin/metrics': 'summarizeMetrics',
  'GET /v1/admin/metrics/raw': 'listMetrics',
  'GET /v1/admin/stats': 'getStats',
  'GET /v1/auth/api-keys': 'listApiKeys',
  'GET /v1/auth/sessions': 'listSessions',
  'GET /v1/cache/responses/{key}': 'getCachedResponse',
  'GET /v1/conversations': 'listConversations',
  'GET /v1/conversations/{id}': 'getConversation',
  'GET /v1/conversations/{id}/context': 'getContext',
  'GET /v1/conversations/{id}/messages': 'listMessages',
  'GET /v1/conversations/{id}/transcripts': 'listTranscripts',
  'GET /v1/documents': 'listDocuments',
  'GET /v1/feedback': 'listFeedback',
  'GET /v1/documents/{id}': 'getDocument',
  'GET /v1/messages/{id}': 'getMessage',
  'POST /v1/messages/{id}/deltas': 'appendMessageDelta',
  'POST /v1/messages/{id}/finish': 'finishMessage',
  'POST /v1/messages/{id}/abort': 'abortMessage',
  'GET /v1/messages/{id}/stream': 'streamMessage',
  'GET /v1/messages/{id}/citations': 'listMessageCitations',
  'GET /v1/messages/{id}/siblings': 'listMessageSiblings',
  'GET /v1/search': 'search',
  'GET /v1/transcripts/{id}': 'getTranscript',
  'GET /v1/transcripts/{id}/content': 'downloadTranscript',
  'GET /v1/users': 'listUsers',
  'GET /v1/users/me': 'getCurrentUser',
  'GET /v1/users/me/export': 'exportCurrentUser',
  'GET /v1/users/{id}': 'getUser',
  'GET /v1/users/{id}/export': 'exportUser',
  'GET /v1/users/{id}/erase': 'previewUserErasure',
  'GET /v1/users/{id}/sessions': 'listUserSessions',
  'DELETE /v1/users/{id}/sessions/{credential_id}': 'deleteUserSession',
  'GET /v1/users/{id}/api-keys': 'listUserApiKeys',
  'DELETE /v1/users/{id}/api-keys/{credential_id}': 'deleteUserApiKey',
  'PATCH /v1/conversations/{id}': 'updateConversation',
  'PATCH /v1/documents/{id}': 'updateDocument',
  'PATCH /v1/users/me': 'updateCurrentUser',
  'PATCH /v1/users/{id}': 'updateUser',
  'POST /api/chat/message': 'saveChatMessage',
  'POST /v1/auth/api-keys': 'createApiKey',
  'POST /v1/auth/login': 'login',
  'POST /v1/auth/logout': 'logout',
  'POST /v1/auth/refresh': 'refreshTokens',
  'POST /v1/auth/register': 'register',
  'POST /v1/cache/responses': 'cacheResponse',
  'POST /v1/cache/responses/lookup': 'lookUpCachedResponse',
  'POST /v1/conversations': 'createConversation',
  'POST /v1/conversations/discord': 'findOrCreateDiscordConversation',
  'POST /v1/conversations/{id}/fork': 'forkConversation',
  'POST /v1/conversations/{id}/messages': 'appendMessage',
  'POST /v1/conversations/{id}/messages/batch': 'appendMessages',
  'POST /v1/conversations/{id}/restore': 'restoreConversation',
  'POST /v1/conversations/{id}/transcripts': 'createTranscript',
  'POST /v1/documents': 'ingestDocument',
  'POST /v1/messages/{id}/restore': 'restoreMessage',
  'POST /v1/metrics': 'ingestMetrics',
  'POST /v1/search/similar': 'searchSimilar',
  'POST /v1/search/messages/similar': 'searchSimilarMessages',
  'PUT /v1/messages/{id}/embedding': 'setMessageEmbedding',
  'POST /v1/users/discord': 'findOrCreateDiscordUser',
  'PUT /v1/admin/config/{key}': 'setSetting',
  'GET /v1/admin/retention': 'getRetention',
  'PUT /v1/admin/retention': 'setRetention',
  'GET /v1/usage': 'getUsage',
  'GET /v1/usage/quota': 'getQuotaStatus',
  'GET /v1/admin/quotas': 'getQuotas',
  'PUT /v1/admin/quotas': 'setQuotas',
  'POST /v1/admin/legal-holds': 'createLegalHold',
  'POST /v1/users/{id}/erase': 'eraseUser',
  'GET /v1/admin/legal-holds': 'listLegalHolds',
  'DELETE /v1/admin/legal-holds/{id}': 'releaseLegalHold',
  'PUT /v1/messages/{id}/feedback': 'setMessageFeedback',
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']

/** `GET /v1/conversations/:id` for every route Fastify would answer, read off printRoutes. */
function registeredRoutes(printed: string): { method: string; url: string }[] {
  const routes: { method: string; url: string }[] = []
  const stack: string[] = []
  for (const line of printed.split('\n')) {
    const match = /^((?:│ {3}| {4})*)(?:├── |└── )(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line)
    if (match === null) continue
    const depth = match[1]!.length / 4
    stack.length = depth
    const url = `${stack.at(-1) ?? ''}${match[2]!}`
    stack.push(url)
    for (const method of match[3]?.split(', ') ?? []) routes.push({ method, url })
  }
  return routes
}

/** Every `$ref` in the document, with where it sits. */
function refsIn(value: unknown, at = '#'): { ref: string; at: string }[] {
  if (value === null || typeof value !== 'object') return []
  return Object.entries(value).flatMap(([key, child]) =>
    key === '$ref' && typeof child === 'string'
      ? [{ ref: child, at }]
      : refsIn(child, `${at}/${key}`),
  )
}

function resolvePointer(document: unknown, ref: string): unknown {
  return ref
    .slice(2)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>(
      (node, key) =>
        node !== null && typeof node === 'object'
          ? (node as Record<string, unknown>)[key]
          : undefined,
      document,
    )
}

describeEachEngine('OpenAPI document and docs page', (ctx) => {
  let t: TestApp
  let document: OpenApiDocument

  beforeAll(async () => {
    t = await testApp(ctx.store)
    const response = await t.app.inject({ method: 'GET', url: '/openapi.json' })
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toMatch(/^application\/json/)
    document = response.json()
  })
  afterAll(async () => {
    await t?.app.close()
  })

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(document.openapi).toBe('3.1.0')
    const validator = new Validator()
    const result = await validator.validate(structuredClone(document))
    expect(result.errors).toBeUndefined()
    expect(result.valid).toBe(true)
    expect(validator.version).toBe('3.1')
    // Dereferencing the whole document succeeds only if every $ref points somewhere.
    expect(() => validator.resolveRefs()).not.toThrow()
  })

  it('names the shared schemas as components, and every $ref resolves', () => {
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining(['Problem', 'Conversation', 'Message', 'User']),
    )
    const refs = refsIn(document)
    expect(refs.length).toBeGreaterThan(50)
    for (const { ref, at } of refs) {
      expect(ref, at).toMatch(/^#\/components\/schemas\//)
      expect(resolvePointer(document, ref), `${ref} at ${at}`).toBeDefined()
    }
    const conversation = document.paths['/v1/conversations/{id}']?.get?.responses['200']
    expect(conversation?.content).toEqual({
      'application/json': { schema: { $ref: '#/components/schemas/Conversation' } },
    })
  })

  it('documents every registered route, and no route that does not exist', () => {
    const routes = registeredRoutes(t.app.printRoutes({ commonPrefix: false }))
      // HEAD mirrors GET; the docs page's and the admin console's files are not the API.
      .filter(
        ({ method, url }) =>
          method !== 'HEAD' && !url.startsWith('/docs') && !/^\/admin(\/|$)/.test(url),
      )
      .map(({ method, url }) => `${method} ${url.replace(/:([A-Za-z_]+)/g, '{$1}')}`)
    expect(routes).toContain('POST /v1/conversations/{id}/messages')
    expect(routes).toContain('GET /metrics')
    const documented = Object.entries(document.paths).flatMap(([url, item]) =>
      Object.keys(item)
        .filter((key) => HTTP_METHODS.includes(key))
        .map((method) => `${method.toUpperCase()} ${url}`),
    )
    expect([...documented].sort()).toEqual([...routes].sort())
  })

  it('gives every operation a known tag, a summary, and problem+json errors', () => {
    const tags = new Set(document.tags.map((tag) => tag.name))
    for (const [url, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const where = `${method.toUpperCase()} ${url}`
        expect(operation.summary, where).toBeTruthy()
        expect(operation.tags?.length, where).toBeGreaterThan(0)
        for (const tag of operation.tags ?? []) expect(tags, where).toContain(tag)
        for (const [status, response] of Object.entries(operation.responses)) {
          // /readyz answers 503 with its readiness report, which is the point of it.
          if (Number(status) < 400 || (url === '/readyz' && status === '503')) continue
          expect(Object.keys(response.content ?? {}), `${where} ${status}`).toEqual([
            'application/problem+json',
          ])
        }
      }
    }
  })

  it('names every operation with its own stable camelCase operationId', () => {
    const ids = Object.entries(document.paths).flatMap(([url, item]) =>
      Object.entries(item)
        .filter(([method]) => HTTP_METHODS.includes(method))
        .map(([method, operation]) => [`${method.toUpperCase()} ${url}`, operation.operationId]),
    )
    for (const [where, id] of ids) expect(id, where).toMatch(/^[a-z][a-zA-Z0-9]*$/)
    const owners = new Map<string, string[]>()
    for (const [where, id] of ids) owners.set(id!, [...(owners.get(id!) ?? []), where!])
    const shared = [...owners].filter(([, where]) => where.length > 1)
    expect(shared, 'operationIds used twice').toEqual([])
    expect(Object.fromEntries(ids)).toEqual(OPERATION_IDS)
  })

  it('asks for a bearer token everywhere but on the public operations', () => {
    expect(document.components.securitySchemes.bearer).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    })
    expect(document.security).toEqual([{ bearer: [] }])
    const open = Object.entries(document.paths)
      .flatMap(([url, item]) =>
        Object.entries(item)
          .filter(([, operation]) => operation.security?.length === 0)
          .map(([method]) => `${method.toUpperCase()} ${url}`),
      )
      .sort()
    expect(open).toEqual(
      expect.arrayContaining(['GET /healthz', 'GET /metrics', 'GET /openapi.json', 'GET /readyz']),
    )
    expect(open.filter((op) => op.includes('/v1/conversations'))).toEqual([])
  })

  it('serves the docs page and its assets from this server', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/docs' })
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-type']).toMatch(/^text\/html/)
    expect(page.body).toContain('swagger-ui')
    expect(page.headers['content-security-policy']).toContain("default-src 'self'")
    // Every asset the page loads is a path on this server, never another host.
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!)
    expect(assets.length).toBeGreaterThan(2)
    for (const asset of assets) {
      expect(asset).toMatch(/^\/docs\//)
      const served = await t.app.inject({ method: 'GET', url: asset })
      expect(served.statusCode, asset).toBe(200)
    }
    const spec = await t.app.inject({ method: 'GET', url: '/docs/json' })
    expect(spec.json()).toEqual(document)
  })
})
