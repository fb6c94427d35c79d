/**
 * The AI response cache over HTTP, on both engines, in memory (on a clock the test moves) and
 * in the real Redis: hits and misses by the hash of model, prompt and parameters, time to live,
 * per-user scoping, size and input limits, and failing open when Redis is unreachable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Cache } from '../../src/cache/cache.js'
import { MemoryCache } from '../../src/cache/memory-cache.js'
import { ResponseCache } from '../../src/cache/response-cache.js'
import { createStore } from '../../src/store.js'
import { createTestDatabase, describeEachEngine, type TestDatabase } from '../support/engines.js'
import { manualClock, redisCache } from '../cache/support.js'
import { type Caller, type TestApp, testApp } from './test-app.js'
import { openStore, type Store } from '../../src/index.js'

const QUESTION = {
  model: 'gpt-4o-mini',
  prompt: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'What is the capital of France?' },
  ],
  parameters: { temperature: 0.2, max_tokens: 64 },
}
const ANSWER = {
  choices: [{ message: { role: 'assistant', content: 'Paris.' } }],
  usage: { total_tokens: 21 },
}

function client(t: TestApp) {
  const call = (caller: Caller, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) =>
    t.app.inject({ method, url, headers: t.as(caller), ...(payload ? { payload } : {}) })
  return {
    store: (caller: Caller, body: object) => call(caller, 'POST', '/v1/cache/responses', body),
    lookup: (caller: Caller, body: object) =>
      call(caller, 'POST', '/v1/cache/responses/lookup', body),
    get: (caller: Caller, key: string) => call(caller, 'GET', `/v1/cache/responses/${key}`),
    delete: (caller: Caller, key: string) => call(caller, 'DELETE', `/v1/cache/responses/${key}`),
  }
}

describeEachEngine('response cache over HTTP, in memory', (ctx) => {
  const clock = manualClock()
  let cache: Cache
  let t: TestApp
  let api: ReturnType<typeof client>

  beforeAll(async () => {
    cache = new MemoryCache({ now: clock.now })
    t = await testApp(createStore(ctx.store.database, { cache }))
    api = client(t)
  })
  afterAll(async () => {
    await t?.app.close()
  })

  it('stores under the hash of model, prompt and parameters, and finds it whatever the key order', async () => {
    const stored = await api.store('alice', { ...QUESTION, response: ANSWER })
    expect(stored.statusCode).toBe(201)
    const { key, expires_at } = stored.json<{ key: string; expires_at: string }>()
    expect(key).toBe(ResponseCache.key(QUESTION))
    expect(key).toMatch(/^[0-9a-f]{64}$/)
    expect(Date.parse(expires_at) - Date.now()).toBeGreaterThan(3590_000)
    expect(Date.parse(expires_at) - Date.now()).toBeLessThanOrEqual(3600_000)

    const reordered = {
      parameters: { max_tokens: 64, temperature: 0.2 },
      prompt: QUESTION.prompt,
      model: QUESTION.model,
    }
    const hit = await api.lookup('alice', reordered)
    expect(hit.statusCode).toBe(200)
    expect(hit.json()).toEqual({
      hit: true,
      key,
      response: ANSWER,
      cached_at: expect.any(String),
      expires_at,
    })
    expect((await api.get('alice', key)).json()).toMatchObject({ key, response: ANSWER })

    for (const other of [
      { ...QUESTION, parameters: { ...QUESTION.parameters, temperature: 0.3 } },
      { ...QUESTION, model: 'gpt-4o' },
      { ...QUESTION, prompt: 'What is the capital of France?' },
    ]) {
      const miss = await api.lookup('alice', other)
      expect(miss.json()).toEqual({ hit: false, key: ResponseCache.key(other) })
    }
    // A text prompt, and no parameters (the same as {}).
    const text = { model: 'm', prompt: 'Hello' }
    expect((await api.store('alice', { ...text, response: 'Hi!' })).statusCode).toBe(201)
    expect((await api.lookup('alice', { ...text, parameters: {} })).json()).toMatchObject({
      hit: true,
      response: 'Hi!',
    })
  })

  it('expires an entry after its time to live: one hour by default, or ttl_s', async () => {
    const question = { ...QUESTION, model: 'ttl-model' }
    await api.store('alice', { ...question, response: 'one hour' })
    const short = { ...question, prompt: 'short' }
    await api.store('alice', { ...short, response: 'five seconds', ttl_s: 5 })
    clock.advance(5000)
    expect((await api.lookup('alice', short)).json().hit).toBe(false)
    expect((await api.lookup('alice', question)).json().hit).toBe(true)
    clock.advance(3595_000)
    expect((await api.lookup('alice', question)).json().hit).toBe(false)
    expect((await api.get('alice', ResponseCache.key(question))).statusCode).toBe(404)
  })

  it("keeps each user's entries to that user: bob never reads alice's answer", async () => {
    const question = { ...QUESTION, model: 'scoped-model' }
    const { key } = (await api.store('alice', { ...question, response: 'alice only' })).json()
    expect((await api.lookup('bob', question)).json()).toEqual({ hit: false, key })
    expect((await api.get('bob', key)).statusCode).toBe(404)
    expect((await api.lookup('admin', question)).json().hit).toBe(false)
    // Bob's delete of the same key touches only his own (none): alice's stays.
    expect((await api.delete('bob', key)).statusCode).toBe(404)
    expect((await api.lookup('alice', question)).json().hit).toBe(true)
    // Bob caching the same question keeps his answer apart.
    await api.store('bob', { ...question, response: 'bob only' })
    expect((await api.lookup('bob', question)).json().response).toBe('bob only')
    expect((await api.lookup('alice', question)).json().response).toBe('alice only')
  })

  it('deletes an entry, and stores one again under the same key right after', async () => {
    const question = { ...QUESTION, model: 'delete-model' }
    const { key } = (await api.store('alice', { ...question, response: 'v1' })).json()
    expect((await api.delete('alice', key)).statusCode).toBe(204)
    expect((await api.lookup('alice', question)).json().hit).toBe(false)
    expect((await api.delete('alice', key)).statusCode).toBe(404)
    expect((await api.store('alice', { ...question, response: 'v2' })).statusCode).toBe(201)
    expect((await api.lookup('alice', question)).json().response).toBe('v2')
  })

  it('refuses a response over 256 KiB (413) and bad input (400), storing nothing', async () => {
    const question = { ...QUESTION, model: 'limits-model' }
    const big = await api.store('alice', { ...question, response: 'x'.repeat(256 * 1024) })
    expect(big.statusCode).toBe(413)
    expect(big.json()).toMatchObject({ code: 'payload_too_large', field: '/response' })
    expect((await api.lookup('alice', question)).json().hit).toBe(false)
    const fits = await api.store('alice', { ...question, response: 'x'.repeat(256 * 1024 - 2) })
    expect(fits.statusCode).toBe(201)

    const bad: [object, string][] = [
      [{ ...question, response: 'r', ttl_s: 0 }, '/ttl_s'],
      [{ ...question, response: 'r', ttl_s: 7 * 24 * 3600 + 1 }, '/ttl_s'],
      [{ prompt: 'p', response: 'r' }, '/model'],
      [{ ...question, prompt: 42, response: 'r' }, '/prompt'],
      [{ ...question }, '/response'],
      [{ ...question, response: 'r', extra: 1 }, '/extra'],
    ]
    for (const [body, field] of bad) {
      const response = await api.store('alice', body)
      expect(response.statusCode, JSON.stringify(body)).toBe(400)
      expect(response.json().field).toBe(field)
    }
    expect((await api.get('alice', 'not-a-key')).statusCode).toBe(404)
    expect((await api.delete('alice', 'not-a-key')).statusCode).toBe(404)
    const anonymous = await t.app.inject({
      method: 'POST',
      url: '/v1/cache/responses/lookup',
      payload: question,
    })
    expect(anonymous.statusCode).toBe(401)
  })

  it('is in the OpenAPI document under the cache tag', async () => {
    const document = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json()
    expect(Object.keys(document.paths['/v1/cache/responses'])).toEqual(['post'])
    expect(document.paths['/v1/cache/responses/lookup'].post.tags).toEqual(['cache'])
    expect(Object.keys(document.paths['/v1/cache/responses/{key}']).sort()).toEqual([
      'delete',
      'get',
    ])
    expect(Object.keys(document.paths['/v1/cache/responses'].post.responses)).toContain('413')
  })
})

describeEachEngine('response cache over HTTP, in Redis', (ctx) => {
  let cache: Awaited<ReturnType<typeof redisCache>>
  let t: TestApp
  let api: ReturnType<typeof client>

  beforeAll(async () => {
    cache = await redisCache()
    t = await testApp(createStore(ctx.store.database, { cache }))
    api = client(t)
  })
  afterAll(async () => {
    await t?.app.close()
    await cache?.close()
  })

  it('hits, misses, scopes per user and expires through Redis', async () => {
    const { key } = (await api.store('alice', { ...QUESTION, response: ANSWER, ttl_s: 1 })).json()
    expect((await api.lookup('alice', QUESTION)).json()).toMatchObject({
      hit: true,
      key,
      response: ANSWER,
    })
    expect((await api.lookup('bob', QUESTION)).json()).toEqual({ hit: false, key })
    await new Promise((resolve) => setTimeout(resolve, 1100))
    expect((await api.lookup('alice', QUESTION)).json().hit).toBe(false)
  })
})

describe('response cache while Redis is unreachable', () => {
  let database: TestDatabase
  let store: Store
  let t: TestApp
  let cache: Awaited<ReturnType<typeof redisCache>>

  beforeAll(async () => {
    database = await createTestDatabase('sqlite')
    cache = await redisCache({ url: 'redis://127.0.0.1:1' })
    store = await openStore({ database_url: database.database_url, migrate: true, cache })
    t = await testApp(store)
  })
  afterAll(async () => {
    await t?.app.close()
    await store?.close()
    await cache?.close()
    await database?.drop()
  })

  it('answers lookups as misses and a store as 503 (nothing stored); the rest of the API works', async () => {
    const api = client(t)
    const stored = await api.store('alice', { ...QUESTION, response: ANSWER })
    expect(stored.statusCode).toBe(503)
    expect(stored.json().code).toBe('unavailable')
    expect((await api.lookup('alice', QUESTION)).json().hit).toBe(false)
    expect((await api.delete('alice', ResponseCache.key(QUESTION))).statusCode).toBe(404)
    const me = await t.app.inject({ method: 'GET', url: '/v1/users/me', headers: t.as('alice') })
    expect(me.statusCode).toBe(200)
    expect(cache.logger.lines).toHaveLength(1)
  })
})
