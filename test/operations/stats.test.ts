import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TABLES } from '../../src/db/schema.js'
import { uuid7 } from '../../src/lib/uuid7.js'
import { collectStats, type Stats, type Store } from '../../src/index.js'
import { expectError } from '../conformance/helpers.js'
import { testApp, type TestApp } from '../server/test-app.js'
import { runChatkeep } from '../support/cli.js'
import { describeEachEngine, type EngineName } from '../support/engines.js'

const DAY = 86_400_000
const NOW = new Date()
/** Today, 00:00 UTC: the data straddles UTC midnights, where the engines' bucketing must agree. */
const T0 = Date.UTC(NOW.getUTCFullYear(), NOW.getUTCMonth(), NOW.getUTCDate())
const at = (ms: number) => new Date(ms).toISOString()
const day = (ms: number) => at(ms).slice(0, 10)

/** The same ids on both engines, so that their answers can be compared whole. */
const IDS = Array.from({ length: 40 }, () => uuid7())

/** A known data set, written row by row so that nothing else (audit, sessions) appears. */
async function load(store: Store) {
  // gpt-4o's 155 tokens are not split: priced as completion, 155 × 10 / 1e6.
  await store.config.set('llm.model_prices', {
    'gpt-4o': { prompt_per_million: 2.5, completion_per_million: 10 },
  })
  let next = 0
  const id = () => IDS[next++]!
  const db = store.database.kysely
  const user = (username: string) => ({
    id: id(),
    username,
    role: 'user',
    is_active: store.database.codec.bool(true),
    preferences: '{}',
    created_at: at(T0 - 50 * DAY),
    updated_at: at(T0 - 50 * DAY),
  })
  const [ann, ben, cat] = [user('ann'), user('ben'), user('cat')]
  await db.insertInto('users').values([ann, ben, cat]).execute()
  const conversation = (user_id: string, deleted_at: string | null = null) => ({
    id: id(),
    short_id: id().slice(-12),
    user_id,
    status: 'active',
    origin: 'api',
    parameters: '{}',
    metadata: '{}',
    message_count: 0,
    total_tokens: 0,
    created_at: at(T0 - 50 * DAY),
    updated_at: at(T0 - 50 * DAY),
    last_activity: at(T0 - DAY),
    deleted_at,
  })
  const [c1, c2, c3, c4] = [
    conversation(ann.id),
    conversation(ben.id),
    conversation(ann.id, at(T0 - 39 * DAY)),
    conversation(cat.id),
  ]
  await db.insertInto('conversations').values([c1, c2, c3, c4]).execute()
  let sequence = 0
  const message = (
    c: { id: string; user_id: string },
    created: number,
    tokens: number,
    model: string | null,
    deleted_at: string | null = null,
  ) => ({
    id: id(),
    conversation_id: c.id,
    user_id: c.user_id,
    sequence: ++sequence,
    role: 'assistant',
    content: `tokens ${tokens}`,
    tokens_used: tokens,
    model_version: model,
    context_documents: '[]',
    metadata: '{}',
    created_at: at(created),
    deleted_at,
  })
  await db
    .insertInto('messages')
    .values([
      message(c1, T0 - 2 * DAY + 3_600_000, 100, 'gpt-4o'),
      message(c1, T0 - 1, 50, 'gpt-4o'), // 23:59:59.999 yesterday
      message(c1, T0, 7, null), // 00:00:00.000 today
      message(c2, T0 + 1, 30, 'claude-3'),
      message(c2, T0 - DAY, 30, 'claude-3'),
      // Equal tokens and messages: ordered by code units on both engines ('Z' < 'a').
      message(c2, T0 - DAY + 5, 20, 'a-model'),
      message(c2, T0 - DAY + 6, 20, 'Z-model'),
      message(c3, T0 - 40 * DAY, 5, 'gpt-4o', at(T0 - 39 * DAY)),
      message(c4, T0 - 10 * DAY, 500, 'big'),
      // Tomorrow (a clock ahead): counted in the totals, not in the days shown.
      message(c4, T0 + DAY + 1, 1, 'big'),
    ])
    .execute()
  // Ratings: one up, two down (one of them on the soft-deleted message), one with a reason.
  const rate = (content: string, feedback: number, feedback_reason: string | null) =>
    db
      .updateTable('messages')
      .set({ feedback, feedback_reason })
      .where('content', '=', content)
      .execute()
  await rate('tokens 100', 1, null)
  await rate('tokens 7', -1, 'made up a number')
  await rate('tokens 5', -1, null)
  const live = id()
  const deleted = id()
  await db
    .insertInto('documents')
    .values([
      { id: live, user_id: null, metadata: '{}', created_at: at(T0), updated_at: at(T0) },
      {
        id: deleted,
        user_id: ann.id,
        metadata: '{}',
        created_at: at(T0),
        updated_at: at(T0),
        deleted_at: at(T0),
      },
    ])
    .execute()
  const chunk = (document_id: string, i: number) => ({
    id: id(),
    document_id,
    chunk_index: i,
    content: `chunk ${i}`,
    content_hash: `${document_id}-${i}`,
    created_at: at(T0),
    updated_at: at(T0),
  })
  await db
    .insertInto('document_chunks')
    .values([chunk(live, 0), chunk(live, 1), chunk(deleted, 0)])
    .execute()
  return { ann, ben, cat }
}

type Loaded = Awaited<ReturnType<typeof load>>

/** A model without a price; no message of the data set splits its tokens. */
const unpriced = { prompt_tokens: 0, completion_tokens: 0, cost: null }

const expected = (users: Loaded, engine: EngineName) => ({
  engine,
  generated_at: NOW.toISOString(),
  database_size_bytes: expect.any(Number),
  tables: {
    ...Object.fromEntries(TABLES.map((table) => [table, 0])),
    users: 3,
    conversations: 4,
    messages: 10,
    documents: 2,
    document_chunks: 3,
    // The price table, and its change in the audit log.
    system_configs: 1,
    audit_events: 1,
  },
  soft_deleted: { conversations: 1, messages: 1, documents: 1 },
  feedback: { up: 1, down: 2, with_reason: 1 },
  days: 3,
  messages_per_day: [
    { day: day(T0 - 2 * DAY), messages: 1, tokens: 100 },
    { day: day(T0 - DAY), messages: 4, tokens: 120 },
    { day: day(T0), messages: 2, tokens: 37 },
  ],
  tokens_per_model: [
    { model_version: 'big', messages: 2, tokens: 501, ...unpriced },
    { model_version: 'gpt-4o', messages: 3, tokens: 155, ...unpriced, cost: 0.00155 },
    { model_version: 'claude-3', messages: 2, tokens: 60, ...unpriced },
    { model_version: 'Z-model', messages: 1, tokens: 20, ...unpriced },
    { model_version: 'a-model', messages: 1, tokens: 20, ...unpriced },
    { model_version: null, messages: 1, tokens: 7, ...unpriced },
  ],
  top: 2,
  top_users: {
    // ann and ben have four messages each; ann has more tokens.
    by_messages: [
      { user_id: users.ann.id, username: 'ann', messages: 4, tokens: 162 },
      { user_id: users.ben.id, username: 'ben', messages: 4, tokens: 100 },
    ],
    by_tokens: [
      { user_id: users.cat.id, username: 'cat', messages: 2, tokens: 501 },
      { user_id: users.ann.id, username: 'ann', messages: 4, tokens: 162 },
    ],
  },
  message_search: { mode: 'immediate', lag_messages: 0, lag_ms: 0 },
})

/** What must be the same on both engines for the same data. */
const comparable = ({ engine: _e, generated_at: _g, database_size_bytes: _s, ...rest }: Stats) =>
  rest

const byEngine = new Map<EngineName, ReturnType<typeof comparable>>()

describeEachEngine('chatkeep stats', (ctx) => {
  let users: Loaded
  beforeAll(async () => {
    users = await load(ctx.store)
  })

  it('counts a known data set exactly', async () => {
    const stats = await collectStats(ctx.store.database, { days: 3, top: 2, now: NOW })
    expect(stats).toEqual(expected(users, ctx.engine))
    expect(stats.database_size_bytes).toBeGreaterThan(10_000)
    byEngine.set(ctx.engine, comparable(stats))
    // Defaults: 30 days ending today, the top 10.
    const defaults = await collectStats(ctx.store.database, { now: NOW })
    expect(defaults.messages_per_day).toHaveLength(30)
    expect(defaults.messages_per_day.at(-1)).toEqual({ day: day(T0), messages: 2, tokens: 37 })
    expect(defaults.messages_per_day.at(-11)).toEqual({
      day: day(T0 - 10 * DAY),
      messages: 1,
      tokens: 500,
    })
    expect(defaults.top_users.by_messages.map((u) => u.username)).toEqual(['ann', 'ben', 'cat'])
    await expectError(collectStats(ctx.store.database, { days: 0 }), 'validation_failed', '/days')
    await expectError(collectStats(ctx.store.database, { top: 101 }), 'validation_failed', '/top')
  })

  it('--json prints the same numbers; a terminal gets tables', async () => {
    const env = { DATABASE_URL: ctx.database.database_url }
    const json = await runChatkeep(['stats', '--json', '--days', '3', '--top', '2'], env)
    expect(json).toMatchObject({ code: 0, stderr: '' })
    const printed = JSON.parse(json.stdout) as Stats
    expect(Object.keys(printed)).toEqual(Object.keys(expected(users, ctx.engine)))
    expect(printed).toEqual({
      ...expected(users, ctx.engine),
      generated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    })

    const text = await runChatkeep(['stats', '--days', '3', '--top', '2'], env)
    expect(text).toMatchObject({ code: 0, stderr: '' })
    expect(text.stdout).toMatch(new RegExp(`^Chatkeep on ${ctx.engine}, [\\d.]+ (KiB|MiB), at `))
    expect(text.stdout).toMatch(/^table +rows +soft-deleted$/m)
    expect(text.stdout).toMatch(/^messages +10 +1$/m)
    expect(text.stdout).toMatch(/^users +3 +-$/m)
    expect(text.stdout).toContain(`${day(T0 - DAY)}         4     120`)
    expect(text.stdout).toMatch(/^\(none\) +1 +7 +-$/m)
    expect(text.stdout).toMatch(/^gpt-4o +3 +155 +0\.00155$/m)
    expect(text.stdout).toMatch(
      /Top 2 users by tokens\n\nusername +messages +tokens\n-+ +-+ +-+\ncat +2 +501\n/,
    )

    for (const args of [['--days', '0'], ['--days', '367'], ['--top', 'ten'], ['extra']]) {
      const bad = await runChatkeep(['stats', ...args], env)
      expect(bad.code, args.join(' ')).toBe(2)
      expect(bad.stderr).toContain('Usage: chatkeep stats')
    }
  })

  it('leaves all-zero rows out of the tables unless --all', async () => {
    const env = { DATABASE_URL: ctx.database.database_url }
    const args = ['stats', '--days', '5', '--top', '2']
    const short = await runChatkeep(args, env)
    expect(short).toMatchObject({ code: 0, stderr: '' })
    // api_keys is empty, and four days before today nothing was written.
    expect(short.stdout).not.toMatch(/^api_keys /m)
    expect(short.stdout).not.toContain(day(T0 - 4 * DAY))
    expect(short.stdout).toMatch(/^messages +10 +1$/m)
    expect(short.stdout).toContain(`${day(T0 - DAY)}         4     120`)
    expect(short.stdout).toMatch(/all-zero row\(s\) left out; --all lists them/)

    const all = await runChatkeep([...args, '--all'], env)
    expect(all).toMatchObject({ code: 0, stderr: '' })
    expect(all.stdout).toMatch(/^api_keys +0 +-$/m)
    expect(all.stdout).toMatch(new RegExp(`^${day(T0 - 4 * DAY)} +0 +0$`, 'm'))
    expect(all.stdout).not.toContain('left out')
  })

  describe('GET /v1/admin/stats', () => {
    let t: TestApp
    beforeAll(async () => {
      t = await testApp(ctx.store)
    })
    afterAll(async () => {
      await t?.app.close()
    })

    it('answers 403 to a user and 401 to nobody', async () => {
      const asUser = await t.app.inject({ url: '/v1/admin/stats', headers: t.as('alice') })
      expect(asUser.statusCode).toBe(403)
      expect(asUser.json()).toMatchObject({ code: 'forbidden' })
      expect((await t.app.inject({ url: '/v1/admin/stats' })).statusCode).toBe(401)
    })

    it('gives an admin the numbers the CLI prints', async () => {
      const response = await t.app.inject({
        url: '/v1/admin/stats?days=3&top=2',
        headers: t.as('admin'),
      })
      expect(response.statusCode).toBe(200)
      const body = response.json() as Stats
      const cli = await runChatkeep(['stats', '--json', '--days', '3', '--top', '2'], {
        DATABASE_URL: ctx.database.database_url,
      })
      const printed = JSON.parse(cli.stdout) as Stats
      expect(comparable(body)).toEqual(comparable(printed))
      expect(body.engine).toBe(ctx.engine)
      // The test app's three users are counted like any others.
      expect(body.tables.users).toBe(6)
      const bad = await t.app.inject({ url: '/v1/admin/stats?days=0', headers: t.as('admin') })
      expect(bad.statusCode).toBe(400)
      expect(bad.json()).toMatchObject({ code: 'validation_failed' })
    })
  })
})

describe('chatkeep stats on both engines', () => {
  it('gives identical numbers for the same data', () => {
    expect(byEngine.size).toBe(2)
    expect(byEngine.get('postgres')).toEqual(byEngine.get('sqlite'))
  })
})
