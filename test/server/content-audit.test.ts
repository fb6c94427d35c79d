/**
 * Every read of content over HTTP leaves one audit row (issue 17 item 5): message lists and
 * paths, the context window, a message, its stream, search, and the audit log itself.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeEachEngine } from '../support/engines.js'
import { type TestApp, testApp } from './test-app.js'

describeEachEngine('audit of content reads over HTTP', (ctx) => {
  let t: TestApp
  let chat: string
  let message: string

  beforeAll(async () => {
    t = await testApp(ctx.store)
    chat = (await ctx.store.forUser(t.users.alice.id).conversations.create({ title: 'Read me' })).id
    message = (await ctx.store.messages.append(chat, { role: 'user', content: 'private words' })).id
    await ctx.store.documents.ingest({
      user_id: t.users.alice.id,
      title: 'Doc',
      chunks: [{ content: 'private words in a document', embedding: [1, 0, 0] }],
    })
  })
  afterAll(async () => {
    await t?.app.close()
  })

  it('writes one row per read, naming who read what', async () => {
    const reads: [string, string, { type: string | null; id: string | null }][] = [
      [`/v1/conversations/${chat}/messages`, 'messages.read', { type: 'conversation', id: chat }],
      [
        `/v1/conversations/${chat}/messages?last=5`,
        'messages.read',
        { type: 'conversation', id: chat },
      ],
      [
        `/v1/conversations/${chat}/context`,
        'conversation.context',
        { type: 'conversation', id: chat },
      ],
      [`/v1/messages/${message}`, 'message.read', { type: 'message', id: message }],
      [`/v1/messages/${message}/stream`, 'message.stream', { type: 'message', id: message }],
      ['/v1/search?q=private', 'search.read', { type: null, id: null }],
    ]
    for (const [url, action, target] of reads) {
      const response = await t.app.inject({ url, headers: t.as('alice') })
      expect(response.statusCode, url).toBe(200)
      const { data } = await ctx.store.audit.list({ action, user_id: t.users.alice.id })
      expect(data[0], url).toMatchObject({
        action,
        user_id: t.users.alice.id,
        target_type: target.type,
        target_id: target.id,
        ip_address: '127.0.0.1',
      })
    }
    const similar = await t.app.inject({
      method: 'POST',
      url: '/v1/search/similar',
      headers: t.as('alice'),
      payload: { embedding: [1, 0, 0], k: 1 },
    })
    expect(similar.statusCode).toBe(200)
    const hits = await ctx.store.audit.list({ action: 'search.similar', user_id: t.users.alice.id })
    expect(hits.data[0]!.details).toEqual({ hits: 1 })
  })

  it('a refused read leaves no row of a read that did not happen', async () => {
    const before = await ctx.store.audit.list({ action: 'messages.read', user_id: t.users.bob.id })
    const refused = await t.app.inject({
      url: `/v1/conversations/${chat}/messages`,
      headers: t.as('bob'),
    })
    expect(refused.statusCode).toBe(404)
    const after = await ctx.store.audit.list({ action: 'messages.read', user_id: t.users.bob.id })
    expect(after.data).toEqual(before.data)
  })

  it('reading the audit log is itself audited, with the filters used', async () => {
    const response = await t.app.inject({
      url: '/v1/admin/audit-events?action=message.read',
      headers: t.as('admin'),
    })
    expect(response.statusCode).toBe(200)
    const { data } = await ctx.store.audit.list({ action: 'audit.read', user_id: t.users.admin.id })
    expect(data[0]!.details).toMatchObject({ query: { action: 'message.read' } })
  })

  it('reads that arrive together share commits, and every one of them is recorded', async () => {
    const gone = await ctx.store.users.create({ username: `gone_${ctx.engine}_${Date.now()}` })
    await ctx.store.users.delete(gone.id)
    // One row of the group names an actor deleted meanwhile: the others still commit, and it
    // is kept with the actor in details.
    const events = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        ctx.store.audit.recordRead({
          action: 'test.group_read',
          user_id: i === 7 ? gone.id : t.users.alice.id,
          target_type: 'message',
          target_id: `m-${i}`,
        }),
      ),
    )
    expect(events[7]).toMatchObject({ user_id: null, details: { deleted_actor_id: gone.id } })
    const { data } = await ctx.store.audit.list({ action: 'test.group_read', limit: 100 })
    expect(data.map((e) => e.target_id).sort()).toEqual(
      Array.from({ length: 40 }, (_, i) => `m-${i}`).sort(),
    )
  })
})
