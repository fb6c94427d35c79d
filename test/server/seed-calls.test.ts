/**
 * The seed calls over HTTP: a conversation by short_id, ratings with a reason and their list,
 * Discord users found or created, and the pool warning (seed 001).
 */
import { Writable } from 'node:stream'
import pino from 'pino'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Message, User } from '../../src/index.js'
import { describeEachEngine } from '../support/engines.js'
import { testApp, type TestApp } from './test-app.js'

describeEachEngine('seed calls over HTTP', (ctx) => {
  let t: TestApp
  beforeAll(async () => {
    t = await testApp(ctx.store)
  })
  afterAll(async () => {
    await t?.app.close()
  })

  it('gets a conversation by its short_id, and 404s another user’s', async () => {
    const chat = await ctx.store.forUser(t.users.alice.id).conversations.create({ title: 'Lisbon' })
    const get = (caller: 'alice' | 'bob') =>
      t.app.inject({ url: `/v1/conversations/${chat.short_id}`, headers: t.as(caller) })
    const mine = await get('alice')
    expect(mine.statusCode).toBe(200)
    expect(mine.json()).toEqual(chat)
    const theirs = await get('bob')
    expect(theirs.statusCode).toBe(404)
    expect(theirs.headers['content-type']).toContain('application/problem+json')
  })

  it('rates with a reason and lists ratings by rating; an admin sees everyone’s', async () => {
    const answer = async (caller: 'alice' | 'bob', text: string) => {
      const scoped = ctx.store.forUser(t.users[caller].id)
      const chat = await scoped.conversations.create({})
      return scoped.messages.saveAssistantMessage(chat.id, text)
    }
    const a = await answer('alice', 'wrong hours')
    const b = await answer('bob', 'rude')
    const rate = (caller: 'alice' | 'bob', id: string, body: object) =>
      t.app.inject({
        method: 'PUT',
        url: `/v1/messages/${id}/feedback`,
        headers: t.as(caller),
        payload: body,
      })
    const rated = await rate('alice', a.id, { feedback: -1, feedback_reason: 'It opens at 9' })
    expect(rated.statusCode).toBe(200)
    expect(rated.json()).toMatchObject({ feedback: -1, feedback_reason: 'It opens at 9' })
    expect((await rate('bob', b.id, { feedback: -1 })).statusCode).toBe(200)
    const alone = await rate('alice', a.id, { feedback: null, feedback_reason: 'why' })
    expect(alone.statusCode).toBe(400)
    expect(alone.json()).toMatchObject({ code: 'validation_failed', field: '/feedback_reason' })
    expect((await rate('bob', a.id, { feedback: 1 })).statusCode).toBe(404)

    const list = async (caller: 'alice' | 'admin', query: string) => {
      const response = await t.app.inject({ url: `/v1/feedback${query}`, headers: t.as(caller) })
      expect(response.statusCode, response.body).toBe(200)
      return response.json<{ object: string; data: Message[] }>()
    }
    const mine = await list('alice', '?rating=-1')
    expect(mine.object).toBe('list')
    expect(mine.data.map((m) => m.id)).toEqual([a.id])
    expect((await list('alice', '?rating=1')).data).toEqual([])
    const everyone = (await list('admin', '?rating=-1')).data.map((m) => m.id)
    expect(everyone).toEqual(expect.arrayContaining([a.id, b.id]))
    const bad = await t.app.inject({ url: '/v1/feedback?rating=0', headers: t.as('alice') })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().field).toBe('/query/rating')
  })

  it('finds or creates a Discord user (admin only): 201, then 200 with the same user', async () => {
    const discord_id = `${Date.now()}${process.pid}`
    const post = (caller: 'alice' | 'admin', payload: object) =>
      t.app.inject({ method: 'POST', url: '/v1/users/discord', headers: t.as(caller), payload })
    const created = await post('admin', { discord_id, display_name: 'Ferris' })
    expect(created.statusCode, created.body).toBe(201)
    const user = created.json<User>()
    expect(user).toMatchObject({ discord_id, display_name: 'Ferris' })
    const found = await post('admin', { discord_id })
    expect(found.statusCode).toBe(200)
    expect(found.json()).toEqual(user)
    expect((await post('alice', { discord_id: `${discord_id}9` })).statusCode).toBe(403)
    expect((await post('admin', { discord_id: '' })).statusCode).toBe(400)
  })
})

describeEachEngine('the database pool watch', (ctx) => {
  it('warns once in the log and counts it when the pool goes over 80 % used', async () => {
    // At most two connections (SQLite: its one), both held by transactions the test releases.
    const store = await ctx.open({ pool_size: 1, max_overflow: 1 })
    const lines: Record<string, unknown>[] = []
    const stream = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line))
        done()
      },
    })
    // The feed's watcher and the webhook dispatcher poll on their own: kept out of this count.
    const quiet = {
      feed_poll_ms: 3_600_000,
      webhooks: { allow_private: false, poll_ms: 3_600_000 },
    }
    const t = await testApp(store, { logger: pino({ level: 'warn' }, stream), ...quiet })
    const warnings = () => lines.filter((l) => String(l.msg).includes('database pool is over'))
    const scrape = async () => {
      const text = (await t.app.inject({ url: '/metrics' })).body
      const read = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1])
      return {
        utilization: read('chatkeep_db_pool_utilization'),
        highs: read('chatkeep_db_pool_high_utilization_total'),
      }
    }
    // The feed's watcher may hold a connection for a moment (a poll): under the line, not over.
    const idle = await scrape()
    expect(idle.highs).toBe(0)
    expect(idle.utilization).toBeLessThan(0.8)
    const holders = ctx.engine === 'postgres' ? 2 : 1
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const started: Promise<void>[] = []
    const held = Array.from({ length: holders }, () => {
      let begun!: () => void
      started.push(new Promise<void>((resolve) => (begun = resolve)))
      return store.database.transaction(async () => {
        begun()
        await gate
      })
    })
    try {
      await Promise.all(started)
      await t.app.inject({ url: '/healthz' })
      await t.app.inject({ url: '/healthz' })
      const high = await scrape()
      expect(high.utilization).toBe(1)
      if (ctx.engine === 'postgres') {
        // Once per crossing, however many requests see it.
        expect(high.highs).toBe(1)
        expect(warnings()).toHaveLength(1)
        expect(warnings()[0]).toMatchObject({ level: 40, pool: { max: 2, idle: 0 } })
        expect(String(warnings()[0]!.msg)).toContain('DATABASE_POOL_SIZE')
      } else {
        // SQLite's one connection is in use whenever anything runs: no pool to warn about.
        expect(high.highs).toBe(0)
        expect(warnings()).toEqual([])
      }
    } finally {
      release()
      await Promise.all(held)
    }
    await t.app.inject({ url: '/healthz' })
    expect((await scrape()).utilization).toBe(0)
    await t.app.close()
  })
})
