/**
 * Usage and quotas over HTTP: a user reads their own usage and quota, an admin anyone's and sets
 * quotas; an append past a quota answers 429 `quota_exceeded` with `Retry-After`.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { periodsOf } from '../../src/services/usage.js'
import { describeEachEngine } from '../support/engines.js'
import { type Caller, type TestApp, testApp } from './test-app.js'

describeEachEngine('usage and quotas over HTTP', (ctx) => {
  let t: TestApp
  let chat: string

  beforeAll(async () => {
    t = await testApp(ctx.store)
    chat = (await ctx.store.forUser(t.users.alice.id).conversations.create({ title: 'Mine' })).id
    await ctx.store.messages.append(chat, {
      role: 'assistant',
      content: 'an answer',
      model_version: 'gpt-http',
      prompt_tokens: 60,
      completion_tokens: 40,
    })
  })
  afterAll(async () => {
    await ctx.store.usage.setQuotas({ default: null })
    await t?.app.close()
  })

  const call = (caller: Caller, method: 'GET' | 'PUT' | 'POST', url: string, payload?: object) =>
    t.app.inject({ method, url, headers: t.as(caller), ...(payload ? { payload } : {}) })

  it('a user reads their own usage; only an admin reads another’s', async () => {
    const own = await call('alice', 'GET', '/v1/usage?group_by=model')
    expect(own.statusCode).toBe(200)
    expect(own.json()).toMatchObject({
      group_by: 'model',
      user_id: t.users.alice.id,
      rows: [{ key: 'gpt-http', prompt_tokens: 60, completion_tokens: 40, tokens_used: 100 }],
    })
    const bobs = await call('bob', 'GET', `/v1/usage?user_id=${t.users.alice.id}`)
    expect(bobs.statusCode).toBe(403)
    expect(bobs.json()).toMatchObject({ code: 'forbidden' })
    const admin = await call('admin', 'GET', `/v1/usage?user_id=${t.users.alice.id}`)
    expect(admin.json().rows).toEqual([
      expect.objectContaining({ key: t.users.alice.id, username: t.users.alice.username }),
    ])
    const bad = await call('alice', 'GET', '/v1/usage?since=yesterday')
    expect(bad.statusCode).toBe(400)
    expect(bad.json()).toMatchObject({ code: 'validation_failed', field: '/since' })
  })

  it('only an admin sets quotas; an append past one answers 429 with Retry-After', async () => {
    const refused = await call('alice', 'PUT', '/v1/admin/quotas', { default: null })
    expect(refused.statusCode).toBe(403)
    const set = await call('admin', 'PUT', '/v1/admin/quotas', {
      users: [{ user_id: t.users.alice.id, quota: { tokens_per_day: 100 } }],
    })
    expect(set.statusCode).toBe(200)
    expect((await call('admin', 'GET', '/v1/admin/quotas')).json().users).toEqual([
      {
        user_id: t.users.alice.id,
        username: t.users.alice.username,
        quota: { tokens_per_day: 100 },
      },
    ])
    const status = await call('alice', 'GET', '/v1/usage/quota')
    expect(status.json()).toMatchObject({ source: 'user', exceeded: ['tokens_per_day'] })

    const append = await call('alice', 'POST', `/v1/conversations/${chat}/messages`, {
      role: 'user',
      content: 'one more',
    })
    expect(append.statusCode).toBe(429)
    const { day_end } = periodsOf(new Date())
    expect(append.json()).toMatchObject({
      code: 'quota_exceeded',
      retriable: false,
      resets_at: day_end,
    })
    const wait = Number(append.headers['retry-after'])
    expect(wait).toBeGreaterThan(0)
    expect(wait).toBeLessThanOrEqual(86_400)
    // Bob has no quota: his appends go on.
    const bobChat = await call('bob', 'POST', '/v1/conversations', { title: 'Bob' })
    const bobs = await call('bob', 'POST', `/v1/conversations/${bobChat.json().id}/messages`, {
      role: 'user',
      content: 'fine',
    })
    expect(bobs.statusCode).toBe(201)
    await call('admin', 'PUT', '/v1/admin/quotas', {
      users: [{ user_id: t.users.alice.id, quota: null }],
    })
  })
})
