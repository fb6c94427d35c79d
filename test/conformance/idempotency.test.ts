import { expect, it } from 'vitest'
import type { NewMessage } from '../../src/index.js'
import { describeEachEngine } from '../support/engines.js'
import { countRows, expectError, userWithConversation } from './helpers.js'

/** Guarantee 3: the same (conversation_id, role, request_id) stores one message. */
describeEachEngine('idempotent appends', (ctx) => {
  it('returns the original message for a replay and stores nothing', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    const input: NewMessage = {
      role: 'assistant',
      content: 'Lisbon.',
      request_id: 'turn-1',
      tokens_used: 12,
      model_version: 'm-1',
      metadata: { latency_ms: 300, nested: { a: 1, b: [1, 2] } },
      context_documents: ['c1', 'c2'],
    }
    const original = await ctx.store.messages.append(conversation.id, input)
    await ctx.store.messages.append(conversation.id, { role: 'user', content: 'next' })
    const before = await ctx.store.conversations.get(conversation.id)

    const replay = await ctx.store.messages.append(conversation.id, input)
    expect(replay).toEqual(original)
    // Key order inside JSON does not make a different body.
    const reordered = await ctx.store.messages.append(conversation.id, {
      context_documents: ['c1', 'c2'],
      metadata: { nested: { b: [1, 2], a: 1 }, latency_ms: 300 },
      model_version: 'm-1',
      tokens_used: 12,
      request_id: 'turn-1',
      content: 'Lisbon.',
      role: 'assistant',
    })
    expect(reordered).toEqual(original)
    // Through a scoped store too.
    const scoped = await ctx.store
      .forUser(conversation.user_id)
      .messages.append(conversation.id, input)
    expect(scoped).toEqual(original)

    expect(await ctx.store.conversations.get(conversation.id)).toEqual(before)
    expect(await countRows(ctx.store, 'messages', { conversation_id: conversation.id })).toBe(2)
  })

  it('answers conflict for the same key with a different body, and stores nothing', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    const input: NewMessage = {
      role: 'user',
      content: 'hello',
      request_id: 'turn-7',
      tokens_used: 1,
      metadata: { a: 1 },
    }
    await ctx.store.messages.append(conversation.id, input)
    const before = await ctx.store.conversations.get(conversation.id)
    const variants: NewMessage[] = [
      { ...input, content: 'hello!' },
      { ...input, tokens_used: 2 },
      { ...input, metadata: { a: 2 } },
      { ...input, metadata: {} },
      { ...input, model_version: 'other' },
      { ...input, context_documents: ['c9'] },
    ]
    for (const variant of variants) {
      const error = await expectError(
        ctx.store.messages.append(conversation.id, variant),
        'conflict',
        '/request_id',
      )
      expect(error.status).toBe(409)
    }
    expect(await ctx.store.conversations.get(conversation.id)).toEqual(before)
    expect(await countRows(ctx.store, 'messages', { conversation_id: conversation.id })).toBe(1)
  })

  it('treats another role or another conversation as a new key', async () => {
    const { user, conversation } = await userWithConversation(ctx.store)
    const question = await ctx.store.messages.append(conversation.id, {
      role: 'user',
      content: 'q',
      request_id: 'turn-1',
    })
    const answer = await ctx.store.messages.append(conversation.id, {
      role: 'assistant',
      content: 'a',
      request_id: 'turn-1',
    })
    expect(answer.id).not.toBe(question.id)
    expect([question.sequence, answer.sequence]).toEqual([1, 2])

    const elsewhere = await ctx.store.conversations.create({ user_id: user.id })
    const same = await ctx.store.messages.append(elsewhere.id, {
      role: 'user',
      content: 'q',
      request_id: 'turn-1',
    })
    expect(same.id).not.toBe(question.id)
    expect(same.sequence).toBe(1)

    // Without a request_id, every append is a new message.
    const a = await ctx.store.messages.append(conversation.id, { role: 'user', content: 'same' })
    const b = await ctx.store.messages.append(conversation.id, { role: 'user', content: 'same' })
    expect(b.id).not.toBe(a.id)
    expect((await ctx.store.conversations.get(conversation.id)).message_count).toBe(4)
  })

  it('stores exactly one message for 20 concurrent replays of one key', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    await ctx.store.messages.append(conversation.id, { role: 'system', content: 'start' })
    const input: NewMessage = {
      role: 'user',
      content: 'once',
      request_id: 'burst',
      tokens_used: 5,
    }
    const results = await Promise.all(
      Array.from({ length: 20 }, () => ctx.store.messages.append(conversation.id, input)),
    )
    expect(new Set(results.map((m) => m.id)).size).toBe(1)
    expect(new Set(results.map((m) => m.sequence))).toEqual(new Set([2]))
    for (const result of results) expect(result).toEqual(results[0])
    expect(await ctx.store.messages.get(results[0]!.id)).toEqual(results[0])
    const after = await ctx.store.conversations.get(conversation.id)
    expect(after).toMatchObject({ message_count: 2, total_tokens: 5 })
    expect(await countRows(ctx.store, 'messages', { conversation_id: conversation.id })).toBe(2)
  })

  it('keeps one message per key when replays race new appends from two stores', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    const second = await ctx.open()
    const keyed: NewMessage = { role: 'user', content: 'keyed', request_id: 'shared' }
    const calls = Array.from({ length: 20 }, (_, i) => {
      const store = i % 2 === 0 ? ctx.store : second
      return i % 4 < 2
        ? store.messages.append(conversation.id, keyed)
        : store.messages.append(conversation.id, { role: 'user', content: `fresh ${i}` })
    })
    const results = await Promise.all(calls)
    const keyedResults = results.filter((m) => m.request_id === 'shared')
    expect(keyedResults).toHaveLength(10)
    expect(new Set(keyedResults.map((m) => m.id)).size).toBe(1)
    // 1 keyed + 10 fresh messages, numbered 1..11 without gaps.
    const after = await ctx.store.conversations.get(conversation.id)
    expect(after.message_count).toBe(11)
    const listed = await ctx.store.messages.list(conversation.id, { limit: 50 })
    expect(listed.data.map((m) => m.sequence)).toEqual(Array.from({ length: 11 }, (_, i) => i + 1))
  })

  it('returns the original batch when appendMany is replayed', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    const batch: NewMessage[] = [
      { role: 'user', content: 'q', request_id: 'turn-1' },
      { role: 'assistant', content: 'a', request_id: 'turn-1', tokens_used: 4 },
    ]
    const first = await ctx.store.messages.appendMany(conversation.id, batch)
    const before = await ctx.store.conversations.get(conversation.id)
    const replay = await ctx.store.messages.appendMany(conversation.id, batch)
    expect(replay).toEqual(first)
    expect(await ctx.store.conversations.get(conversation.id)).toEqual(before)
    // A single append of one of its keys is a replay too.
    expect(await ctx.store.messages.append(conversation.id, batch[1]!)).toEqual(first[1])
    await expectError(
      ctx.store.messages.appendMany(conversation.id, [
        { role: 'user', content: 'changed', request_id: 'turn-1' },
      ]),
      'conflict',
      '/request_id',
    )
    expect(await countRows(ctx.store, 'messages', { conversation_id: conversation.id })).toBe(2)
  })
})
