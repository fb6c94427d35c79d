import { expect, it } from 'vitest'
import type { Message, MessageListOptions, NewMessage, Page } from '../../src/index.js'
import { describeEachEngine } from '../support/engines.js'
import {
  countRows,
  expectError,
  expectMessageShape,
  MALFORMED_IDS,
  missingId,
  userWithConversation,
} from './helpers.js'

const seqs = (messages: Message[] | Page<Message>) =>
  (Array.isArray(messages) ? messages : messages.data).map((m) => m.sequence)

/** `n` messages alternating user / assistant, with 10 tokens each. */
const turns = (n: number, from = 1): NewMessage[] =>
  Array.from({ length: n }, (_, i) => ({
    role: (from + i) % 2 === 1 ? 'user' : 'assistant',
    content: `message ${from + i}`,
    tokens_used: 10,
  }))

describeEachEngine('messages', (ctx) => {
  it('appends with sequences 1..n and moves the counters with each message', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    let tokens = 0
    for (let i = 1; i <= 5; i++) {
      const message = await ctx.store.messages.append(conversation.id, {
        role: i % 2 ? 'user' : 'assistant',
        content: `turn ${i}`,
        tokens_used: i * 7,
      })
      tokens += i * 7
      expectMessageShape(message)
      expect(message).toMatchObject({
        conversation_id: conversation.id,
        user_id: conversation.user_id,
        sequence: i,
        tokens_used: i * 7,
        feedback: null,
        deleted_at: null,
      })
      const after = await ctx.store.conversations.get(conversation.id)
      expect(after.message_count).toBe(i)
      expect(after.total_tokens).toBe(tokens)
      expect(after.last_activity).toBe(message.created_at)
      expect(after.updated_at).toBe(message.created_at)
    }
  })

  it('answers an append with exactly what a later read returns', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    const first = await ctx.store.messages.append(conversation.id, {
      role: 'user',
      content: 'What is the capital of Portugal?',
      request_id: 'turn-1',
    })
    const answer = await ctx.store.messages.append(conversation.id, {
      role: 'assistant',
      content: 'Lisbon.',
      request_id: 'turn-1',
      parent_id: first.id,
      tokens_used: 3,
      model_version: 'model-2026-01',
      context_documents: ['chunk-1', { id: 'chunk-2', score: 0.93 }],
      metadata: { latency_ms: 412, confidence: 0.98, source: 'rag', custom: { a: [1, null] } },
    })
    expect(answer).toMatchObject({
      sequence: 2,
      parent_id: first.id,
      request_id: 'turn-1',
      model_version: 'model-2026-01',
      context_documents: ['chunk-1', { id: 'chunk-2', score: 0.93 }],
      metadata: { latency_ms: 412, confidence: 0.98, source: 'rag', custom: { a: [1, null] } },
    })
    expect(await ctx.store.messages.get(first.id)).toEqual(first)
    expect(await ctx.store.messages.get(answer.id)).toEqual(answer)
    expect((await ctx.store.messages.list(conversation.id)).data).toEqual([first, answer])
  })

  it('appendMany stores a batch in order, with one time, and counts it once', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    await ctx.store.messages.append(conversation.id, { role: 'system', content: 'Be brief.' })
    const batch = await ctx.store.messages.appendMany(conversation.id, turns(4))
    expect(seqs(batch)).toEqual([2, 3, 4, 5])
    expect(batch.map((m) => m.content)).toEqual([
      'message 1',
      'message 2',
      'message 3',
      'message 4',
    ])
    expect(new Set(batch.map((m) => m.created_at)).size).toBe(1)
    for (const message of batch) {
      expectMessageShape(message)
      expect(await ctx.store.messages.get(message.id)).toEqual(message)
    }
    const after = await ctx.store.conversations.get(conversation.id)
    expect(after).toMatchObject({ message_count: 5, total_tokens: 40 })
    expect(after.last_activity).toBe(batch[0]!.created_at)
  })

  it('appendMany is all or nothing: one bad item stores none', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    await ctx.store.messages.appendMany(conversation.id, turns(2))
    const before = await ctx.store.conversations.get(conversation.id)
    const rowsBefore = await countRows(ctx.store, 'messages', { conversation_id: conversation.id })

    const bad: [unknown[], string][] = [
      [[...turns(2, 3), { role: 'user', content: 5 }], '/2/content'],
      [[{ role: 'robot', content: 'x' }, ...turns(1, 3)], '/0/role'],
      [[...turns(1, 3), { role: 'user', content: 'x', tokens_used: -1 }], '/1/tokens_used'],
      [[...turns(1, 3), { role: 'user', content: 'x', extra: 1 }], '/1/extra'],
      [[...turns(1, 3), null], '/1'],
      [[...turns(1, 3), { role: 'user', content: 'x', parent_id: missingId() }], '/1/parent_id'],
      [[], '/'],
    ]
    for (const [inputs, field] of bad) {
      await expectError(
        ctx.store.messages.appendMany(conversation.id, inputs as NewMessage[]),
        'validation_failed',
        field,
      )
    }
    // Two items with the same idempotency key fail together at the database.
    await expectError(
      ctx.store.messages.appendMany(conversation.id, [
        { role: 'user', content: 'a', request_id: 'same' },
        { role: 'assistant', content: 'b', request_id: 'same' },
        { role: 'user', content: 'c', request_id: 'same' },
      ]),
      'conflict',
    )
    expect(await ctx.store.conversations.get(conversation.id)).toEqual(before)
    expect(await countRows(ctx.store, 'messages', { conversation_id: conversation.id })).toBe(
      rowsBefore,
    )
    // The conversation still takes the next batch, numbered on from where it was.
    expect(seqs(await ctx.store.messages.appendMany(conversation.id, turns(2, 3)))).toEqual([3, 4])
  })

  it('refuses a bad message with the field at fault and stores nothing', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    const cases: [unknown, string][] = [
      [null, '/'],
      [{ content: 'no role' }, '/role'],
      [{ role: 'user' }, '/content'],
      [{ role: 'bot', content: 'x' }, '/role'],
      [{ role: 'user', content: 42 }, '/content'],
      [{ role: 'user', content: 'x', tokens_used: -1 }, '/tokens_used'],
      [{ role: 'user', content: 'x', tokens_used: 1.5 }, '/tokens_used'],
      [{ role: 'user', content: 'x', request_id: 'r'.repeat(201) }, '/request_id'],
      [{ role: 'user', content: 'x', metadata: [] }, '/metadata'],
      [{ role: 'user', content: 'x', metadata: { big: 'x'.repeat(70_000) } }, '/metadata'],
      [{ role: 'user', content: 'x', context_documents: {} }, '/context_documents'],
      [{ role: 'user', content: 'x', feedback: 1 }, '/feedback'],
      [{ role: 'user', content: 'x', sequence: 9 }, '/sequence'],
      [{ role: 'user', content: 'x', parent_id: 'not-a-uuid' }, '/parent_id'],
    ]
    for (const [input, field] of cases) {
      await expectError(
        ctx.store.messages.append(conversation.id, input as NewMessage),
        'validation_failed',
        field,
      )
    }
    expect(await ctx.store.conversations.get(conversation.id)).toEqual(conversation)
    expect(await countRows(ctx.store, 'messages', { conversation_id: conversation.id })).toBe(0)
  })

  it('lists messages with order, limit, after, before and a role filter', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    const all = await ctx.store.messages.appendMany(conversation.id, turns(9))
    const list = (options: MessageListOptions) => ctx.store.messages.list(conversation.id, options)

    const everything = await list({})
    expect(seqs(everything)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(everything).toMatchObject({ has_more: false, first_id: all[0]!.id, last_id: all[8]!.id })
    expect(seqs(await list({ order: 'desc' }))).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1])

    // Forward pages cover everything once.
    const p1 = await list({ limit: 4 })
    expect(seqs(p1)).toEqual([1, 2, 3, 4])
    expect(p1).toMatchObject({ has_more: true, first_id: all[0]!.id, last_id: all[3]!.id })
    const p2 = await list({ limit: 4, after: p1.last_id! })
    expect(seqs(p2)).toEqual([5, 6, 7, 8])
    const p3 = await list({ limit: 4, after: p2.last_id! })
    expect(seqs(p3)).toEqual([9])
    expect(p3.has_more).toBe(false)

    // Backwards, each page still in the list's order.
    const b1 = await list({ limit: 3, before: all[6]!.id })
    expect(seqs(b1)).toEqual([4, 5, 6])
    expect(b1.has_more).toBe(true)
    expect(seqs(await list({ limit: 3, before: b1.first_id! }))).toEqual([1, 2, 3])
    expect((await list({ limit: 3, before: b1.first_id! })).has_more).toBe(false)

    // Descending pages.
    const d1 = await list({ order: 'desc', limit: 4 })
    expect(seqs(d1)).toEqual([9, 8, 7, 6])
    expect(seqs(await list({ order: 'desc', limit: 4, after: d1.last_id! }))).toEqual([5, 4, 3, 2])
    expect(seqs(await list({ order: 'desc', limit: 2, before: all[4]!.id }))).toEqual([7, 6])

    // Role filter, also while paging.
    expect(seqs(await list({ role: 'assistant' }))).toEqual([2, 4, 6, 8])
    expect(seqs(await list({ role: 'user', after: all[2]!.id }))).toEqual([5, 7, 9])
    expect(seqs(await list({ role: 'tool' }))).toEqual([])

    // A cursor from another conversation matches nothing here.
    const other = await userWithConversation(ctx.store)
    const foreign = await ctx.store.messages.append(other.conversation.id, {
      role: 'user',
      content: 'elsewhere',
    })
    expect(await list({ after: foreign.id })).toMatchObject({ data: [], has_more: false })
  })

  it('refuses bad list options with the field at fault', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    const [a, b] = await ctx.store.messages.appendMany(conversation.id, turns(2))
    const cases: [unknown, string][] = [
      [{ after: a!.id, before: b!.id }, '/before'],
      [{ limit: 0 }, '/limit'],
      [{ limit: 201 }, '/limit'],
      [{ order: 'up' }, '/order'],
      [{ role: 'robot' }, '/role'],
      [{ after: 'not-a-uuid' }, '/after'],
      [{ before: '1' }, '/before'],
      [{ page: 2 }, '/page'],
    ]
    for (const [options, field] of cases) {
      await expectError(
        ctx.store.messages.list(conversation.id, options as MessageListOptions),
        'validation_failed',
        field,
      )
    }
  })

  it('lastN returns the last n live messages, oldest first', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    expect(await ctx.store.messages.lastN(conversation.id, 5)).toEqual([])
    const all = await ctx.store.messages.appendMany(conversation.id, turns(8))
    const last = await ctx.store.messages.lastN(conversation.id, 5)
    expect(seqs(last)).toEqual([4, 5, 6, 7, 8])
    expect(last).toEqual(all.slice(3))
    expect(seqs(await ctx.store.messages.lastN(conversation.id, 1))).toEqual([8])
    expect(seqs(await ctx.store.messages.lastN(conversation.id, 100))).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8,
    ])
    expect(seqs(await ctx.store.messages.lastN(conversation.id))).toHaveLength(8)
    await ctx.store.messages.delete(all[7]!.id)
    await ctx.store.messages.delete(all[5]!.id)
    expect(seqs(await ctx.store.messages.lastN(conversation.id, 3))).toEqual([4, 5, 7])
    for (const n of [0, -1, 1.5, 10_001, Number.NaN]) {
      await expectError(ctx.store.messages.lastN(conversation.id, n), 'validation_failed', '/n')
    }
  })

  it('lastPage says has_more from the live messages before the page, deleted ones not counted', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    const messages = ctx.store.messages
    expect(await messages.lastPage(conversation.id, 3)).toEqual({
      data: [],
      has_more: false,
      first_id: null,
      last_id: null,
    })
    const all = await messages.appendMany(conversation.id, turns(6))
    const page = await messages.lastPage(conversation.id, 3)
    expect(seqs(page)).toEqual([4, 5, 6])
    expect(page).toMatchObject({ has_more: true, first_id: all[3]!.id, last_id: all[5]!.id })
    expect((await messages.lastPage(conversation.id, 6)).has_more).toBe(false)
    // The earliest messages soft-deleted: nothing live comes before the last three.
    for (const m of all.slice(0, 3)) await messages.delete(m.id)
    const after = await messages.lastPage(conversation.id, 3)
    expect(seqs(after)).toEqual([4, 5, 6])
    expect(after.has_more).toBe(false)
    expect((await messages.lastPage(conversation.id, 2)).has_more).toBe(true)
    await expectError(messages.lastPage(conversation.id, 0), 'validation_failed', '/n')
    await expectError(messages.lastPage(missingId(), 3), 'not_found')
  })

  it('records feedback -1, 1 and null, and refuses anything else', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    const message = await ctx.store.messages.append(conversation.id, {
      role: 'assistant',
      content: 'rate me',
    })
    for (const value of [1, -1, null] as const) {
      const rated = await ctx.store.messages.setFeedback(message.id, value)
      expect(rated).toEqual({ ...message, feedback: value })
      expect(await ctx.store.messages.get(message.id)).toEqual(rated)
    }
    await ctx.store.messages.setFeedback(message.id, 1)
    for (const value of [2, 0, '1', true, undefined]) {
      await expectError(
        ctx.store.messages.setFeedback(message.id, value as never),
        'validation_failed',
      )
    }
    expect((await ctx.store.messages.get(message.id)).feedback).toBe(1)
    await expectError(ctx.store.messages.setFeedback(missingId(), 1), 'not_found')
  })

  it('soft-deletes and restores a message; its sequence stays taken', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    const [m1, m2, m3] = await ctx.store.messages.appendMany(conversation.id, turns(3))
    await ctx.store.messages.delete(m2!.id)

    await expectError(ctx.store.messages.get(m2!.id), 'not_found')
    expect(seqs(await ctx.store.messages.list(conversation.id))).toEqual([1, 3])
    expect(seqs(await ctx.store.messages.lastN(conversation.id, 10))).toEqual([1, 3])
    expect((await ctx.store.messages.countByRole(conversation.id)).assistant).toBe(0)
    await expectError(ctx.store.messages.setFeedback(m2!.id, 1), 'not_found')
    await expectError(ctx.store.messages.delete(m2!.id), 'not_found')
    // The count is the last sequence number: deleted messages still hold theirs.
    expect((await ctx.store.conversations.get(conversation.id)).message_count).toBe(3)
    const m4 = await ctx.store.messages.append(conversation.id, { role: 'user', content: 'next' })
    expect(m4.sequence).toBe(4)
    // Cursors still work from a deleted message.
    expect(seqs(await ctx.store.messages.list(conversation.id, { after: m2!.id }))).toEqual([3, 4])

    const restored = await ctx.store.messages.restore(m2!.id)
    expect(restored).toEqual(m2)
    expect(await ctx.store.messages.get(m2!.id)).toEqual(m2)
    expect(seqs(await ctx.store.messages.list(conversation.id))).toEqual([1, 2, 3, 4])
    await expectError(ctx.store.messages.restore(m2!.id), 'not_found')
    await expectError(ctx.store.messages.restore(m1!.id), 'not_found')
    expect(await ctx.store.messages.get(m3!.id)).toEqual(m3)
  })

  it('counts live messages by role, every role present', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    expect(await ctx.store.messages.countByRole(conversation.id)).toEqual({
      system: 0,
      user: 0,
      assistant: 0,
      tool: 0,
    })
    const made = await ctx.store.messages.appendMany(conversation.id, [
      { role: 'system', content: 's' },
      { role: 'user', content: 'u1' },
      { role: 'assistant', content: 'a1' },
      { role: 'tool', content: '{"ok":true}' },
      { role: 'user', content: 'u2' },
      { role: 'assistant', content: 'a2' },
    ])
    await ctx.store.messages.delete(made[4]!.id)
    const counts = await ctx.store.messages.countByRole(conversation.id)
    expect(counts).toEqual({ system: 1, user: 1, assistant: 2, tool: 1 })
    for (const value of Object.values(counts)) expect(typeof value).toBe('number')
  })

  it('refuses appends to a closed conversation until it is reopened', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    await ctx.store.messages.append(conversation.id, {
      role: 'user',
      content: 'hi',
      tokens_used: 2,
    })
    const closed = await ctx.store.conversations.update(conversation.id, { status: 'closed' })
    const error = await expectError(
      ctx.store.messages.append(conversation.id, { role: 'user', content: 'anyone?' }),
      'conversation_closed',
    )
    expect(error.status).toBe(409)
    await expectError(
      ctx.store.messages.appendMany(conversation.id, turns(2)),
      'conversation_closed',
    )
    expect(await ctx.store.conversations.get(conversation.id)).toEqual(closed)
    expect(await countRows(ctx.store, 'messages', { conversation_id: conversation.id })).toBe(1)

    // Archived is not closed: it still takes messages.
    await ctx.store.conversations.archive(conversation.id)
    expect(
      (await ctx.store.messages.append(conversation.id, { role: 'user', content: 'x' })).sequence,
    ).toBe(2)
    await ctx.store.conversations.update(conversation.id, { status: 'active' })
    expect(
      (await ctx.store.messages.append(conversation.id, { role: 'user', content: 'y' })).sequence,
    ).toBe(3)
  })

  it('answers not_found for a missing or malformed conversation or message', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    const messages = ctx.store.messages
    for (const id of [missingId(), ...MALFORMED_IDS]) {
      await expectError(messages.append(id, { role: 'user', content: 'x' }), 'not_found')
      await expectError(messages.appendMany(id, turns(2)), 'not_found')
      await expectError(messages.list(id), 'not_found')
      await expectError(messages.lastN(id, 5), 'not_found')
      await expectError(messages.countByRole(id), 'not_found')
      await expectError(messages.get(id), 'not_found')
      await expectError(messages.setFeedback(id, 1), 'not_found')
      await expectError(messages.delete(id), 'not_found')
      await expectError(messages.restore(id), 'not_found')
    }
    expect(await countRows(ctx.store, 'messages', { conversation_id: conversation.id })).toBe(0)
  })

  it('accepts a parent only from the same conversation', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    const question = await ctx.store.messages.append(conversation.id, {
      role: 'user',
      content: 'q',
    })
    const answer = await ctx.store.messages.append(conversation.id, {
      role: 'assistant',
      content: 'a',
      parent_id: question.id,
    })
    expect(answer.parent_id).toBe(question.id)
    // An edit may answer a message that was deleted since.
    await ctx.store.messages.delete(answer.id)
    const edit = await ctx.store.messages.append(conversation.id, {
      role: 'assistant',
      content: 'a, edited',
      parent_id: answer.id,
    })
    expect(edit.parent_id).toBe(answer.id)

    const other = await userWithConversation(ctx.store)
    const elsewhere = await ctx.store.messages.append(other.conversation.id, {
      role: 'user',
      content: 'elsewhere',
    })
    const before = await ctx.store.conversations.get(conversation.id)
    for (const parent_id of [elsewhere.id, missingId()]) {
      await expectError(
        ctx.store.messages.append(conversation.id, { role: 'assistant', content: 'x', parent_id }),
        'validation_failed',
        '/parent_id',
      )
      await expectError(
        ctx.store.messages.appendMany(conversation.id, [
          { role: 'user', content: 'ok' },
          { role: 'assistant', content: 'x', parent_id },
        ]),
        'validation_failed',
        '/1/parent_id',
      )
    }
    expect(await ctx.store.conversations.get(conversation.id)).toEqual(before)
  })

  it('keeps content exactly as given', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    const contents = [
      '',
      ' leading and trailing spaces ',
      'line one\nline two\r\n\ttabbed',
      'émoji 😀, CJK 漢字, RTL עברית, combining e\u0301',
      'quotes \' " ` and backslash \\ and %_ wildcards',
      'x'.repeat(100_000),
    ]
    for (const content of contents) {
      const message = await ctx.store.messages.append(conversation.id, { role: 'user', content })
      expect((await ctx.store.messages.get(message.id)).content).toBe(content)
    }
  })
})
