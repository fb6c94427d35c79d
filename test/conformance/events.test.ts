/**
 * The change feed: every change writes its event in its own transaction, a reader sees each
 * event exactly once in commit order (also with concurrent writers whose transactions commit
 * in another order than they started), a user reads only their own events, and the purge
 * expires the cursors behind it.
 */
import { sql } from 'kysely'
import { beforeAll, expect, it } from 'vitest'
import { cleanup } from '../../src/operations/cleanup.js'
import { eventRow, insertEvents } from '../../src/repositories/events.js'
import type { ChangeEvent, EventListOptions, Store } from '../../src/index.js'
import { describeEachEngine } from '../support/engines.js'
import { createUser, expectError, sleep, userWithConversation } from './helpers.js'

/** Every event after `after`, page after page. */
async function readAll(
  events: Store['events'],
  after: string,
  options: Omit<EventListOptions, 'after'> = {},
): Promise<{ data: ChangeEvent[]; cursor: string }> {
  const data: ChangeEvent[] = []
  let cursor = after
  for (;;) {
    const page = await events.list({ ...options, after: cursor, limit: 100 })
    data.push(...page.data)
    cursor = page.next_cursor
    if (!page.has_more) return { data, cursor }
  }
}

describeEachEngine('change feed', (ctx) => {
  let start: string

  beforeAll(async () => {
    start = (await readAll(ctx.store.events, '0')).cursor
  })

  it('writes one typed event per change, with the changed fields and no message content', async () => {
    const from = (await readAll(ctx.store.events, '0')).cursor
    const { user, conversation } = await userWithConversation(ctx.store, 'feed')
    const store = ctx.store.forUser(user.id)
    await store.conversations.update(conversation.id, { title: 'Renamed' })
    const message = await store.messages.append(conversation.id, {
      role: 'user',
      content: 'secret words',
      request_id: 'turn-1',
    })
    await store.messages.setFeedback(message.id, 1)
    await store.messages.delete(message.id)
    await store.messages.restore(message.id)
    await store.conversations.delete(conversation.id)
    await store.conversations.restore(conversation.id)
    const doc = await store.documents.ingest({ title: 'Guide', chunks: [{ content: 'Install.' }] })
    await store.documents.update(doc.document.id, { title: 'Guide 2' })
    await store.documents.delete(doc.document.id)
    await ctx.store.users.update(user.id, { display_name: 'Feed' })

    const { data } = await readAll(store.events, from)
    expect(data.map((e) => e.type)).toEqual([
      'user.created',
      'conversation.created',
      'conversation.updated',
      'message.created',
      'message.feedback',
      'message.deleted',
      'message.restored',
      'conversation.deleted',
      'conversation.restored',
      'document.created',
      'document.updated',
      'document.deleted',
      'user.updated',
    ])
    const created = data.find((e) => e.type === 'message.created')!
    expect(created).toMatchObject({
      user_id: user.id,
      conversation_id: conversation.id,
      message_id: message.id,
      data: { role: 'user', sequence: 1, request_id: 'turn-1' },
    })
    expect(data.find((e) => e.type === 'conversation.updated')!.data).toMatchObject({
      changed: ['title'],
      title: 'Renamed',
    })
    expect(data.find((e) => e.type === 'message.feedback')!.data).toEqual({
      feedback: 1,
      feedback_reason: null,
    })
    expect(JSON.stringify(data)).not.toContain('secret words')
    // Cursors rise, and each is given once.
    const cursors = data.map((e) => BigInt(e.cursor))
    expect([...cursors].sort((a, b) => (a < b ? -1 : 1))).toEqual(cursors)
    expect(new Set(cursors).size).toBe(cursors.length)
  })

  it('tells how a streamed answer began and ended, once each, without its content', async () => {
    const from = (await readAll(ctx.store.events, '0')).cursor
    const { user, conversation } = await userWithConversation(ctx.store, 'feed_stream')
    const store = ctx.store.forUser(user.id)
    const done = await store.messages.start(conversation.id, { role: 'assistant' })
    await store.messages.appendDelta(done.id, { content: 'private answer' })
    await store.messages.finish(done.id, { tokens_used: 7, finish_reason: 'stop' })
    const stopped = await store.messages.start(conversation.id, { role: 'assistant' })
    await store.messages.abort(stopped.id, { finish_reason: 'user' })
    const silent = await store.messages.start(conversation.id, { role: 'assistant' })
    const sweeper = await ctx.open({ stream_timeout_ms: 1 })
    await sleep(20)
    expect(await sweeper.sweepStreams()).toContain(silent.id)

    const { data } = await readAll(store.events, from)
    const of = (id: string) => data.filter((e) => e.message_id === id)
    expect(of(done.id).map((e) => [e.type, e.data.status])).toEqual([
      ['message.created', 'streaming'],
      ['message.completed', 'complete'],
    ])
    expect(of(done.id)[1]!.data).toMatchObject({ tokens_used: 7, finish_reason: 'stop' })
    expect(of(stopped.id).map((e) => [e.type, e.data.finish_reason ?? null])).toEqual([
      ['message.created', null],
      ['message.aborted', 'user'],
    ])
    expect(of(silent.id).map((e) => [e.type, e.data.finish_reason ?? null])).toEqual([
      ['message.created', null],
      ['message.aborted', 'timeout'],
    ])
    expect(JSON.stringify(data)).not.toContain('private answer')
  })

  it('shows a user only their own events; the root store everyone’s', async () => {
    const from = (await readAll(ctx.store.events, '0')).cursor
    const a = await userWithConversation(ctx.store, 'feed_a')
    const b = await userWithConversation(ctx.store, 'feed_b')
    await ctx.store.messages.append(a.conversation.id, { role: 'user', content: 'a' })
    await ctx.store.messages.append(b.conversation.id, { role: 'user', content: 'b' })
    const mine = (await readAll(ctx.store.forUser(a.user.id).events, from)).data
    expect(mine.length).toBe(3)
    expect(mine.every((e) => e.user_id === a.user.id)).toBe(true)
    const all = (await readAll(ctx.store.events, from)).data
    expect(new Set(all.map((e) => e.user_id))).toEqual(new Set([a.user.id, b.user.id]))
  })

  it('filters by type and by a whole subject', async () => {
    const from = (await readAll(ctx.store.events, '0')).cursor
    const { conversation } = await userWithConversation(ctx.store, 'feed_types')
    const m = await ctx.store.messages.append(conversation.id, { role: 'user', content: 'x' })
    await ctx.store.messages.delete(m.id)
    const created = await readAll(ctx.store.events, from, { types: ['message.created'] })
    expect(created.data.map((e) => e.type)).toEqual(['message.created'])
    const messages = await readAll(ctx.store.events, from, { types: ['message.*'] })
    expect(messages.data.map((e) => e.type)).toEqual(['message.created', 'message.deleted'])
    await expectError(ctx.store.events.list({ types: ['nope'] }), 'validation_failed', '/types/0')
    await expectError(ctx.store.events.list({ after: '-1' }), 'validation_failed', '/after')
  })

  it('writes nothing of a change whose event cannot be written, and no event without its change', async () => {
    const { user, conversation } = await userWithConversation(ctx.store, 'feed_fail')
    const from = (await readAll(ctx.store.events, '0')).cursor
    // The outbox refuses every row: the change in its transaction must fail with it.
    const check = sql`alter table events add constraint events_refuse check (type = 'none') not valid`
    const uncheck = sql`alter table events drop constraint events_refuse`
    if (ctx.engine === 'postgres') await check.execute(ctx.store.database.kysely)
    else
      await sql`create trigger events_refuse before insert on events begin
        select raise(abort, 'refused'); end`.execute(ctx.store.database.kysely)
    try {
      await expect(
        ctx.store.conversations.update(conversation.id, { title: 'lost' }),
      ).rejects.toThrow()
      await expect(
        ctx.store.messages.append(conversation.id, { role: 'user', content: 'lost' }),
      ).rejects.toThrow()
      await expect(ctx.store.users.update(user.id, { display_name: 'lost' })).rejects.toThrow()
    } finally {
      if (ctx.engine === 'postgres') await uncheck.execute(ctx.store.database.kysely)
      else await sql`drop trigger events_refuse`.execute(ctx.store.database.kysely)
    }
    const after = await ctx.store.conversations.get(conversation.id)
    expect(after).toMatchObject({ title: null, message_count: 0 })
    expect(await ctx.store.messages.lastN(conversation.id, 5)).toEqual([])
    expect((await ctx.store.users.get(user.id)).display_name).toBeNull()
    expect((await readAll(ctx.store.events, from)).data).toEqual([])
  })

  it('gives concurrent writers’ events to a reader exactly once, in commit order', async () => {
    const other = await ctx.open()
    const users = await Promise.all([0, 1, 2, 3].map(() => createUser(ctx.store, 'feed_writer')))
    const chats = await Promise.all(
      users.map((u) => ctx.store.conversations.create({ user_id: u.id })),
    )
    const from = (await readAll(ctx.store.events, '0')).cursor
    const written: string[] = []
    let writing = true
    const appenders = chats.map(async (chat, i) => {
      const store = i % 2 === 0 ? ctx.store : other
      for (let n = 0; n < 25; n++) {
        const m = await store.messages.append(chat.id, { role: 'user', content: `m${n}` })
        written.push(m.id)
      }
    })
    // Transactions that take their place early and commit late, while others commit past them:
    // a feed ordered by when events were written would let the reader skip these.
    const slow = (async () => {
      for (let n = 0; n < 3; n++) {
        const id = `00000000-0000-7000-8000-00000000000${n}`
        await other.database.transaction(async (tx) => {
          await insertEvents(
            tx,
            eventRow('message.created', { user_id: users[0]!.id, message_id: id }, {}),
          )
          await sleep(150)
        })
        written.push(id)
      }
    })()
    const seen: ChangeEvent[] = []
    const reader = (async () => {
      let cursor = from
      for (;;) {
        const done = !writing
        const page = await ctx.store.events.list({ after: cursor, limit: 50 })
        for (const e of page.data) {
          expect(BigInt(e.cursor) > BigInt(cursor)).toBe(true)
          cursor = e.cursor
          seen.push(e)
        }
        if (done && !page.has_more) return
        if (page.data.length === 0) await sleep(5)
      }
    })()
    await Promise.all([...appenders, slow])
    writing = false
    await reader
    const ids = seen.filter((e) => e.type === 'message.created').map((e) => e.message_id)
    expect(ids.length).toBe(written.length)
    expect(new Set(ids)).toEqual(new Set(written))
    // Each conversation's messages come in their sequence order.
    for (const chat of chats) {
      const sequences = seen
        .filter((e) => e.conversation_id === chat.id)
        .map((e) => e.data.sequence as number)
      expect(sequences).toEqual(Array.from({ length: 25 }, (_, i) => i + 1))
    }
  })

  it('purges events past EVENTS_RETENTION_DAYS; a cursor behind the purge is expired', async () => {
    const old = (await readAll(ctx.store.events, '0')).cursor
    expect(BigInt(old) >= BigInt(start)).toBe(true)
    await createUser(ctx.store, 'feed_old')
    const { cursor: head } = await readAll(ctx.store.events, old)
    const report = await cleanup(ctx.store, {
      retention_days: 30,
      events_retention_days: 1,
      now: new Date(Date.now() + 2 * 86_400_000),
    })
    expect(report.removed.events).toBeGreaterThan(0)
    await expectError(ctx.store.events.list({ after: old }), 'cursor_expired', '/after')
    // The newest cursor handed out is still good: nothing after it was lost.
    expect((await ctx.store.events.list({ after: head })).data).toEqual([])
    await createUser(ctx.store, 'feed_new')
    const next = await ctx.store.events.list({ after: head })
    expect(next.data.map((e) => e.type)).toEqual(['user.created'])
    expect(BigInt(next.data[0]!.cursor) > BigInt(head)).toBe(true)
  })
})
