import { expect, it } from 'vitest'
import type { Message } from '../../src/index.js'
import { describeEachEngine } from '../support/engines.js'
import { testApp } from './test-app.js'

describeEachEngine('GET /v1/conversations/:id/messages?last=N', (ctx) => {
  it('answers has_more from the live messages before the page, deleted ones not counted', async () => {
    const { app, users, as } = await testApp(ctx.store)
    const alice = ctx.store.forUser(users.alice.id)
    const conversation = await alice.conversations.create({})
    const all = await alice.messages.appendMany(
      conversation.id,
      Array.from({ length: 5 }, (_, i) => ({ role: 'user' as const, content: `m${i + 1}` })),
    )
    const last = async (n: number) => {
      const response = await app.inject({
        url: `/v1/conversations/${conversation.id}/messages?last=${n}`,
        headers: as('alice'),
      })
      expect(response.statusCode, response.body).toBe(200)
      return response.json<{
        data: Message[]
        has_more: boolean
        first_id: string
        last_id: string
      }>()
    }
    expect(await last(3)).toMatchObject({
      has_more: true,
      first_id: all[2]!.id,
      last_id: all[4]!.id,
    })
    await alice.messages.delete(all[0]!.id)
    await alice.messages.delete(all[1]!.id)
    const page = await last(3)
    expect(page.data.map((m) => m.sequence)).toEqual([3, 4, 5])
    expect(page.has_more).toBe(false)
    expect((await last(2)).has_more).toBe(true)
    await app.close()
  })
})

describeEachEngine('message parts over HTTP', (ctx) => {
  it('appends and reads back parts exactly, and refuses bad ones with a 400 naming the part', async () => {
    const { app, users, as } = await testApp(ctx.store)
    const conversation = await ctx.store.forUser(users.alice.id).conversations.create({})
    const parts = [
      { type: 'reasoning', text: 'Look it up.' },
      { type: 'tool_call', id: 'call_1', name: 'search', arguments: { q: 'tram 28', n: [1, 2] } },
      { type: 'image', file_id: 'file-1', media_type: 'image/png' },
    ]
    const appended = await app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversation.id}/messages`,
      headers: as('alice'),
      payload: { role: 'assistant', content: '', parts },
    })
    expect(appended.statusCode, appended.body).toBe(201)
    expect(appended.json<Message>().parts).toEqual(parts)
    const read = await app.inject({
      url: `/v1/messages/${appended.json<Message>().id}`,
      headers: as('alice'),
    })
    expect(read.json<Message>().parts).toEqual(parts)
    const bad = await app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversation.id}/messages`,
      headers: as('alice'),
      payload: { role: 'user', content: 'x', parts: [parts[1]] },
    })
    expect(bad.statusCode).toBe(400)
    expect(bad.json()).toMatchObject({ code: 'validation_failed', field: '/parts/0/type' })
    expect((await ctx.store.messages.list(conversation.id)).data).toHaveLength(1)
    await app.close()
  })
})
