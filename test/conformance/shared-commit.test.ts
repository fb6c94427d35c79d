/**
 * Group commit across conversations (SQLite): appends that arrive in the same turn of the event
 * loop, as a server's requests do, share one transaction. Each must still land exactly once,
 * with its own gapless sequence and exact counters (guarantees 1 and 2), and one bad append must
 * fail alone, never its neighbours in the shared commit. On PostgreSQL the same cases run through
 * the per-conversation queue.
 */
import { beforeAll, expect, it } from 'vitest'
import { isChatkeepError, type Message, type NewMessage } from '../../src/index.js'
import { expectAcknowledged, expectConsistent, readConversation } from '../support/appends.js'
import { describeEachEngine } from '../support/engines.js'

/** Runs each call in a job of its own (one setImmediate each, all in the same turn), as requests. */
function asRequests<T>(calls: (() => Promise<T>)[]): Promise<PromiseSettledResult<T>[]> {
  return Promise.allSettled(
    calls.map(
      (call) =>
        new Promise<T>((resolve, reject) => setImmediate(() => call().then(resolve, reject))),
    ),
  )
}

describeEachEngine('appends to many conversations at once', (ctx) => {
  let userId: string
  const newConversation = async (status?: 'closed') =>
    (await ctx.store.conversations.create({ user_id: userId, ...(status ? { status } : {}) })).id

  beforeAll(async () => {
    userId = (await ctx.store.users.create({ username: 'many' })).id
  })

  it('stores each once, 1..n per conversation, when they arrive in the same turn', async () => {
    const conversations = await Promise.all(Array.from({ length: 8 }, () => newConversation()))
    const calls = conversations.flatMap((id, c) =>
      Array.from(
        { length: 5 },
        (_, i) => () =>
          ctx.store
            .forUser(userId)
            .messages.append(id, { role: 'user', content: `c${c} #${i}`, tokens_used: c + i }),
      ),
    )
    const settled = await asRequests(calls)
    const messages = settled.map((s) => {
      if (s.status === 'rejected') throw s.reason
      return s.value
    })
    for (const id of conversations) {
      const mine = messages.filter((m) => m.conversation_id === id)
      const snapshot = await readConversation(ctx.store, id)
      expect(snapshot.rows).toHaveLength(5)
      expectConsistent(snapshot)
      expectAcknowledged(
        snapshot,
        mine.map((m) => ({ id: m.id, sequence: m.sequence, tokens_used: m.tokens_used })),
      )
      // Within a conversation, the order they were made in.
      expect(mine.map((m) => m.content)).toEqual(
        mine.map((_, i) => expect.stringMatching(`#${i}$`)),
      )
    }
    if (ctx.engine === 'sqlite') {
      // They shared one transaction, and so its time.
      expect(new Set(messages.map((m) => m.created_at)).size).toBe(1)
    }
  })

  it('fails a bad append alone: its neighbours in the same turn are stored', async () => {
    const [good, replayed, closed] = [
      await newConversation(),
      await newConversation(),
      await newConversation('closed'),
    ]
    const first: NewMessage = { role: 'user', content: 'first', request_id: 'turn-1' }
    await ctx.store.messages.append(replayed, first)
    const settled = await asRequests<Message>([
      () => ctx.store.messages.append(good, { role: 'user', content: 'one' }),
      () => ctx.store.messages.append(replayed, { ...first, content: 'another body' }),
      () => ctx.store.messages.append(closed, { role: 'user', content: 'into a closed one' }),
      () => ctx.store.messages.append(good, { role: 'assistant', content: 'two' }),
      () => ctx.store.messages.append(replayed, { role: 'assistant', content: 'answer' }),
      () => ctx.store.messages.append(replayed, first),
    ])
    const reason = (i: number) => {
      const s = settled[i]!
      return s.status === 'rejected' && isChatkeepError(s.reason) ? s.reason.code : s.status
    }
    expect(settled.map((_, i) => reason(i))).toEqual([
      'fulfilled',
      'conflict',
      'conversation_closed',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ])
    const value = (i: number) => (settled[i] as PromiseFulfilledResult<Message>).value
    expect([value(0).sequence, value(3).sequence]).toEqual([1, 2])
    expect(value(4).sequence).toBe(2)
    // The replay answers the first message, and stores nothing.
    expect(value(5).sequence).toBe(1)
    expect(value(5).content).toBe('first')
    for (const id of [good, replayed, closed])
      expectConsistent(await readConversation(ctx.store, id))
    expect((await readConversation(ctx.store, replayed)).rows).toHaveLength(2)
    expect((await readConversation(ctx.store, closed)).rows).toHaveLength(0)
  })

  it('keeps appending one after another without waiting for a turn of the event loop', async () => {
    const id = await newConversation()
    // A caller's loop, nothing to wait for in between: each append lands before the next.
    for (let i = 1; i <= 20; i++) {
      const m = await ctx.store.messages.append(id, { role: 'user', content: `n${i}` })
      expect(m.sequence).toBe(i)
    }
    expectConsistent(await readConversation(ctx.store, id))
  })
})
