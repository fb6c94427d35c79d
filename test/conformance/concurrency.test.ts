/**
 * Guarantee 2: sequences are gapless and unique per conversation, 1..n, under any concurrency,
 * from any number of processes, on both engines — and the conversation's message_count and
 * total_tokens always agree with its rows (guarantee 1).
 */
import { beforeAll, expect, it } from 'vitest'
import { isChatkeepError, type Message, type NewMessage } from '../../src/index.js'
import {
  type Ack,
  expectAcknowledged,
  expectConsistent,
  readConversation,
  startAppendWorker,
} from '../support/appends.js'
import { describeEachEngine } from '../support/engines.js'

const ack = (m: Message): Ack => ({ id: m.id, sequence: m.sequence, tokens_used: m.tokens_used })
const range = (n: number) => Array.from({ length: n }, (_, i) => i)

describeEachEngine('concurrent appends', (ctx) => {
  let userId: string
  const newConversation = async () =>
    (await ctx.store.conversations.create({ user_id: userId, title: 'contended' })).id

  beforeAll(async () => {
    userId = (await ctx.store.users.create({ username: 'appender' })).id
  })

  it('keeps sequences 1..n and the counters exact with 16 appenders in 2 processes and a third', async () => {
    const conversationId = await newConversation()
    // Two processes, each with two stores of four concurrent appenders: 16 appenders, four
    // connections; appender 0 of each store appends batches of 3 with appendMany.
    const workers = range(2).map(() =>
      startAppendWorker({
        database_url: ctx.database.database_url,
        conversation_id: conversationId,
        stores: 2,
        appenders: 4,
        appends: 50,
        batch: 3,
        pause: 2,
      }),
    )
    try {
      // Nobody starts before everybody is ready, so the processes really do overlap.
      await Promise.all(workers.map((w) => w.ready))
      for (const w of workers) w.go()
      // This process appends alongside them through its own store.
      const local = (
        await Promise.all(
          range(4).map(async (a) => {
            const mine: Ack[] = []
            for (let i = 0; i < 25; i++) {
              const m = await ctx.store.messages.append(conversationId, {
                role: 'tool',
                content: `test process appender ${a} #${i}`,
                tokens_used: (a + i) % 5,
              })
              mine.push(ack(m))
            }
            return mine
          }),
        )
      ).flat()
      const exits = await Promise.all(workers.map((w) => w.exited))
      for (const exit of exits) expect(exit.code, exit.stdout + exit.stderr).toBe(0)

      const acks = [...workers.flatMap((w) => w.acks), ...local]
      // Per worker: 2 stores x (3 appenders x 50 + 1 appender x 50 calls x 3 messages).
      expect(acks).toHaveLength(2 * 2 * (3 * 50 + 50 * 3) + 4 * 25)
      const snapshot = await readConversation(ctx.store, conversationId)
      expect(snapshot.rows).toHaveLength(acks.length)
      expectConsistent(snapshot)
      expectAcknowledged(snapshot, acks)
      // The processes took turns: neither worker's messages form one unbroken run. PostgreSQL
      // queues the waiters for the conversation row's lock; SQLite's busy wait is no queue, so
      // there one process may (rarely) win every turn, which is fair game.
      if (ctx.engine === 'postgres') {
        for (const w of workers) {
          const sequences = w.acks.map((a) => a.sequence).sort((x, y) => x - y)
          expect(sequences.at(-1)! - sequences[0]! + 1).toBeGreaterThan(sequences.length)
        }
      }
      const conversation = await ctx.store.conversations.get(conversationId)
      expect(conversation.message_count).toBe(acks.length)
      expect(conversation.total_tokens).toBe(snapshot.total_tokens)
    } finally {
      for (const w of workers) w.kill()
    }
  })

  it('keeps sequences 1..n with 16 concurrent appenders in one store (group commit)', async () => {
    const conversationId = await newConversation()
    const results = await Promise.all(
      range(16).map(async (a) => {
        const mine: Message[] = []
        for (let i = 0; i < 50; i++) {
          mine.push(
            await ctx.store.messages.append(conversationId, {
              role: i % 2 === 0 ? 'user' : 'assistant',
              content: `appender ${a} #${i}`,
              tokens_used: (a * 13 + i) % 29,
            }),
          )
        }
        return mine
      }),
    )
    const messages = results.flat()
    const snapshot = await readConversation(ctx.store, conversationId)
    expect(snapshot.rows).toHaveLength(16 * 50)
    expectConsistent(snapshot)
    expectAcknowledged(snapshot, messages.map(ack))
    // Each appender's own messages come back in the order it appended them.
    for (const mine of results) {
      const sequences = mine.map((m) => m.sequence)
      expect(sequences).toEqual([...sequences].sort((x, y) => x - y))
    }
    const page = await ctx.store.messages.list(conversationId, { limit: 200 })
    expect(page.data.map((m) => m.sequence)).toEqual(range(200).map((i) => i + 1))
  })

  it('stores a replayed request once, even when the replays race each other', async () => {
    const conversationId = await newConversation()
    const turn = (a: number, i: number, role: 'user' | 'assistant'): NewMessage => ({
      role,
      content: `${role} turn ${i} of appender ${a}`,
      request_id: `turn-${a}-${i}`,
      tokens_used: role === 'user' ? 3 : 11 + a,
      metadata: { appender: a },
    })
    // 16 appenders append 10 turns each: a user message and its answer share a request_id.
    const appender = (a: number) => async () => {
      const mine: Message[] = []
      for (let i = 0; i < 10; i++) {
        mine.push(await ctx.store.messages.append(conversationId, turn(a, i, 'user')))
        mine.push(await ctx.store.messages.append(conversationId, turn(a, i, 'assistant')))
      }
      return mine
    }
    // Appenders 0..3 run twice at once: every one of their appends is replayed concurrently.
    const runs = [...range(16).map(appender), ...range(4).map(appender)]
    // Meanwhile the same key is used with two different bodies: one wins, the other conflicts.
    const contested = range(8).flatMap((k) =>
      ['first', 'second'].map((body) =>
        ctx.store.messages.append(conversationId, {
          role: 'user',
          content: `contested ${k}: ${body}`,
          request_id: `contested-${k}`,
        }),
      ),
    )
    const [results, outcomes] = await Promise.all([
      Promise.all(runs.map((run) => run())),
      Promise.allSettled(contested),
    ])

    // A replay returns the very message the first append stored.
    for (const a of range(4)) {
      expect(results[16 + a]!.map(ack)).toEqual(results[a]!.map(ack))
    }
    const winners: Message[] = []
    for (const k of range(8)) {
      const pair = outcomes.slice(2 * k, 2 * k + 2)
      const won = pair.filter((o) => o.status === 'fulfilled')
      const lost = pair.filter((o) => o.status === 'rejected')
      expect(won).toHaveLength(1)
      expect(lost).toHaveLength(1)
      expect(isChatkeepError(lost[0]!.reason, 'conflict'), String(lost[0]!.reason)).toBe(true)
      winners.push(won[0]!.value)
    }

    const stored = [...results.slice(0, 16).flat(), ...winners]
    const snapshot = await readConversation(ctx.store, conversationId)
    expect(snapshot.rows).toHaveLength(16 * 20 + 8)
    expectConsistent(snapshot)
    expectAcknowledged(snapshot, stored.map(ack))
    for (const m of winners) {
      expect((await ctx.store.messages.get(m.id)).content).toBe(m.content)
    }
  })
})
