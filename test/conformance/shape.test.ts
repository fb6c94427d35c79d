import { expect, it } from 'vitest'
import { describeEachEngine } from '../support/engines.js'
import {
  expectConversationShape,
  expectMessageShape,
  expectUserShape,
  ISO_TIME,
  uniqueName,
} from './helpers.js'

/** JSON values of every kind, to come back exactly as they went in. */
const RICH = {
  string: 'text with "quotes", \\ and ünïcödé 😀',
  empty: '',
  int: 42,
  negative: -7,
  float: 0.1,
  exponent: 1.5e300,
  big: Number.MAX_SAFE_INTEGER,
  yes: true,
  no: false,
  nothing: null,
  list: [1, 'two', null, false, { three: [3] }],
  emptyList: [],
  emptyObject: {},
  nested: { deeper: { deepest: { ok: true } } },
  'key with spaces and / slash': 1,
}

/** Guarantee 6: the data objects look the same on SQLite and PostgreSQL. */
describeEachEngine('data object shape', (ctx) => {
  it('hands out users with ISO times, parsed JSON and real booleans', async () => {
    const created = await ctx.store.users.create({
      username: uniqueName(),
      is_active: false,
      preferences: RICH,
    })
    const readBack = await ctx.store.users.get(created.id)
    for (const user of [created, readBack]) {
      expectUserShape(user)
      expect(user.is_active).toBe(false)
      expect(user.preferences).toEqual(RICH)
    }
    const updated = await ctx.store.users.update(created.id, { is_active: true })
    expectUserShape(updated)
    expect(updated.is_active).toBe(true)
  })

  it('hands out conversations with ISO times, parsed JSON and numbers', async () => {
    const user = await ctx.store.users.create({ username: uniqueName() })
    const created = await ctx.store.conversations.create({
      user_id: user.id,
      status: 'archived',
      parameters: RICH,
      metadata: { tags: ['a', 'b'], custom: RICH },
    })
    await ctx.store.messages.append(created.id, {
      role: 'user',
      content: 'big',
      tokens_used: 2_000_000_000,
    })
    await ctx.store.messages.append(created.id, {
      role: 'assistant',
      content: 'bigger',
      tokens_used: 2_000_000_000,
    })
    const closed = await ctx.store.conversations.update(created.id, { status: 'closed' })
    await ctx.store.conversations.delete(created.id)
    const restored = await ctx.store.conversations.restore(created.id)
    const listed = (await ctx.store.conversations.list({ user_id: user.id })).data[0]!
    const found = await ctx.store.forUser(user.id).conversations.get(created.id)
    for (const conversation of [created, closed, restored, listed, found]) {
      expectConversationShape(conversation)
      expect(conversation.parameters).toEqual(RICH)
      expect(conversation.metadata).toEqual({ tags: ['a', 'b'], custom: RICH })
      expect(conversation.archived_at).toMatch(ISO_TIME)
    }
    for (const conversation of [closed, restored, listed, found]) {
      // Past 2^31: a bigint column still comes back as a plain number.
      expect(conversation.total_tokens).toBe(4_000_000_000)
      expect(typeof conversation.total_tokens).toBe('number')
      expect(conversation.message_count).toBe(2)
      expect(conversation.ended_at).toMatch(ISO_TIME)
    }
    expect(listed).toEqual(found)
  })

  it('hands out messages with ISO times, parsed JSON and numbers', async () => {
    const user = await ctx.store.users.create({ username: uniqueName() })
    const conversation = await ctx.store.conversations.create({ user_id: user.id })
    const appended = await ctx.store.messages.append(conversation.id, {
      role: 'assistant',
      content: 'shape',
      tokens_used: 17,
      context_documents: [RICH, 'chunk-1', 3],
      metadata: RICH,
    })
    const [batched] = await ctx.store.messages.appendMany(conversation.id, [
      { role: 'tool', content: '{}', metadata: RICH },
    ])
    const rated = await ctx.store.messages.setFeedback(appended.id, -1)
    const got = await ctx.store.messages.get(appended.id)
    const listed = (await ctx.store.messages.list(conversation.id)).data
    const window = await ctx.store.messages.lastN(conversation.id, 2)
    for (const message of [appended, batched!, rated, got, ...listed, ...window]) {
      expectMessageShape(message)
      expect(message.metadata).toEqual(RICH)
    }
    for (const message of [appended, rated, got]) {
      expect(message.context_documents).toEqual([RICH, 'chunk-1', 3])
      expect(message.tokens_used).toBe(17)
    }
    expect(batched!.context_documents).toEqual([])
    expect(got.feedback).toBe(-1)
    expect(typeof got.sequence).toBe('number')
    expect(listed).toEqual(window)
    await ctx.store.messages.delete(batched!.id)
    await ctx.store.messages.restore(batched!.id)
    expectMessageShape(await ctx.store.messages.get(batched!.id))
  })

  it('keeps times in order and in UTC', async () => {
    const before = new Date().toISOString()
    const user = await ctx.store.users.create({ username: uniqueName() })
    const conversation = await ctx.store.conversations.create({ user_id: user.id })
    const message = await ctx.store.messages.append(conversation.id, { role: 'user', content: 'x' })
    const after = new Date().toISOString()
    for (const time of [user.created_at, conversation.created_at, message.created_at]) {
      expect(time >= before && time <= after).toBe(true)
      expect(time.endsWith('Z')).toBe(true)
    }
    expect(conversation.created_at >= user.created_at).toBe(true)
    expect(message.created_at >= conversation.created_at).toBe(true)
  })
})
