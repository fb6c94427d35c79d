/**
 * The same mistake reads the same wherever it is made: in a body, a query string or a path, over
 * HTTP or through the library. Each row of the table is one mistake made on several routes and
 * faces; every answer must name its own field and give one wording, the one the row expects.
 * Times go through one parser: impossible or out-of-range ones are a 400 on both engines.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { isChatkeepError } from '../../src/index.js'
import { describeEachEngine } from '../support/engines.js'
import { type Caller, type TestApp, testApp } from './test-app.js'

/** One place a mistake is made, and the field the answer must name. */
type Site =
  | {
      http: string
      caller?: Caller
      method?: 'GET' | 'POST' | 'PUT' | 'PATCH'
      body?: unknown
      field: string
    }
  | { library: () => Promise<unknown>; field: string }

const DATE_TIME = 'must be an ISO-8601 date-time with a time zone, like 2026-11-25T12:00:00Z'
const TIME_RANGE = 'must be between 0001-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z (in UTC)'

describeEachEngine('validation wording', (ctx) => {
  let t: TestApp
  let conversation: string
  let message: string

  beforeAll(async () => {
    t = await testApp(ctx.store)
    const mine = ctx.store.forUser(t.users.alice.id)
    conversation = (await mine.conversations.create({ title: 'wording' })).id
    message = (await mine.messages.append(conversation, { role: 'user', content: 'hi' })).id
  })
  afterAll(async () => {
    await t?.app.close()
  })

  const alice = () => ctx.store.forUser(t.users.alice.id)

  /** The wording an answer gives after naming its field. */
  async function reasonAt(site: Site): Promise<string> {
    let detail: string
    let field: string | undefined
    if ('http' in site) {
      const response = await t.app.inject({
        method: site.method ?? (site.body === undefined ? 'GET' : 'POST'),
        url: site.http,
        headers: t.as(site.caller ?? 'alice'),
        ...(site.body === undefined ? {} : { payload: site.body as object }),
      })
      expect(response.statusCode, `${site.http} ${response.body}`).toBe(400)
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/)
      const problem = response.json<{ code: string; detail: string; field?: string }>()
      expect(problem.code).toBe('validation_failed')
      detail = problem.detail
      field = problem.field
    } else {
      const error = await site.library().then(
        () => undefined,
        (e: unknown) => e,
      )
      if (!isChatkeepError(error, 'validation_failed')) throw new Error(`not refused: ${error}`)
      detail = error.message
      field = error.field
    }
    expect(field, detail).toBe(site.field)
    expect(detail.startsWith(`${site.field}: `), detail).toBe(true)
    return detail.slice(site.field.length + 2).replace(/\.$/, '')
  }

  const rows = (): [mistake: string, wording: string, sites: Site[]][] => {
    const appendUrl = `/v1/conversations/${conversation}/messages`
    return [
      [
        'a role that does not exist',
        'must be one of system, user, assistant, tool',
        [
          { http: appendUrl, body: { role: 'wizard', content: 'x' }, field: '/role' },
          {
            http: `${appendUrl}/batch`,
            body: { messages: [{ role: 'wizard', content: 'x' }] },
            field: '/messages/0/role',
          },
          { http: `${appendUrl}?role=wizard`, field: '/query/role' },
          { http: '/v1/search?q=hi&role=wizard', field: '/query/role' },
          {
            http: '/api/chat/message',
            body: { message: 'x', role: 'wizard' },
            field: '/role',
          },
          {
            library: () =>
              alice().messages.append(conversation, { role: 'wizard' as 'user', content: 'x' }),
            field: '/role',
          },
          {
            library: () => alice().messages.list(conversation, { role: 'wizard' as 'user' }),
            field: '/role',
          },
        ],
      ],
      [
        'a page size out of range',
        'must be between 1 and 200',
        [
          { http: '/v1/conversations?limit=0', field: '/query/limit' },
          { http: `${appendUrl}?limit=201`, field: '/query/limit' },
          { http: '/v1/documents?limit=0', field: '/query/limit' },
          { http: '/v1/search?q=hi&limit=500', field: '/query/limit' },
          { http: '/v1/admin/audit-events?limit=0', caller: 'admin', field: '/query/limit' },
          { http: '/v1/admin/metrics/raw?limit=0', caller: 'admin', field: '/query/limit' },
          { library: () => alice().conversations.list({ limit: 0 }), field: '/limit' },
          { library: () => alice().messages.list(conversation, { limit: 201 }), field: '/limit' },
        ],
      ],
      [
        'a page size that is not a number',
        'must be a whole number',
        [
          { http: '/v1/conversations?limit=ten', field: '/query/limit' },
          { http: `${appendUrl}?limit=1.5`, field: '/query/limit' },
          { http: '/v1/users?limit=abc', caller: 'admin', field: '/query/limit' },
          {
            library: () => alice().conversations.list({ limit: 'ten' as unknown as number }),
            field: '/limit',
          },
        ],
      ],
      [
        'text where a number belongs',
        'must be a whole number',
        [
          {
            http: appendUrl,
            body: { role: 'user', content: 'x', tokens_used: '7' },
            field: '/tokens_used',
          },
          {
            library: () =>
              alice().messages.append(conversation, {
                role: 'user',
                content: 'x',
                tokens_used: '7' as unknown as number,
              }),
            field: '/tokens_used',
          },
        ],
      ],
      [
        'a number where text belongs',
        'must be text',
        [
          { http: appendUrl, body: { role: 'user', content: 5 }, field: '/content' },
          {
            library: () =>
              alice().messages.append(conversation, {
                role: 'user',
                content: 5 as unknown as string,
              }),
            field: '/content',
          },
        ],
      ],
      [
        'a required field left out',
        'is required',
        [
          { http: appendUrl, body: { role: 'user' }, field: '/content' },
          { http: '/v1/search', field: '/query/q' },
          {
            library: () =>
              alice().messages.append(conversation, { role: 'user' } as {
                role: 'user'
                content: string
              }),
            field: '/content',
          },
        ],
      ],
      [
        'a field the conversation does not have',
        'is not a known field; the fields are user_id, title, status, origin, discord_channel_id, parameters, metadata, retention, temporary, ttl_hours',
        [
          { http: '/v1/conversations', body: { colour: 'red' }, field: '/colour' },
          {
            library: () => alice().conversations.create({ colour: 'red' } as object),
            field: '/colour',
          },
        ],
      ],
      [
        'a title past its limit',
        'must be at most 500 characters',
        [
          { http: '/v1/conversations', body: { title: 'x'.repeat(501) }, field: '/title' },
          {
            http: `/v1/conversations/${conversation}`,
            method: 'PATCH',
            body: { title: 'x'.repeat(501) },
            field: '/title',
          },
          {
            library: () => alice().conversations.create({ title: 'x'.repeat(501) }),
            field: '/title',
          },
        ],
      ],
      [
        'feedback that is not a thumb',
        'must be one of -1, 1, null',
        [
          {
            http: `/v1/messages/${message}/feedback`,
            method: 'PUT',
            body: { feedback: 2 },
            field: '/feedback',
          },
          { library: () => alice().messages.setFeedback(message, 2 as 1), field: '/feedback' },
        ],
      ],
      [
        'a day that does not exist',
        DATE_TIME,
        [
          {
            http: '/v1/search?q=hi&created_after=2026-02-30T00:00:00Z',
            field: '/query/created_after',
          },
          { http: '/v1/search?q=hi&created_before=2026-02-30', field: '/query/created_before' },
          {
            http: '/v1/admin/audit-events?since=2026-02-30',
            caller: 'admin',
            field: '/query/since',
          },
          {
            http: '/v1/admin/audit-events?until=2026-02-30T00:00:00Z',
            caller: 'admin',
            field: '/query/until',
          },
          {
            http: '/v1/admin/metrics?since=2026-02-30T00:00:00Z',
            caller: 'admin',
            field: '/query/since',
          },
          {
            http: '/v1/admin/metrics/raw?until=2026-02-30T00:00:00Z',
            caller: 'admin',
            field: '/query/until',
          },
          {
            http: '/v1/metrics',
            body: {
              metrics: [{ source: 'b', metric_type: 'm', timestamp: '2026-02-30T00:00:00Z' }],
            },
            field: '/metrics/0/timestamp',
          },
          {
            library: () =>
              alice().search.search({ q: 'hi', created_after: '2026-02-30T00:00:00Z' }),
            field: '/created_after',
          },
          { library: () => ctx.store.audit.list({ since: '2026-02-30' }), field: '/since' },
          {
            library: () => ctx.store.metrics.list({ since: '2026-02-30T00:00:00Z' }),
            field: '/since',
          },
          {
            library: () => ctx.store.documents.purgeDeleted('2026-02-30T00:00:00Z'),
            field: '/before',
          },
        ],
      ],
      [
        'a year neither engine keeps in order',
        TIME_RANGE,
        [
          {
            http: '/v1/search?q=hi&created_after=0000-01-01T00:00:00Z',
            field: '/query/created_after',
          },
          {
            http: '/v1/search?q=hi&scope=documents&created_before=9999-12-31T23:30:00-01:00',
            field: '/query/created_before',
          },
          {
            http: '/v1/admin/audit-events?since=0000-01-01T00:00:00Z',
            caller: 'admin',
            field: '/query/since',
          },
          {
            http: '/v1/admin/audit-events?until=0001-01-01T00:30:00%2B01:00',
            caller: 'admin',
            field: '/query/until',
          },
          {
            http: '/v1/admin/metrics/raw?since=0000-12-31T23:59:59Z',
            caller: 'admin',
            field: '/query/since',
          },
          {
            library: () =>
              alice().search.search({ q: 'hi', created_after: '0000-01-01T00:00:00Z' }),
            field: '/created_after',
          },
          {
            library: () => ctx.store.audit.list({ since: '0000-01-01T00:00:00Z' }),
            field: '/since',
          },
        ],
      ],
    ]
  }

  it('gives each mistake one wording on every route and face, naming each field', async () => {
    for (const [mistake, wording, sites] of rows()) {
      for (const site of sites) {
        const where = 'http' in site ? site.http : `library ${site.field}`
        expect(await reasonAt(site), `${mistake} at ${where}`).toBe(wording)
      }
    }
  })

  it('says a query parameter given twice must be given once', async () => {
    const site = {
      http: `/v1/conversations/${conversation}/messages?role=user&role=tool`,
      field: '/query/role',
    }
    expect(await reasonAt(site)).toBe('must be given once')
  })

  it('takes every time from the first to the last millisecond of the range, on every route', async () => {
    const edges = ['0001-01-01T00:00:00Z', '0001-01-01T01:00:00+01:00', '9999-12-31T23:59:59.999Z']
    for (const time of edges) {
      const at = encodeURIComponent(time)
      for (const [url, caller] of [
        [`/v1/search?q=hi&created_after=${at}`, 'alice'],
        [`/v1/search?q=hi&scope=documents&created_before=${at}`, 'alice'],
        [`/v1/admin/audit-events?since=${at}`, 'admin'],
        [`/v1/admin/audit-events?until=${at}`, 'admin'],
        [`/v1/admin/metrics/raw?since=${at}`, 'admin'],
      ] as const) {
        const response = await t.app.inject({ url, headers: t.as(caller) })
        expect(response.statusCode, `${url} ${response.body}`).toBe(200)
      }
    }
    // A search from the first instant on finds what a search with no bound finds.
    const all = await alice().search.search({ q: 'hi' })
    const bounded = await alice().search.search({ q: 'hi', created_after: '0001-01-01T00:00:00Z' })
    expect(bounded.data.map((hit) => hit.id)).toEqual(all.data.map((hit) => hit.id))
    expect(all.data.length).toBeGreaterThan(0)
  })
})
