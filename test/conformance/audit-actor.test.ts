/**
 * `store.as(actor)` and `store.forUser(id).as(actor)`: the library's reads of content are audited
 * as the actor's, the rows the server writes for its callers; without `as` nothing is recorded.
 */
import { Writable } from 'node:stream'
import { expect, it } from 'vitest'
import type { AuditActor, AuditEvent, Store } from '../../src/index.js'
import { describeEachEngine } from '../support/engines.js'
import { createUser, expectError, userWithConversation } from './helpers.js'

/** The rows written since `since` (an id of the audit log, or the start), oldest first. */
async function rowsSince(store: Store, since: string | undefined): Promise<AuditEvent[]> {
  const page = await store.audit.list({ limit: 100 })
  const rows = page.data.filter((e) => since === undefined || e.id > since)
  return rows.reverse()
}

const newest = async (store: Store) => (await store.audit.list({ limit: 1 })).data[0]?.id

const discard = () =>
  new Writable({
    write(_chunk, _encoding, done) {
      done()
    },
  })

describeEachEngine('audited library reads (store.as)', (ctx) => {
  it('every read of content through as() writes one row naming the actor; the chain verifies', async () => {
    const agent = await createUser(ctx.store, 'agent')
    const { user, conversation } = await userWithConversation(ctx.store, 'ada')
    const [first] = await ctx.store.messages.appendMany(conversation.id, [
      { role: 'user', content: 'hello there' },
      { role: 'assistant', content: 'general kenobi' },
    ])
    const actor: AuditActor = { via: 'support-console', user_id: agent.id, user_agent: 'desk/2' }
    const before = await newest(ctx.store)

    const as = ctx.store.as(actor)
    await as.messages.list(conversation.id)
    await as.messages.lastN(conversation.id, 1)
    await as.messages.context(conversation.id, { max_tokens: 1000 })
    await as.messages.get(first!.id)
    await as.conversations.get(conversation.id)
    await as.search.search({ q: 'kenobi' })
    const scoped = ctx.store.forUser(user.id).as(actor)
    await scoped.messages.path(conversation.id)

    const rows = await rowsSince(ctx.store, before)
    expect(rows.map((r) => [r.action, r.target_type, r.target_id])).toEqual([
      ['messages.read', 'conversation', conversation.id],
      ['messages.read', 'conversation', conversation.id],
      ['conversation.context', 'conversation', conversation.id],
      ['message.read', 'message', first!.id],
      ['conversation.read', 'conversation', conversation.id],
      ['search.read', null, null],
      ['messages.read', 'conversation', conversation.id],
    ])
    for (const row of rows) {
      expect(row).toMatchObject({ user_id: agent.id, user_agent: 'desk/2' })
      expect(row.details).toMatchObject({ via: 'support-console' })
    }
    expect(rows[0]!.details).toMatchObject({ messages: 2 })
    expect(rows[1]!.details).toMatchObject({ messages: 1 })

    await ctx.store.audit.seal()
    expect(await ctx.store.audit.verify()).toMatchObject({ ok: true, problem_count: 0 })
  })

  it('without as(), library reads write nothing; as() changes nothing else of the store', async () => {
    const { conversation } = await userWithConversation(ctx.store, 'quiet')
    await ctx.store.messages.append(conversation.id, { role: 'user', content: 'unseen' })
    const before = await newest(ctx.store)
    await ctx.store.messages.list(conversation.id)
    await ctx.store.messages.context(conversation.id)
    await ctx.store.search.search({ q: 'unseen' })
    expect(await rowsSince(ctx.store, before)).toEqual([])

    // Writes through the view are the store's own, unaudited as before.
    const as = ctx.store.as({ via: 'batch-job' })
    const appended = await as.messages.append(conversation.id, { role: 'user', content: 'more' })
    expect(appended.sequence).toBe(2)
    expect(as.engine).toBe(ctx.store.engine)
    expect(await rowsSince(ctx.store, before)).toEqual([])
  })

  it('a read that fails writes no row; another user’s conversation stays not_found', async () => {
    const { conversation } = await userWithConversation(ctx.store, 'owner')
    const other = await createUser(ctx.store, 'other')
    const before = await newest(ctx.store)
    const as = ctx.store.forUser(other.id).as({ via: 'app' })
    await expectError(as.messages.list(conversation.id), 'not_found')
    expect(await rowsSince(ctx.store, before)).toEqual([])
  })

  it('a live stream is audited once it has its first event; an export writes user.export and user.exported', async () => {
    const { user, conversation } = await userWithConversation(ctx.store, 'streamer')
    const live = await ctx.store.messages.start(conversation.id, { role: 'assistant' })
    await ctx.store.messages.appendDelta(live.id, { content: 'partial' })
    await ctx.store.messages.finish(live.id)
    const before = await newest(ctx.store)
    const as = ctx.store.as({ via: 'replay', os_user: 'ops' })
    for await (const event of as.messages.follow(live.id)) void event
    await as.privacy.export(user.id, discard())

    const rows = await rowsSince(ctx.store, before)
    expect(rows.map((r) => r.action)).toEqual(['message.stream', 'user.export', 'user.exported'])
    expect(rows[0]).toMatchObject({ target_type: 'message', target_id: live.id })
    for (const row of rows) expect(row.details).toMatchObject({ via: 'replay', os_user: 'ops' })
    expect(rows[2]!.details).toMatchObject({
      manifest_sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    })
  })

  it('refuses an actor that does not say where it acts from', () => {
    expect(() => ctx.store.as({} as AuditActor)).toThrow(/via/)
    expect(() => ctx.store.as({ via: '' })).toThrow(/via/)
  })
})
