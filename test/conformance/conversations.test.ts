import { expect, it } from 'vitest'
import type {
  ChatkeepError,
  Conversation,
  ConversationListOptions,
  Page,
  Store,
} from '../../src/index.js'
import { describeEachEngine } from '../support/engines.js'
import {
  countRows,
  createUser,
  expectConversationShape,
  expectError,
  missingId,
  sleep,
  uniqueName,
} from './helpers.js'

const ids = (page: Page<Conversation>) => page.data.map((c) => c.id)

/** Every page of a list, walking `after` from the first. */
async function walkForward(
  list: (options: ConversationListOptions) => Promise<Page<Conversation>>,
  limit: number,
  filter: ConversationListOptions = {},
): Promise<Page<Conversation>[]> {
  const pages: Page<Conversation>[] = []
  let after: string | undefined
  for (;;) {
    const page = await list({ ...filter, limit, ...(after === undefined ? {} : { after }) })
    pages.push(page)
    if (!page.has_more) return pages
    expect(page.last_id).not.toBeNull()
    after = page.last_id!
    if (pages.length > 50) throw new Error('pagination does not end')
  }
}

/** Conversations created one after the other, each a little later than the one before. */
async function createSeveral(store: Store, userId: string, n: number): Promise<Conversation[]> {
  const made: Conversation[] = []
  for (let i = 0; i < n; i++) {
    made.push(await store.conversations.create({ user_id: userId, title: `chat ${i}` }))
    await sleep(2)
  }
  return made
}

describeEachEngine('conversations', (ctx) => {
  it('creates a conversation with defaults and reads it back', async () => {
    const user = await createUser(ctx.store)
    const chat = await ctx.store.conversations.create({ user_id: user.id })
    expectConversationShape(chat)
    expect(chat).toMatchObject({
      user_id: user.id,
      title: null,
      status: 'active',
      origin: 'api',
      discord_channel_id: null,
      parameters: {},
      metadata: {},
      message_count: 0,
      total_tokens: 0,
      archived_at: null,
      ended_at: null,
      deleted_at: null,
    })
    expect(chat.updated_at).toBe(chat.created_at)
    expect(chat.last_activity).toBe(chat.created_at)
    expect(await ctx.store.conversations.get(chat.id)).toEqual(chat)
    expect(await ctx.store.forUser(user.id).conversations.get(chat.id)).toEqual(chat)
  })

  it('stores title, origin, parameters and metadata as given', async () => {
    const user = await createUser(ctx.store)
    const chat = await ctx.store.forUser(user.id).conversations.create({
      title: 'Trip to Lisbon 🇵🇹',
      origin: 'website',
      parameters: { model: 'm-1', temperature: 0.7, stop: ['\n'], max_tokens: 512 },
      metadata: { tags: ['travel'], category: 'personal', custom: { nested: { ok: true } } },
    })
    expectConversationShape(chat)
    expect(chat).toMatchObject({
      user_id: user.id,
      title: 'Trip to Lisbon 🇵🇹',
      origin: 'website',
      parameters: { model: 'm-1', temperature: 0.7, stop: ['\n'], max_tokens: 512 },
      metadata: { tags: ['travel'], category: 'personal', custom: { nested: { ok: true } } },
    })
    expect(await ctx.store.conversations.get(chat.id)).toEqual(chat)
  })

  it('gives every conversation its own short_id', async () => {
    const user = await createUser(ctx.store)
    const made = await Promise.all(
      Array.from({ length: 10 }, () => ctx.store.conversations.create({ user_id: user.id })),
    )
    expect(new Set(made.map((c) => c.short_id)).size).toBe(10)
    expect(new Set(made.map((c) => c.id)).size).toBe(10)
  })

  it('sets archived_at or ended_at when created archived or closed', async () => {
    const user = await createUser(ctx.store)
    const archived = await ctx.store.conversations.create({ user_id: user.id, status: 'archived' })
    expect(archived.archived_at).toBe(archived.created_at)
    expect(archived.ended_at).toBeNull()
    const closed = await ctx.store.conversations.create({ user_id: user.id, status: 'closed' })
    expect(closed.ended_at).toBe(closed.created_at)
    expect(closed.archived_at).toBeNull()
  })

  it('refuses a conversation without a valid owner and writes nothing', async () => {
    const user = await createUser(ctx.store)
    const other = await createUser(ctx.store)
    const before = await countRows(ctx.store, 'conversations')
    await expectError(ctx.store.conversations.create({}), 'validation_failed', '/user_id')
    await expectError(ctx.store.conversations.create({ user_id: missingId() }), 'not_found')
    await expectError(
      ctx.store.forUser(user.id).conversations.create({ user_id: other.id }),
      'forbidden',
      '/user_id',
    )
    const cases: [unknown, string][] = [
      [{ user_id: user.id, title: 5 }, '/title'],
      [{ user_id: user.id, title: 'x'.repeat(501) }, '/title'],
      [{ user_id: user.id, status: 'deleted' }, '/status'],
      [{ user_id: user.id, origin: 'Has Spaces' }, '/origin'],
      [{ user_id: user.id, origin: '' }, '/origin'],
      [{ user_id: user.id, parameters: [] }, '/parameters'],
      [{ user_id: user.id, metadata: 'tags' }, '/metadata'],
      [{ user_id: user.id, metadata: { blob: 'x'.repeat(70_000) } }, '/metadata'],
      [{ user_id: user.id, colour: 'red' }, '/colour'],
    ]
    for (const [input, field] of cases) {
      await expectError(ctx.store.conversations.create(input as never), 'validation_failed', field)
    }
    expect(await countRows(ctx.store, 'conversations')).toBe(before)
  })

  it('updates title, metadata and parameters, and moves updated_at', async () => {
    const user = await createUser(ctx.store)
    const chat = await ctx.store.conversations.create({
      user_id: user.id,
      title: 'old',
      metadata: { tags: ['a'] },
      parameters: { temperature: 1 },
    })
    await sleep(2)
    const updated = await ctx.store.forUser(user.id).conversations.update(chat.id, {
      title: 'new',
      metadata: { tags: ['b'], category: 'x' },
      parameters: { temperature: 0.2, top_p: 0.9 },
    })
    expectConversationShape(updated)
    expect(updated).toMatchObject({
      id: chat.id,
      title: 'new',
      metadata: { tags: ['b'], category: 'x' },
      parameters: { temperature: 0.2, top_p: 0.9 },
      status: 'active',
      created_at: chat.created_at,
      short_id: chat.short_id,
    })
    expect(updated.updated_at > chat.updated_at).toBe(true)
    expect(await ctx.store.conversations.get(chat.id)).toEqual(updated)

    // Fields left out stay as they were; a null title clears it.
    const titleOnly = await ctx.store.conversations.update(chat.id, { title: null })
    expect(titleOnly).toMatchObject({
      title: null,
      metadata: { tags: ['b'], category: 'x' },
      parameters: { temperature: 0.2, top_p: 0.9 },
    })
  })

  it('tracks status changes with archived_at and ended_at', async () => {
    const user = await createUser(ctx.store)
    const chat = await ctx.store.conversations.create({ user_id: user.id })
    const conversations = ctx.store.forUser(user.id).conversations

    const archived = await conversations.archive(chat.id)
    expect(archived.status).toBe('archived')
    expect(archived.archived_at).toBe(archived.updated_at)
    expect(archived.ended_at).toBeNull()

    const unarchived = await conversations.unarchive(chat.id)
    expect(unarchived).toMatchObject({ status: 'active', archived_at: null, ended_at: null })

    const closed = await conversations.update(chat.id, { status: 'closed' })
    expect(closed.status).toBe('closed')
    expect(closed.ended_at).toBe(closed.updated_at)

    const reopened = await conversations.update(chat.id, { status: 'active' })
    expect(reopened).toMatchObject({ status: 'active', archived_at: null, ended_at: null })
    expect(await ctx.store.conversations.get(chat.id)).toEqual(reopened)
  })

  it('refuses a bad update with the field at fault and changes nothing', async () => {
    const user = await createUser(ctx.store)
    const chat = await ctx.store.conversations.create({ user_id: user.id, title: 't' })
    const cases: [unknown, string][] = [
      [{ status: 'gone' }, '/status'],
      [{ title: ['t'] }, '/title'],
      [{ metadata: null }, '/metadata'],
      [{ parameters: { big: 'x'.repeat(70_000) } }, '/parameters'],
      [{ user_id: missingId() }, '/user_id'],
      [{ origin: 'discord' }, '/origin'],
    ]
    for (const [input, field] of cases) {
      await expectError(
        ctx.store.conversations.update(chat.id, input as never),
        'validation_failed',
        field,
      )
    }
    expect(await ctx.store.conversations.get(chat.id)).toEqual(chat)
    await expectError(ctx.store.conversations.update(missingId(), { title: 'x' }), 'not_found')
  })

  it('lists a user’s conversations, most recently active first', async () => {
    const user = await createUser(ctx.store)
    const other = await createUser(ctx.store)
    await ctx.store.conversations.create({ user_id: other.id })
    const [a, b, c] = await createSeveral(ctx.store, user.id, 3)
    const conversations = ctx.store.forUser(user.id).conversations

    expect(ids(await conversations.list())).toEqual([c!.id, b!.id, a!.id])
    // Appending a message brings a conversation to the front.
    await ctx.store.messages.append(a!.id, { role: 'user', content: 'hello again' })
    const page = await conversations.list()
    expect(ids(page)).toEqual([a!.id, c!.id, b!.id])
    expect(page).toMatchObject({ has_more: false, first_id: a!.id, last_id: b!.id })
    for (const conversation of page.data) expectConversationShape(conversation)
    expect(page.data[0]!.message_count).toBe(1)
    // The admin view filtered by user shows the same.
    expect(ids(await ctx.store.conversations.list({ user_id: user.id }))).toEqual(ids(page))
  })

  it('answers an empty page for a user without conversations', async () => {
    const user = await createUser(ctx.store)
    expect(await ctx.store.forUser(user.id).conversations.list()).toEqual({
      data: [],
      has_more: false,
      first_id: null,
      last_id: null,
    })
  })

  it('pages with after and before, without duplicates or gaps', async () => {
    const user = await createUser(ctx.store)
    const made = await createSeveral(ctx.store, user.id, 7)
    const expected = made.map((c) => c.id).reverse()
    const conversations = ctx.store.forUser(user.id).conversations
    const list = (options: ConversationListOptions) => conversations.list(options)

    const pages = await walkForward(list, 3)
    expect(pages.map((p) => p.data.length)).toEqual([3, 3, 1])
    expect(pages.map((p) => p.has_more)).toEqual([true, true, false])
    for (const page of pages) {
      expect(page.first_id).toBe(page.data[0]!.id)
      expect(page.last_id).toBe(page.data.at(-1)!.id)
    }
    expect(pages.flatMap(ids)).toEqual(expected)

    // Backwards from the last page's first item gives the page before it, in list order.
    const back = await list({ before: pages[2]!.first_id!, limit: 3 })
    expect(ids(back)).toEqual(ids(pages[1]!))
    expect(back.has_more).toBe(true)
    const backToStart = await list({ before: back.first_id!, limit: 3 })
    expect(ids(backToStart)).toEqual(ids(pages[0]!))
    expect(backToStart.has_more).toBe(false)
    const wide = await list({ before: expected[4]!, limit: 100 })
    expect(ids(wide)).toEqual(expected.slice(0, 4))
    expect(wide.has_more).toBe(false)

    // Nothing before the first, nothing after the last.
    expect(await list({ before: expected[0]! })).toMatchObject({ data: [], has_more: false })
    expect(await list({ after: expected.at(-1)! })).toMatchObject({ data: [], has_more: false })
    // An exact fit says there is no more.
    expect((await list({ limit: 7 })).has_more).toBe(false)
    expect((await list({ limit: 6 })).has_more).toBe(true)
  })

  it('keeps pagination stable when the cursor row is deleted between pages', async () => {
    const user = await createUser(ctx.store)
    const made = await createSeveral(ctx.store, user.id, 5)
    const conversations = ctx.store.forUser(user.id).conversations
    const first = await conversations.list({ limit: 2 })
    await conversations.delete(first.last_id!)
    const second = await conversations.list({ limit: 2, after: first.last_id! })
    expect(ids(second)).toEqual([made[2]!.id, made[1]!.id])
  })

  it('refuses bad list options with the field at fault', async () => {
    const user = await createUser(ctx.store)
    const [a, b] = await createSeveral(ctx.store, user.id, 2)
    const conversations = ctx.store.forUser(user.id).conversations
    await expectError(
      conversations.list({ after: a!.id, before: b!.id }),
      'validation_failed',
      '/before',
    )
    await expectError(conversations.list({ limit: 0 }), 'validation_failed', '/limit')
    await expectError(conversations.list({ limit: 201 }), 'validation_failed', '/limit')
    await expectError(conversations.list({ limit: 1.5 }), 'validation_failed', '/limit')
    await expectError(conversations.list({ after: 'not-a-uuid' }), 'validation_failed', '/after')
    await expectError(conversations.list({ before: 'x' }), 'validation_failed', '/before')
    await expectError(
      conversations.list({ status: 'deleted' } as never),
      'validation_failed',
      '/status',
    )
    await expectError(conversations.list({ sort: 'asc' } as never), 'validation_failed', '/sort')
    await expectError(
      ctx.store.conversations.list({ user_id: 'not-a-uuid' }),
      'validation_failed',
      '/user_id',
    )
  })

  it('filters by status, origin and tag, and pages within a filter', async () => {
    const user = await createUser(ctx.store)
    const mk = (input: Parameters<Store['conversations']['create']>[0]) =>
      ctx.store.conversations.create({ user_id: user.id, ...input })
    const tagged = await mk({ metadata: { tags: ['work', 'urgent'] }, origin: 'website' })
    const archived = await mk({ status: 'archived', metadata: { tags: ['work'] } })
    const closed = await mk({ status: 'closed', origin: 'discord' })
    const tagString = await mk({ metadata: { tags: 'work' } })
    const otherKey = await mk({ metadata: { labels: ['work'] } })
    const plain = await mk({})
    const conversations = ctx.store.forUser(user.id).conversations
    const sorted = async (options: ConversationListOptions) =>
      ids(await conversations.list(options)).sort()

    expect(await sorted({ status: 'archived' })).toEqual([archived.id])
    expect(await sorted({ status: 'closed' })).toEqual([closed.id])
    expect(await sorted({ status: 'active' })).toEqual(
      [tagged.id, tagString.id, otherKey.id, plain.id].sort(),
    )
    expect(await sorted({ origin: 'discord' })).toEqual([closed.id])
    expect(await sorted({ origin: 'api' })).toEqual(
      [archived.id, tagString.id, otherKey.id, plain.id].sort(),
    )
    expect(await sorted({ origin: 'telegram' })).toEqual([])
    expect(await sorted({ tag: 'work' })).toEqual([tagged.id, archived.id].sort())
    expect(await sorted({ tag: 'urgent' })).toEqual([tagged.id])
    expect(await sorted({ tag: 'wor' })).toEqual([])
    expect(await sorted({ tag: 'work', status: 'active' })).toEqual([tagged.id])
    expect(await sorted({ tag: 'work', origin: 'website' })).toEqual([tagged.id])

    const pages = await walkForward((o) => conversations.list(o), 1, { tag: 'work' })
    expect(pages.flatMap(ids).sort()).toEqual([tagged.id, archived.id].sort())
  })

  it('finds or creates the conversation bound to a Discord channel', async () => {
    const user = await createUser(ctx.store)
    const channel = uniqueName('channel')
    const conversations = ctx.store.forUser(user.id).conversations
    const first = await conversations.findOrCreateByDiscordChannel(channel, {
      title: 'Bot chat',
      origin: 'discord',
    })
    expect(first.created).toBe(true)
    expectConversationShape(first.conversation)
    expect(first.conversation).toMatchObject({
      user_id: user.id,
      discord_channel_id: channel,
      title: 'Bot chat',
      origin: 'discord',
    })
    const second = await conversations.findOrCreateByDiscordChannel(channel, { title: 'ignored' })
    expect(second.created).toBe(false)
    expect(second.conversation).toEqual(first.conversation)

    // The admin store finds it too, given the owner.
    const admin = await ctx.store.conversations.findOrCreateByDiscordChannel(channel, {
      user_id: user.id,
    })
    expect(admin).toEqual({ conversation: first.conversation, created: false })

    // Another user cannot take the channel over, and is told only that it is taken: the very
    // answer its owner gets for binding it a second time.
    const other = await createUser(ctx.store)
    const refusals = await Promise.all(
      [
        ctx.store.forUser(other.id).conversations.findOrCreateByDiscordChannel(channel),
        ctx.store.conversations.create({ user_id: other.id, discord_channel_id: channel }),
        conversations.create({ discord_channel_id: channel }),
      ].map((call) =>
        call.then(
          () => undefined,
          (error: ChatkeepError) => ({
            code: error.code,
            field: error.field,
            message: error.message,
          }),
        ),
      ),
    )
    expect(refusals[0]).toEqual({
      code: 'conflict',
      field: '/discord_channel_id',
      message: '/discord_channel_id: another conversation is bound to this channel.',
    })
    expect(refusals[1]).toEqual(refusals[0])
    expect(refusals[2]).toEqual(refusals[0])
    expect(await countRows(ctx.store, 'conversations', { discord_channel_id: channel })).toBe(1)
  })

  it('creates one conversation for a channel under concurrent calls', async () => {
    const user = await createUser(ctx.store)
    const channel = uniqueName('busy')
    const second = await ctx.open()
    const calls = Array.from({ length: 12 }, (_, i) =>
      (i % 2 === 0 ? ctx.store : second)
        .forUser(user.id)
        .conversations.findOrCreateByDiscordChannel(channel, { origin: 'discord' }),
    )
    const results = await Promise.all(calls)
    expect(results.filter((r) => r.created)).toHaveLength(1)
    expect(new Set(results.map((r) => r.conversation.id)).size).toBe(1)
    expect(await countRows(ctx.store, 'conversations', { discord_channel_id: channel })).toBe(1)
    expect(await countRows(ctx.store, 'conversations', { user_id: user.id })).toBe(1)
  })

  it('binds a new conversation to a channel whose conversation was deleted', async () => {
    const user = await createUser(ctx.store)
    const channel = uniqueName('reborn')
    const conversations = ctx.store.forUser(user.id).conversations
    const { conversation: old } = await conversations.findOrCreateByDiscordChannel(channel)
    await conversations.delete(old.id)
    const fresh = await conversations.findOrCreateByDiscordChannel(channel)
    expect(fresh.created).toBe(true)
    expect(fresh.conversation.id).not.toBe(old.id)
    // The old one can still be restored; it no longer holds the channel.
    const restored = await conversations.restore(old.id)
    expect(restored.discord_channel_id).toBeNull()
    expect((await conversations.findOrCreateByDiscordChannel(channel)).conversation.id).toBe(
      fresh.conversation.id,
    )
  })

  it('refuses a bad channel id or defaults with the field at fault', async () => {
    const user = await createUser(ctx.store)
    const conversations = ctx.store.forUser(user.id).conversations
    await expectError(
      conversations.findOrCreateByDiscordChannel('x'.repeat(201)),
      'validation_failed',
      '/discord_channel_id',
    )
    await expectError(
      conversations.findOrCreateByDiscordChannel(5 as never),
      'validation_failed',
      '/discord_channel_id',
    )
    await expectError(
      conversations.findOrCreateByDiscordChannel(uniqueName(), { status: 'nope' } as never),
      'validation_failed',
      '/status',
    )
    await expectError(
      ctx.store.conversations.findOrCreateByDiscordChannel(uniqueName()),
      'validation_failed',
      '/user_id',
    )
    expect(await countRows(ctx.store, 'conversations', { user_id: user.id })).toBe(0)
  })
})
