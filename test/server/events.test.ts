/**
 * The change feed over HTTP, against real servers: GET /v1/events (own events, an admin's all,
 * 410 behind the purge) and GET /v1/events/stream followed from one instance while another
 * writes, resumed with Last-Event-ID, on both engines.
 */
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type ChangeEvent, createClient } from '../../src/client/index.js'
import { buildApp } from '../../src/server/app.js'
import { cleanup } from '../../src/operations/cleanup.js'
import type { Store } from '../../src/index.js'
import { describeEachEngine } from '../support/engines.js'
import { type TestApp, testApp } from './test-app.js'

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 })
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
}

/** The first `n` events of the stream, or a timeout. */
async function take(stream: AsyncGenerator<ChangeEvent>, n: number): Promise<ChangeEvent[]> {
  const got: ChangeEvent[] = []
  const timer = setTimeout(() => void stream.return(undefined), 10_000)
  try {
    for await (const event of stream) {
      got.push(event)
      if (got.length === n) break
    }
  } finally {
    clearTimeout(timer)
  }
  return got
}

describeEachEngine('change feed over HTTP', (ctx) => {
  let t: TestApp
  let other: Store
  let second: FastifyInstance
  let secondUrl: string

  beforeAll(async () => {
    t = await testApp(ctx.store, { feed_poll_ms: 50 })
    await listen(t.app)
    // A second instance on the same database, with its own store (its own pool or connection).
    other = await ctx.open()
    second = await buildApp({ store: other, authenticator: t.auth, feed_poll_ms: 50 })
    secondUrl = await listen(second)
  })
  afterAll(async () => {
    await second?.close()
    await t?.app.close()
  })

  const clientAs = (caller: 'alice' | 'bob' | 'admin', base = secondUrl) => {
    const token = t.as(caller).authorization.slice('Bearer '.length)
    return createClient({ base_url: base, tokens: { access_token: token, refresh_token: 'x' } })
  }

  it('lists a user’s own events and an admin everyone’s, in cursor order', async () => {
    const start = (await clientAs('admin').events.list({ limit: 1000 })).next_cursor
    const alice = ctx.store.forUser(t.users.alice.id)
    const bob = ctx.store.forUser(t.users.bob.id)
    await alice.conversations.create({ title: 'mine' })
    await bob.conversations.create({ title: 'theirs' })
    const mine = await clientAs('alice').events.list({ after: start })
    expect(mine.data.map((e) => [e.type, e.user_id])).toEqual([
      ['conversation.created', t.users.alice.id],
    ])
    const all = await clientAs('admin').events.list({ after: start, types: 'conversation.*' })
    expect(all.data.map((e) => e.user_id)).toEqual([t.users.alice.id, t.users.bob.id])
    expect(all.next_cursor).toBe(all.data[1]!.cursor)
    const bad = await t.app.inject({
      url: '/v1/events?types=nope',
      headers: t.as('alice'),
    })
    expect(bad.statusCode).toBe(400)
    expect(bad.json()).toMatchObject({ code: 'validation_failed', field: '/query/types' })
  })

  it('streams events another instance writes, and resumes after the last one seen', async () => {
    const start = (await clientAs('alice').events.list({ limit: 1000 })).next_cursor
    const chat = await ctx.store.forUser(t.users.alice.id).conversations.create({})
    const followed = take(clientAs('alice').events.stream({ after: start }), 3)
    // Written through the first instance's store while the second streams.
    await new Promise((resolve) => setTimeout(resolve, 100))
    const m1 = await ctx.store.messages.append(chat.id, { role: 'user', content: 'one' })
    const m2 = await ctx.store.messages.append(chat.id, { role: 'assistant', content: 'two' })
    const got = await followed
    expect(got.map((e) => [e.type, e.message_id])).toEqual([
      ['conversation.created', null],
      ['message.created', m1.id],
      ['message.created', m2.id],
    ])
    // A new connection with the last cursor seen gets what came after it, nothing again.
    await ctx.store.messages.setFeedback(m2.id, -1)
    const resumed = await take(clientAs('alice').events.stream({ after: got[2]!.cursor }), 1)
    expect(resumed.map((e) => [e.type, e.message_id])).toEqual([['message.feedback', m2.id]])
    // Another user's stream shows none of it.
    const bobs = await clientAs('bob').events.list({ after: start, limit: 1000 })
    expect(bobs.data.filter((e) => e.conversation_id === chat.id)).toEqual([])
  })

  it('answers 410 cursor_expired for a cursor behind the purge', async () => {
    const old = (await clientAs('admin').events.list({ limit: 1000 })).next_cursor
    await ctx.store.forUser(t.users.alice.id).conversations.create({})
    await cleanup(ctx.store, {
      retention_days: 30,
      events_retention_days: 1,
      now: new Date(Date.now() + 2 * 86_400_000),
    })
    for (const url of [`/v1/events?after=${old}`, `/v1/events/stream?after=${old}`]) {
      const answer = await t.app.inject({ url, headers: t.as('admin') })
      expect(answer.statusCode).toBe(410)
      expect(answer.json()).toMatchObject({ code: 'cursor_expired' })
    }
  })
})
