/**
 * What the seed apps call (issue 12, item 6), on both engines: the save_*_message helpers
 * (002), a turn by request_id (004), conversations by short_id and counted per user (003, 002),
 * users by discord_id (004), messages by metadata.source (002), and ratings with a reason (001).
 */
import { expect, it } from 'vitest'
import { describeEachEngine } from '../support/engines.js'
import { collectStats } from '../../src/index.js'
import { createUser, expectError, missingId, uniqueName, userWithConversation } from './helpers.js'

describeEachEngine('seed calls', (ctx) => {
  it('saves user, assistant and system messages as seed 002 does, latency in metadata', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    const messages = ctx.store.messages
    const system = await messages.saveSystemMessage(conversation.id, 'Be brief.')
    const question = await messages.saveUserMessage(conversation.id, 'Hello!', {
      request_id: 'req_123',
    })
    const answer = await messages.saveAssistantMessage(conversation.id, 'Hi.', {
      request_id: 'req_123',
      tokens_used: 42,
      model_version: 'gpt-4o',
      latency_ms: 830,
      metadata: { confidence: 0.9 },
    })
    expect([system, question, answer].map((m) => [m.role, m.sequence])).toEqual([
      ['system', 1],
      ['user', 2],
      ['assistant', 3],
    ])
    expect(answer).toMatchObject({
      tokens_used: 42,
      model_version: 'gpt-4o',
      metadata: { confidence: 0.9, latency_ms: 830 },
    })
    // The same turn saved again (a retry) stores nothing new.
    const again = await messages.saveUserMessage(conversation.id, 'Hello!', {
      request_id: 'req_123',
    })
    expect(again).toEqual(question)
    const after = await ctx.store.conversations.get(conversation.id)
    expect(after).toMatchObject({ message_count: 3, total_tokens: 42 })
  })

  it("finds a turn's messages by request_id, only the caller's and only live ones", async () => {
    const { user, conversation } = await userWithConversation(ctx.store)
    const other = await ctx.store.conversations.create({ user_id: user.id })
    const key = uniqueName('req')
    const question = await ctx.store.messages.saveUserMessage(conversation.id, 'Q', {
      request_id: key,
    })
    const answer = await ctx.store.messages.saveAssistantMessage(conversation.id, 'A', {
      request_id: key,
    })
    const elsewhere = await ctx.store.messages.saveUserMessage(other.id, 'Q again', {
      request_id: key,
    })
    const mine = ctx.store.forUser(user.id).messages
    expect((await mine.getByRequestId(key)).map((m) => m.id)).toEqual([
      question.id,
      answer.id,
      elsewhere.id,
    ])
    expect(
      (await mine.getByRequestId(key, { conversation_id: conversation.id })).map((m) => m.id),
    ).toEqual([question.id, answer.id])
    await ctx.store.messages.delete(answer.id)
    expect(
      (await mine.getByRequestId(key, { conversation_id: conversation.id })).map((m) => m.id),
    ).toEqual([question.id])
    const stranger = await createUser(ctx.store)
    expect(await ctx.store.forUser(stranger.id).messages.getByRequestId(key)).toEqual([])
    expect(await mine.getByRequestId('no-such-request')).toEqual([])
    await expectError(mine.getByRequestId(''), 'validation_failed', '/request_id')
  })

  it('gets a conversation by short_id as by id, and never another user’s', async () => {
    const { user, conversation } = await userWithConversation(ctx.store)
    const mine = ctx.store.forUser(user.id).conversations
    expect(await mine.get(conversation.short_id)).toEqual(conversation)
    expect(await ctx.store.conversations.get(conversation.short_id)).toEqual(conversation)
    const stranger = await createUser(ctx.store)
    const theirs = await expectError(
      ctx.store.forUser(stranger.id).conversations.get(conversation.short_id),
      'not_found',
    )
    const missing = await expectError(mine.get('0000000000'), 'not_found')
    expect(theirs.status).toBe(missing.status)
    await ctx.store.conversations.delete(conversation.id)
    await expectError(mine.get(conversation.short_id), 'not_found')
  })

  it("counts a user's live conversations, per status too; a user counts only their own", async () => {
    const user = await createUser(ctx.store)
    const conversations = ctx.store.conversations
    const [a, b] = await Promise.all([
      conversations.create({ user_id: user.id }),
      conversations.create({ user_id: user.id }),
      conversations.create({ user_id: user.id, status: 'archived' }),
    ])
    await conversations.delete(b!.id)
    expect(await conversations.countForUser(user.id)).toBe(2)
    expect(await conversations.countForUser(user.id, { status: 'active' })).toBe(1)
    expect(await conversations.countForUser(user.id, { status: 'archived' })).toBe(1)
    expect(await ctx.store.forUser(user.id).conversations.countForUser(user.id)).toBe(2)
    expect(await conversations.countForUser(missingId())).toBe(0)
    const stranger = await createUser(ctx.store)
    await expectError(
      ctx.store.forUser(stranger.id).conversations.countForUser(user.id),
      'not_found',
    )
    await expectError(
      // @ts-expect-error a status that does not exist
      conversations.countForUser(user.id, { status: 'open' }),
      'validation_failed',
      '/status',
    )
    expect(a!.user_id).toBe(user.id)
  })

  it('finds and creates users by discord_id, one user however many callers at once', async () => {
    const discordId = `${Date.now()}${Math.floor(Math.random() * 1e6)}`
    await expectError(ctx.store.users.getByDiscordId(discordId), 'not_found')
    const outcomes = await Promise.all(
      Array.from({ length: 4 }, () =>
        ctx.store.users.findOrCreateByDiscordId(discordId, { display_name: 'Ferris' }),
      ),
    )
    const ids = new Set(outcomes.map((o) => o.user.id))
    expect(ids.size).toBe(1)
    expect(outcomes.filter((o) => o.created)).toHaveLength(1)
    const user = await ctx.store.users.getByDiscordId(discordId)
    expect(user).toMatchObject({
      discord_id: discordId,
      username: `discord_${discordId}`,
      display_name: 'Ferris',
    })
    expect(await ctx.store.users.findOrCreateByDiscordId(discordId)).toEqual({
      user,
      created: false,
    })
    const named = await ctx.store.users.findOrCreateByDiscordId(`${discordId}1`, {
      username: uniqueName('named'),
    })
    expect(named.created).toBe(true)
    // A username someone has is a conflict on it, and no user is left half-made.
    await expectError(
      ctx.store.users.findOrCreateByDiscordId(`${discordId}2`, { username: user.username }),
      'conflict',
      '/username',
    )
    await expectError(ctx.store.users.getByDiscordId(`${discordId}2`), 'not_found')
    await expectError(ctx.store.users.getByDiscordId(''), 'validation_failed', '/discord_id')
  })

  it('lists messages by metadata.source, oldest first, page by page, only the caller’s', async () => {
    const { user, conversation } = await userWithConversation(ctx.store)
    const source = uniqueName('source')
    const tagged = []
    for (let i = 0; i < 5; i++) {
      tagged.push(
        await ctx.store.messages.append(conversation.id, {
          role: 'user',
          content: `from the feed ${i}`,
          metadata: { source },
        }),
      )
      await ctx.store.messages.append(conversation.id, {
        role: 'assistant',
        content: 'no source',
        metadata: { source: `${source}-other` },
      })
    }
    const stranger = await userWithConversation(ctx.store)
    await ctx.store.messages.append(stranger.conversation.id, {
      role: 'user',
      content: 'theirs',
      metadata: { source },
    })
    await ctx.store.messages.delete(tagged[4]!.id)
    const mine = ctx.store.forUser(user.id).messages
    const first = await mine.listBySource(source, { limit: 3 })
    expect(first.data.map((m) => m.id)).toEqual(tagged.slice(0, 3).map((m) => m.id))
    expect(first.has_more).toBe(true)
    const second = await mine.listBySource(source, { limit: 3, after: first.last_id! })
    expect(second.data.map((m) => m.id)).toEqual([tagged[3]!.id])
    expect(second.has_more).toBe(false)
    // An admin sees every user's.
    expect((await ctx.store.messages.listBySource(source)).data).toHaveLength(5)
    await expectError(mine.listBySource(source, { after: 'x' }), 'validation_failed', '/after')
  })

  it('keeps a reason with a rating, clears it with the rating, and refuses one alone', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    const answer = await ctx.store.messages.saveAssistantMessage(conversation.id, 'Opens at 6.')
    const rated = await ctx.store.messages.setFeedback(answer.id, -1, 'It opens at 9')
    expect(rated).toEqual({ ...answer, feedback: -1, feedback_reason: 'It opens at 9' })
    expect(await ctx.store.messages.get(answer.id)).toEqual(rated)
    const up = await ctx.store.messages.setFeedback(answer.id, 1)
    expect(up).toMatchObject({ feedback: 1, feedback_reason: null })
    await expectError(
      ctx.store.messages.setFeedback(answer.id, null, 'why'),
      'validation_failed',
      '/feedback_reason',
    )
    await expectError(
      ctx.store.messages.setFeedback(answer.id, -1, 'x'.repeat(2001)),
      'validation_failed',
      '/feedback_reason',
    )
    // A refused rating changed nothing.
    expect(await ctx.store.messages.get(answer.id)).toEqual(up)
    const cleared = await ctx.store.messages.setFeedback(answer.id, null)
    expect(cleared).toMatchObject({ feedback: null, feedback_reason: null })
  })

  it('lists rated messages newest first, by rating, a user’s own and an admin all; stats count them', async () => {
    const before = (await collectStats(ctx.store.database)).feedback
    const alice = await userWithConversation(ctx.store, 'alice')
    const bob = await userWithConversation(ctx.store, 'bob')
    const answer = (c: { id: string }, text: string) =>
      ctx.store.messages.saveAssistantMessage(c.id, text)
    const a1 = await answer(alice.conversation, 'a1')
    const a2 = await answer(alice.conversation, 'a2')
    const a3 = await answer(alice.conversation, 'a3')
    const b1 = await answer(bob.conversation, 'b1')
    await answer(alice.conversation, 'unrated')
    await ctx.store.messages.setFeedback(a1.id, -1, 'wrong')
    await ctx.store.messages.setFeedback(a2.id, 1)
    await ctx.store.messages.setFeedback(a3.id, -1)
    await ctx.store.messages.setFeedback(b1.id, -1, 'rude')
    const mine = ctx.store.forUser(alice.user.id).messages
    expect((await mine.listFeedback()).data.map((m) => m.content)).toEqual(['a3', 'a2', 'a1'])
    const down = await mine.listFeedback({ rating: -1, limit: 1 })
    expect(down.data.map((m) => m.content)).toEqual(['a3'])
    expect(down.has_more).toBe(true)
    const next = await mine.listFeedback({ rating: -1, limit: 1, after: down.last_id! })
    expect(next.data.map((m) => [m.content, m.feedback_reason])).toEqual([['a1', 'wrong']])
    const all = (await ctx.store.messages.listFeedback({ rating: -1 })).data.map((m) => m.content)
    expect(all.slice(0, 3)).toEqual(['b1', 'a3', 'a1'])
    await ctx.store.messages.delete(a3.id)
    expect((await mine.listFeedback({ rating: -1 })).data.map((m) => m.content)).toEqual(['a1'])
    await expectError(
      // @ts-expect-error a rating that does not exist
      mine.listFeedback({ rating: 0 }),
      'validation_failed',
      '/rating',
    )
    const stats = (await collectStats(ctx.store.database)).feedback
    // Stats count every stored rating, a soft-deleted message's too.
    expect(stats).toEqual({
      up: before.up + 1,
      down: before.down + 3,
      with_reason: before.with_reason + 2,
    })
  })
})
