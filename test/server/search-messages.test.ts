/**
 * Semantic recall over HTTP: embeddings on append (one and many) and with PUT
 * /v1/messages/{id}/embedding, POST /v1/search/messages/similar scoped to the caller, its
 * filters and refusals, and the audit row each search leaves.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeEachEngine } from '../support/engines.js'
import { type TestApp, testApp } from './test-app.js'

interface Hit {
  id: string
  object: string
  conversation_id: string
  role: string
  sequence: number
  content: string
  score: number
}

describeEachEngine('semantic recall over HTTP', (ctx) => {
  let t: TestApp
  beforeAll(async () => {
    t = await testApp(ctx.store)
  })
  afterAll(async () => {
    await t?.app.close()
  })

  const search = (who: 'alice' | 'bob', payload: unknown) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/search/messages/similar',
      headers: t.as(who),
      payload: payload as Record<string, unknown>,
    })

  it("finds the caller's messages by embedding, best first, and audits the search", async () => {
    const chat = await t.app.inject({
      method: 'POST',
      url: '/v1/conversations',
      headers: t.as('alice'),
      payload: {},
    })
    const chatId = chat.json<{ id: string }>().id
    const near = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${chatId}/messages`,
      headers: t.as('alice'),
      payload: { role: 'user', content: 'we went to Lisbon', embedding: [1, 0, 0, 0, 0, 0, 7] },
    })
    expect(near.statusCode, near.body).toBe(201)
    expect(near.json()).not.toHaveProperty('embedding')
    const later = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${chatId}/messages`,
      headers: t.as('alice'),
      payload: { role: 'assistant', content: 'Porto is lovely too' },
    })
    const laterId = later.json<{ id: string }>().id
    const set = await t.app.inject({
      method: 'PUT',
      url: `/v1/messages/${laterId}/embedding`,
      headers: t.as('alice'),
      payload: { embedding: [1, 1, 0, 0, 0, 0, 7] },
    })
    expect(set.statusCode, set.body).toBe(204)

    // A batch takes an embedding per message, in its one transaction.
    const batch = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${chatId}/messages/batch`,
      headers: t.as('alice'),
      payload: {
        messages: [
          { role: 'user', content: 'batched far', embedding: [0, 0, 0, 0, 0, 1, 0] },
          { role: 'user', content: 'batched other dims', embedding: [1, 0, 0] },
        ],
      },
    })
    expect(batch.statusCode, batch.body).toBe(201)
    const batched = await search('alice', { embedding: [1, 0, 0], k: 5 })
    expect(batched.json<{ data: Hit[] }>().data.map((h) => h.content)).toEqual([
      'batched other dims',
    ])

    const query = { embedding: [1, 0, 0, 0, 0, 0, 7], k: 5 }
    const mine = await search('alice', query)
    expect(mine.statusCode, mine.body).toBe(200)
    const { object, data } = mine.json<{ object: string; data: Hit[] }>()
    expect(object).toBe('list')
    expect(data.map((h) => h.content)).toEqual([
      'we went to Lisbon',
      'Porto is lovely too',
      'batched far',
    ])
    expect(data[0]).toMatchObject({
      object: 'message',
      conversation_id: chatId,
      role: 'user',
      sequence: 1,
    })
    const assistant = await search('alice', { ...query, role: 'assistant' })
    expect(assistant.json<{ data: Hit[] }>().data.map((h) => h.id)).toEqual([laterId])
    const audited = await ctx.store.audit.list({
      action: 'search.similar_messages',
      user_id: t.users.alice.id,
    })
    expect(audited.data[0]).toMatchObject({ target_type: null, details: { hits: 1 } })
    expect(audited.data[1]!.details).toEqual({ hits: 3 })

    // Bob finds none of it, may not set Alice's embedding, nor search her conversation.
    expect((await search('bob', query)).json()).toEqual({ object: 'list', data: [] })
    const theirs = await t.app.inject({
      method: 'PUT',
      url: `/v1/messages/${laterId}/embedding`,
      headers: t.as('bob'),
      payload: { embedding: [1] },
    })
    expect(theirs.statusCode).toBe(404)
    expect(theirs.json()).toMatchObject({ code: 'not_found' })
    const filtered = await search('bob', { ...query, conversation_id: chatId })
    expect(filtered.json()).toEqual({ object: 'list', data: [] })

    // A deleted message is gone from the answer at once.
    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/v1/messages/${near.json<{ id: string }>().id}`,
      headers: t.as('alice'),
    })
    expect(deleted.statusCode).toBe(204)
    const after = await search('alice', query)
    expect(after.json<{ data: Hit[] }>().data.map((h) => h.content)).toEqual([
      'Porto is lovely too',
      'batched far',
    ])
  })

  it('refuses bad embeddings with 400 and the field at fault, storing nothing', async () => {
    const chat = await ctx.store.forUser(t.users.alice.id).conversations.create({})
    for (const embedding of [[], 'nope', Array.from({ length: 4097 }, () => 0.5)]) {
      const response = await t.app.inject({
        method: 'POST',
        url: `/v1/conversations/${chat.id}/messages`,
        headers: t.as('alice'),
        payload: { role: 'user', content: 'x', embedding },
      })
      expect(response.statusCode, response.body).toBe(400)
      expect(response.json()).toMatchObject({ code: 'validation_failed' })
      expect(response.json<{ field?: string }>().field).toMatch(/^\/embedding/)
    }
    expect((await ctx.store.conversations.get(chat.id)).message_count).toBe(0)
    const badQuery = await search('alice', { embedding: [] })
    expect(badQuery.statusCode).toBe(400)
    const noAuth = await t.app.inject({
      method: 'POST',
      url: '/v1/search/messages/similar',
      payload: { embedding: [1] },
    })
    expect(noAuth.statusCode).toBe(401)
  })
})
