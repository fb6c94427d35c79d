import { beforeAll, expect, it } from 'vitest'
import { describeEachEngine } from '../support/engines.js'
import { type TestApp, testApp } from './test-app.js'

/** The seed-000 routes apps move over with: sessions are conversations. */
describeEachEngine('seed chat routes', (ctx) => {
  let t: TestApp
  beforeAll(async () => {
    t = await testApp(ctx.store)
  })

  const post = (payload: object) =>
    t.app.inject({ method: 'POST', url: '/api/chat/message', headers: t.as('alice'), payload })

  it('starts a session on the first message, numbers messages and counts them', async () => {
    const first = await post({ message: 'What is RAG?' })
    expect(first.statusCode).toBe(201)
    const { session_id } = first.json()
    expect(first.json()).toMatchObject({ sequence: 1, message_count: 1 })
    const answer = await post({
      session_id,
      message: 'Retrieval-augmented generation.',
      role: 'assistant',
      tokens_used: 9,
      sources: ['https://example.com/rag'],
    })
    expect(answer.json()).toMatchObject({ session_id, sequence: 2, message_count: 2 })

    const sessions = await t.app.inject({ url: '/api/chat/sessions', headers: t.as('alice') })
    const listed = sessions.json().sessions.find((s: { id: string }) => s.id === session_id)
    expect(listed).toMatchObject({ title: 'What is RAG?', message_count: 2, total_tokens: 9 })

    const one = await t.app.inject({
      url: `/api/chat/sessions/${session_id}`,
      headers: t.as('alice'),
    })
    expect(one.statusCode).toBe(200)
    expect(
      one.json().messages.map((m: { sequence: number; role: string }) => [m.sequence, m.role]),
    ).toEqual([
      [1, 'user'],
      [2, 'assistant'],
    ])
    expect(one.json().messages[1].context_documents).toEqual(['https://example.com/rag'])
  })

  it('hides deleted messages, and a deleted session goes away but can be restored', async () => {
    const { session_id } = (await post({ message: 'one' })).json()
    const second = (await post({ session_id, message: 'two' })).json()
    await ctx.store.messages.delete(second.message_id)
    const one = await t.app.inject({
      url: `/api/chat/sessions/${session_id}`,
      headers: t.as('alice'),
    })
    expect(one.json().messages.map((m: { content: string }) => m.content)).toEqual(['one'])

    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/api/chat/sessions/${session_id}`,
      headers: t.as('alice'),
    })
    expect(deleted.json()).toEqual({ success: true, session_id })
    const gone = await t.app.inject({
      url: `/api/chat/sessions/${session_id}`,
      headers: t.as('alice'),
    })
    expect(gone.statusCode).toBe(404)
    const listed = await t.app.inject({ url: '/api/chat/sessions', headers: t.as('alice') })
    expect(listed.json().sessions.map((s: { id: string }) => s.id)).not.toContain(session_id)
    expect(await post({ session_id, message: 'three' })).toMatchObject({ statusCode: 404 })

    await ctx.store.conversations.restore(session_id)
    const back = await t.app.inject({
      url: `/api/chat/sessions/${session_id}`,
      headers: t.as('alice'),
    })
    expect(back.json().messages.map((m: { content: string }) => m.content)).toEqual(['one'])
  })
})
