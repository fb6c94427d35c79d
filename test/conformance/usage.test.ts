/**
 * Usage and quotas (issue 17 item 6): tokens split into prompt and completion, their cost by the
 * price table, reports per user, model and day, and quotas that stop a user's appends.
 */
import { afterEach, expect, it } from 'vitest'
import { periodsOf, UsageService } from '../../src/services/usage.js'
import { describeEachEngine } from '../support/engines.js'
import { createUser, expectError, ISO_TIME, sleep, userWithConversation } from './helpers.js'

describeEachEngine('usage and quotas', (ctx) => {
  const PRICES = {
    'gpt-test': { prompt_per_million: 2, completion_per_million: 10 },
    'cheap-test': { prompt_per_million: 0.5, completion_per_million: 1 },
  }

  afterEach(async () => {
    // The tests of a file share a database: no quota outlives its test.
    const { users } = await ctx.store.usage.quotas()
    await ctx.store.usage.setQuotas({
      default: null,
      users: users.map(({ user_id }) => ({ user_id, quota: null })),
    })
  })

  it('stores prompt and completion tokens, with tokens_used their sum', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    const split = await ctx.store.messages.append(conversation.id, {
      role: 'assistant',
      content: 'Hi',
      prompt_tokens: 30,
      completion_tokens: 12,
    })
    expect(split).toMatchObject({ tokens_used: 42, prompt_tokens: 30, completion_tokens: 12 })
    expect(await ctx.store.messages.get(split.id)).toMatchObject({
      tokens_used: 42,
      prompt_tokens: 30,
      completion_tokens: 12,
    })
    const whole = await ctx.store.messages.append(conversation.id, {
      role: 'assistant',
      content: 'Again',
      tokens_used: 7,
    })
    expect(whole).toMatchObject({ tokens_used: 7, prompt_tokens: null, completion_tokens: null })
    await expectError(
      ctx.store.messages.append(conversation.id, {
        role: 'assistant',
        content: 'Wrong sum',
        tokens_used: 40,
        prompt_tokens: 30,
        completion_tokens: 12,
      }),
      'validation_failed',
      '/tokens_used',
    )
    expect((await ctx.store.conversations.get(conversation.id)).total_tokens).toBe(49)
  })

  it('a streamed answer takes its split at finish, and the conversation its total', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    const answer = await ctx.store.messages.start(conversation.id, { role: 'assistant' })
    await ctx.store.messages.appendDelta(answer.id, { content: 'Streamed' })
    const done = await ctx.store.messages.finish(answer.id, {
      prompt_tokens: 100,
      completion_tokens: 20,
    })
    expect(done).toMatchObject({ tokens_used: 120, prompt_tokens: 100, completion_tokens: 20 })
    expect(await ctx.store.messages.get(answer.id)).toMatchObject({ prompt_tokens: 100 })
    expect((await ctx.store.conversations.get(conversation.id)).total_tokens).toBe(120)
  })

  it('reports tokens and cost per model, user and day, soft-deleted messages included', async () => {
    await ctx.store.config.set('llm.model_prices', PRICES)
    // Past the messages of the tests before, to the millisecond.
    const since = new Date(Date.now() + 1).toISOString()
    await sleep(2)
    const ada = await userWithConversation(ctx.store, 'ada')
    const bob = await userWithConversation(ctx.store, 'bob')
    const append = (chat: string, model: string | null, prompt: number, completion: number) =>
      ctx.store.messages.append(chat, {
        role: 'assistant',
        content: 'x',
        model_version: model,
        prompt_tokens: prompt,
        completion_tokens: completion,
      })
    await append(ada.conversation.id, 'gpt-test', 1_000, 500)
    const deleted = await append(ada.conversation.id, 'gpt-test', 2_000, 0)
    await ctx.store.messages.delete(deleted.id)
    await ctx.store.messages.append(ada.conversation.id, {
      role: 'assistant',
      content: 'unsplit',
      model_version: 'cheap-test',
      tokens_used: 1_000_000,
    })
    await append(bob.conversation.id, 'unknown-model', 10, 10)
    const until = new Date(Date.now() + 1).toISOString()

    const byModel = await ctx.store.usage.report({ group_by: 'model', since, until })
    expect(byModel.rows).toEqual([
      // 1,000,000 tokens without a split are priced as completion: 1 × 1.
      {
        key: 'cheap-test',
        messages: 1,
        prompt_tokens: 0,
        completion_tokens: 0,
        tokens_used: 1_000_000,
        cost: 1,
        unpriced_tokens: 0,
      },
      // (3,000 × 2 + 500 × 10) / 1e6
      {
        key: 'gpt-test',
        messages: 2,
        prompt_tokens: 3_000,
        completion_tokens: 500,
        tokens_used: 3_500,
        cost: 0.011,
        unpriced_tokens: 0,
      },
      {
        key: 'unknown-model',
        messages: 1,
        prompt_tokens: 10,
        completion_tokens: 10,
        tokens_used: 20,
        cost: 0,
        unpriced_tokens: 20,
      },
    ])
    expect(byModel.total).toMatchObject({ messages: 4, tokens_used: 1_003_520, cost: 1.011 })

    const byUser = await ctx.store.usage.report({ group_by: 'user', since, until })
    expect(byUser.rows.map((r) => [r.key, r.username, r.cost])).toEqual([
      [ada.user.id, ada.user.username, 1.011],
      [bob.user.id, bob.user.username, 0],
    ])
    const onlyBob = await ctx.store.usage.report({ since, until, user_id: bob.user.id })
    expect(onlyBob.rows.map((r) => r.key)).toEqual([bob.user.id])

    const byDay = await ctx.store.usage.report({ group_by: 'day', since, until })
    expect(byDay.rows).toHaveLength(1)
    expect(byDay.rows[0]!.key).toBe(since.slice(0, 10))
    expect(byDay.rows[0]!.tokens_used).toBe(1_003_520)

    const before = await ctx.store.usage.report({ since: '2020-01-01T00:00:00.000Z', until: since })
    expect(before.rows.some((r) => r.key === ada.user.id)).toBe(false)
    await expectError(ctx.store.usage.report({ since: until, until: since }), 'validation_failed')
    await ctx.store.config.delete('llm.model_prices')
  })

  it('sets the default and users’ quotas in one audited transaction, or nothing', async () => {
    const ada = await createUser(ctx.store, 'ada')
    const admin = await createUser(ctx.store, 'admin')
    const settings = await ctx.store.usage.setQuotas(
      {
        default: { tokens_per_day: 1_000 },
        users: [{ user_id: ada.id, quota: { cost_per_month: 5 } }],
      },
      { user_id: admin.id },
    )
    expect(settings).toEqual({
      default: { tokens_per_day: 1_000 },
      users: [{ user_id: ada.id, username: ada.username, quota: { cost_per_month: 5 } }],
    })
    await expectError(
      ctx.store.usage.setQuotas({
        default: { tokens_per_day: 5 },
        users: [
          { user_id: ada.id, quota: null },
          { user_id: '00000000-0000-4000-8000-000000000000', quota: { tokens_per_day: 1 } },
        ],
      }),
      'not_found',
      '/users/1/user_id',
    )
    expect(await ctx.store.usage.quotas()).toEqual(settings)
    await expectError(
      ctx.store.usage.setQuotas({ default: {} as never }),
      'validation_failed',
      '/default',
    )
    const { data } = await ctx.store.audit.list({ action: 'quota.update', limit: 100 })
    expect(data).toContainEqual(
      expect.objectContaining({
        user_id: admin.id,
        details: expect.objectContaining({ after: settings }),
      }),
    )
    expect(await ctx.store.usage.status(ada.id)).toMatchObject({
      source: 'user',
      quota: { cost_per_month: 5 },
    })
  })

  it('refuses a user’s appends once a quota is reached, until it resets or is raised', async () => {
    const { user, conversation } = await userWithConversation(ctx.store)
    const other = await userWithConversation(ctx.store)
    await ctx.store.usage.setQuotas({
      users: [{ user_id: user.id, quota: { tokens_per_day: 100 } }],
    })
    const scoped = ctx.store.forUser(user.id).messages
    await scoped.append(conversation.id, { role: 'user', content: 'Question', tokens_used: 20 })
    // The answer that crosses the limit is stored: its tokens were spent already.
    const crossing = await scoped.append(conversation.id, {
      role: 'assistant',
      content: 'A long answer',
      tokens_used: 120,
      request_id: 'turn-1',
    })
    const refused = await expectError(
      scoped.append(conversation.id, { role: 'user', content: 'More?' }),
      'quota_exceeded',
    )
    const { day_end } = periodsOf(new Date())
    expect(refused.resets_at).toBe(day_end)
    expect(refused.status).toBe(429)
    expect(refused.retriable).toBe(false)
    expect(refused.message).toMatch(/140 of the 100 tokens for the day/)
    // Every way in is refused alike: a batch, a live reply, the admin's store, an edit.
    await expectError(
      ctx.store.messages.appendMany(conversation.id, [{ role: 'user', content: 'a' }]),
      'quota_exceeded',
    )
    await expectError(
      ctx.store.messages.start(conversation.id, { role: 'assistant' }),
      'quota_exceeded',
    )
    await expectError(scoped.edit(crossing.id, { content: 'edited' }), 'quota_exceeded')
    // A retry of the append that was stored is answered with it, not refused.
    const replay = await scoped.append(conversation.id, {
      role: 'assistant',
      content: 'A long answer',
      tokens_used: 120,
      request_id: 'turn-1',
    })
    expect(replay.id).toBe(crossing.id)
    // Nobody else is held back.
    await ctx.store.messages.append(other.conversation.id, { role: 'user', content: 'fine' })

    const status = await ctx.store.usage.status(user.id)
    expect(status).toMatchObject({
      exceeded: ['tokens_per_day'],
      day: { tokens: 140, resets_at: day_end },
      month: { tokens: 140 },
    })
    expect(status.month.resets_at).toMatch(ISO_TIME)
    await ctx.store.usage.setQuotas({
      users: [{ user_id: user.id, quota: { tokens_per_day: 1_000 } }],
    })
    await scoped.append(conversation.id, { role: 'user', content: 'More?' })
    expect((await ctx.store.conversations.get(conversation.id)).message_count).toBe(3)
  })

  it('a default quota holds for users without their own; cost limits use the price table', async () => {
    await ctx.store.config.set('llm.model_prices', PRICES)
    const { user, conversation } = await userWithConversation(ctx.store)
    const own = await userWithConversation(ctx.store)
    await ctx.store.usage.setQuotas({
      default: { cost_per_day: 0.01 },
      users: [{ user_id: own.user.id, quota: { tokens_per_month: 1_000_000_000 } }],
    })
    const answer = {
      role: 'assistant' as const,
      content: 'x',
      model_version: 'gpt-test',
      prompt_tokens: 1_000,
      completion_tokens: 1_000,
    }
    // 0.012 of 0.01: the first answer crosses the limit, the second is refused.
    await ctx.store.messages.append(conversation.id, answer)
    await expectError(ctx.store.messages.append(conversation.id, answer), 'quota_exceeded')
    expect(await ctx.store.usage.status(user.id)).toMatchObject({
      source: 'default',
      exceeded: ['cost_per_day'],
      day: { cost: 0.012 },
    })
    await ctx.store.messages.append(own.conversation.id, answer)
    await ctx.store.messages.append(own.conversation.id, answer)
    await ctx.store.config.delete('llm.model_prices')
  })

  it('by default reports up to now, a message of this very millisecond included', async () => {
    const clock = new Date()
    const { user, conversation } = await userWithConversation(ctx.store)
    await ctx.store.messages.append(conversation.id, { role: 'user', content: 'x', tokens_used: 3 })
    const stored = (await ctx.store.messages.lastN(conversation.id, 1))[0]!
    // A clock stopped at the message's own time: the default `until` still covers it.
    const atIt = new UsageService(
      ctx.store.database,
      ctx.store.config,
      () => new Date(stored.created_at),
    )
    const report = await atIt.report({ user_id: user.id })
    expect(report.total.tokens_used).toBe(3)
    expect(Date.parse(report.until)).toBeGreaterThan(Date.parse(stored.created_at))
    expect(clock.getTime()).toBeLessThanOrEqual(Date.parse(stored.created_at))
  })

  it('counts days and months in UTC, with their resets', () => {
    expect(periodsOf(new Date('2026-12-31T23:59:59.999Z'))).toEqual({
      day_start: '2026-12-31T00:00:00.000Z',
      day_end: '2027-01-01T00:00:00.000Z',
      month_start: '2026-12-01T00:00:00.000Z',
      month_end: '2027-01-01T00:00:00.000Z',
    })
  })

  it('measures a user against their quota by the clock it is given', async () => {
    const { user, conversation } = await userWithConversation(ctx.store)
    await ctx.store.usage.setQuotas({
      users: [{ user_id: user.id, quota: { tokens_per_day: 10 } }],
    })
    await ctx.store.messages.append(conversation.id, {
      role: 'user',
      content: 'x',
      tokens_used: 10,
    })
    const tomorrow = new Date(Date.now() + 86_400_000)
    const later = new UsageService(ctx.store.database, ctx.store.config, () => tomorrow)
    // The next UTC day starts from zero; the month still counts the tokens (unless it changed too).
    const status = await later.status(user.id)
    expect(status.day.tokens).toBe(0)
    expect(status.exceeded).toEqual([])
    await expect(later.assertWithinQuota(user.id)).resolves.toBeUndefined()
    await expectError(ctx.store.usage.assertWithinQuota(user.id), 'quota_exceeded')
  })
})
