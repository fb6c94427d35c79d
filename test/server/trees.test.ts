import { expect, it } from 'vitest'
import type { Conversation, Message } from '../../src/index.js'
import { describeEachEngine } from '../support/engines.js'
import { testApp } from './test-app.js'

interface Sibling {
  position: number
  message: Message
  newest_leaf_id: string
}

describeEachEngine('branches over HTTP', (ctx) => {
  it('appends a branch, lists siblings, switches, reads ?leaf and forks', async () => {
    const { app, users, as } = await testApp(ctx.store)
    const call = async <T>(method: 'GET' | 'POST' | 'PATCH', url: string, body?: object) => {
      const response = await app.inject({
        method,
        url,
        headers: as('alice'),
        ...(body === undefined ? {} : { payload: body }),
      })
      expect(response.statusCode, response.body).toBeLessThan(300)
      return response.json<T>()
    }
    const chat = await call<Conversation>('POST', '/v1/conversations', {})
    const url = `/v1/conversations/${chat.id}/messages`
    const q = await call<Message>('POST', url, { role: 'user', content: 'q' })
    const a1 = await call<Message>('POST', url, { role: 'assistant', content: 'a1' })
    const a2 = await call<Message>('POST', url, {
      role: 'assistant',
      content: 'a2',
      parent_id: q.id,
    })
    expect([a1.parent_id, a2.parent_id]).toEqual([q.id, q.id])
    const last = await call<{ data: Message[] }>('GET', `${url}?last=20`)
    expect(last.data.map((m) => m.content)).toEqual(['q', 'a2'])
    const all = await call<{ data: Message[] }>('GET', url)
    expect(all.data.map((m) => m.content)).toEqual(['q', 'a1', 'a2'])
    const siblings = await call<{ data: Sibling[] }>('GET', `/v1/messages/${a2.id}/siblings`)
    expect(siblings.data.map((s) => [s.position, s.message.id, s.newest_leaf_id])).toEqual([
      [1, a1.id, a1.id],
      [2, a2.id, a2.id],
    ])
    const switched = await call<Conversation>('PATCH', `/v1/conversations/${chat.id}`, {
      active_leaf_id: a1.id,
    })
    expect(switched.active_leaf_id).toBe(a1.id)
    expect(
      (await call<{ data: Message[] }>('GET', `${url}?last=20`)).data.map((m) => m.content),
    ).toEqual(['q', 'a1'])
    const other = await call<{ data: Message[] }>('GET', `${url}?leaf=${a2.id}`)
    expect(other.data.map((m) => m.content)).toEqual(['q', 'a2'])
    const fork = await app.inject({
      method: 'POST',
      url: `/v1/conversations/${chat.id}/fork`,
      headers: as('alice'),
      payload: { message_id: a2.id },
    })
    expect(fork.statusCode, fork.body).toBe(201)
    expect(fork.json<Conversation>()).toMatchObject({
      message_count: 2,
      forked_from: { conversation_id: chat.id, message_id: a2.id },
    })
    // Someone else's message has no siblings to show, and a bad leaf is a problem+json 400.
    const theirs = await app.inject({ url: `/v1/messages/${a2.id}/siblings`, headers: as('bob') })
    expect(theirs.statusCode).toBe(404)
    const bad = await app.inject({
      method: 'PATCH',
      url: `/v1/conversations/${chat.id}`,
      headers: as('alice'),
      payload: { active_leaf_id: crypto.randomUUID() },
    })
    expect(bad.statusCode).toBe(400)
    expect(bad.headers['content-type']).toContain('application/problem+json')
    expect(users.alice.id).toBe(chat.user_id)
    await app.close()
  })
})
