import pg from 'pg'
import { expect, it } from 'vitest'
import type { Store } from '../../src/index.js'
import { collectStats } from '../../src/operations/stats.js'
import { describeEachEngine, describeOnEngine } from '../support/engines.js'
import {
  createUser,
  expectError,
  expectIndexMatchesMessages,
  sleep,
  uniqueName,
} from './helpers.js'

/** Long enough that no catch-up runs in the background while a case looks. */
const NEVER = 3_600_000
/** How long a background back-fill may take on a loaded machine (never a timed assertion). */
const WAIT_MS = 60_000

/** A word found in nothing else the suite writes. */
const word = () => uniqueName('w').replace(/_/g, '')

async function hits(store: Store, user_id: string, q: string): Promise<string[]> {
  const page = await store.forUser(user_id).search.search({ q, limit: 100 })
  return page.data.map((hit) => hit.id).sort()
}

/** Polls until `done` holds, for up to WAIT_MS. */
async function eventually(done: () => Promise<boolean>, what: string): Promise<void> {
  for (const deadline = Date.now() + WAIT_MS; !(await done());) {
    if (Date.now() > deadline) throw new Error(`still waiting for ${what} after ${WAIT_MS} ms`)
    await sleep(50)
  }
}

describeEachEngine('message search modes', (ctx) => {
  it('defaults to immediate: a message is found as soon as it is appended', async () => {
    const status = await ctx.store.search.status()
    expect(status).toEqual({ mode: 'immediate', lag_messages: 0, lag_ms: 0 })
    const user = await createUser(ctx.store)
    const chat = await ctx.store.conversations.create({ user_id: user.id })
    const w = word()
    const message = await ctx.store.messages.append(chat.id, { role: 'user', content: `hi ${w}` })
    expect(await hits(ctx.store, user.id, w)).toEqual([message.id])
  })

  it('deferred: a message is not found until catch-up, then found; the lag says so', async () => {
    const store = await ctx.open({ message_search: 'deferred', message_search_interval_ms: NEVER })
    const user = await createUser(store)
    const chat = await store.conversations.create({ user_id: user.id })
    const w = word()
    const first = await store.messages.append(chat.id, { role: 'user', content: `one ${w}` })
    const more = await store.messages.appendMany(chat.id, [
      { role: 'assistant', content: `two ${w}` },
      { role: 'user', content: `three ${w}` },
    ])
    expect(await hits(store, user.id, w)).toEqual([])
    const status = await store.search.status()
    expect(status).toMatchObject({ mode: 'deferred', lag_messages: 3 })
    expect(status.lag_ms).toBeGreaterThanOrEqual(0)
    // Every store reports the database's mode and lag.
    const stats = await collectStats(ctx.store.database)
    expect(stats.message_search).toMatchObject({ mode: 'deferred', lag_messages: 3 })

    expect(await store.search.catchUp()).toBe(3)
    expect(await hits(store, user.id, w)).toEqual([first.id, ...more.map((m) => m.id)].sort())
    expect(await store.search.status()).toEqual({ mode: 'deferred', lag_messages: 0, lag_ms: 0 })
    expect(await store.search.catchUp()).toBe(0)
    await expectIndexMatchesMessages(store)
  })

  it('deferred: updates and deletes of pending and indexed messages keep the index right', async () => {
    const store = await ctx.open({
      message_search: 'deferred',
      message_search_interval_ms: NEVER,
      stream_checkpoint_ms: 5,
    })
    const user = await createUser(store)
    const chat = await store.conversations.create({ user_id: user.id })
    const w = word()
    const indexed = await store.messages.append(chat.id, { role: 'user', content: `old ${w}` })
    await store.search.catchUp()
    // A live reply: pending from its start, its content written by checkpoints and finish.
    const live = await store.messages.append(chat.id, {
      role: 'assistant',
      content: '',
      status: 'streaming',
    })
    await store.messages.appendDelta(live.id, { content: `streamed ${w}` })
    await sleep(30)
    await store.messages.appendDelta(live.id, { content: ' more' })
    await store.messages.finish(live.id)
    await store.messages.append(chat.id, { role: 'user', content: `gone ${w}` })
    expect(await hits(store, user.id, w)).toEqual([indexed.id])
    expect(await hits(store, user.id, 'streamed more')).toEqual([])

    expect(await store.search.catchUp()).toBe(2)
    expect(await hits(store, user.id, 'streamed more')).toEqual([live.id])
    expect(await hits(store, user.id, w)).toHaveLength(3)
    await expectIndexMatchesMessages(store)

    // Deleting the user removes their rows: indexed ones and one still pending.
    await store.messages.append(chat.id, { role: 'user', content: `pending ${w}` })
    await store.users.delete(user.id)
    expect((await store.search.status()).lag_messages).toBe(0)
    await expectIndexMatchesMessages(store)
  })

  it('off: message search answers search_disabled, documents are still searched', async () => {
    const store = await ctx.open({ message_search: 'off' })
    const user = await createUser(store)
    const error = await expectError(
      store.forUser(user.id).search.search({ q: 'anything' }),
      'search_disabled',
    )
    expect(error.status).toBe(409)
    expect(error.message).toMatch(/MESSAGE_SEARCH=immediate or deferred/)
    const w = word()
    await store.documents.ingest({ doc_type: 'faq', chunks: [{ content: `doc ${w}` }] })
    const docs = await store.search.search({ q: w, scope: 'documents' })
    expect(docs.data).toHaveLength(1)
    expect((await store.search.status()).mode).toBe('off')
  })

  it('switching from off to immediate back-fills what was written while off', async () => {
    const off = await ctx.open({ message_search: 'off' })
    const user = await createUser(off)
    const chat = await off.conversations.create({ user_id: user.id })
    const w = word()
    // More than one batch of catch-up (500).
    const written = []
    for (const from of [0, 600]) {
      const batch = Array.from({ length: 600 }, (_, i) => ({
        role: 'user' as const,
        content: `${w} n${from + i}`,
      }))
      written.push(...(await off.messages.appendMany(chat.id, batch)))
    }
    expect((await off.search.status()).lag_messages).toBeGreaterThanOrEqual(written.length)

    const immediate = await ctx.open({ message_search: 'immediate' })
    const after = await immediate.messages.append(chat.id, { role: 'user', content: `${w} last` })
    // The newest is indexed in its own transaction; the back-fill runs in the background.
    expect(await hits(immediate, user.id, `${w} last`)).toEqual([after.id])
    await eventually(
      async () => (await immediate.search.status()).lag_messages === 0,
      'the back-fill',
    )
    expect(await hits(immediate, user.id, `${w} n1199`)).toEqual([written.at(-1)!.id])
    expect(await hits(immediate, user.id, `${w} n0`)).toEqual([written[0]!.id])
    expect((await immediate.search.status()).mode).toBe('immediate')
    await expectIndexMatchesMessages(immediate)
  }, 120_000)

  it('refuses an unknown mode with invalid_config naming the field', async () => {
    await expectError(
      ctx.open({ message_search: 'later' as 'deferred' }),
      'invalid_config',
      '/message_search',
    )
  })
})

describeOnEngine('message search back-fill', 'postgres', (ctx) => {
  it('a message another transaction holds locked is back-filled once it is free', async () => {
    const off = await ctx.open({ message_search: 'off' })
    const user = await createUser(off)
    const chat = await off.conversations.create({ user_id: user.id })
    const w = word()
    const [, locked] = await off.messages.appendMany(chat.id, [
      { role: 'user', content: `${w} free` },
      { role: 'assistant', content: `${w} locked` },
    ])
    // Another transaction holds the row, as an append holds its parent: catch-up skips it.
    const holder = new pg.Client({ connectionString: ctx.database.database_url })
    await holder.connect()
    try {
      await holder.query('begin')
      await holder.query('select id from messages where id = $1 for update', [locked!.id])
      const immediate = await ctx.open({
        message_search: 'immediate',
        message_search_interval_ms: 50,
      })
      await eventually(
        async () => (await immediate.search.status()).lag_messages === 1,
        'the free message to be back-filled',
      )
      await holder.query('commit')
      await eventually(
        async () => (await immediate.search.status()).lag_messages === 0,
        'the message once unlocked',
      )
      expect(await hits(immediate, user.id, `${w} locked`)).toEqual([locked!.id])
    } finally {
      await holder.end()
    }
  }, 120_000)
})
