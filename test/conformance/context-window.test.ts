import { expect, it } from 'vitest'
import type { ContextWindow } from '../../src/index.js'
import { testApp } from '../server/test-app.js'
import { describeEachEngine } from '../support/engines.js'
import { userWithConversation } from './helpers.js'

const contents = (w: ContextWindow) => w.messages.map((m) => m.message.content)

describeEachEngine('context window', (ctx) => {
  it('keeps the system prompt and the newest messages that fit the token budget', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    await ctx.store.messages.appendMany(conversation.id, [
      { role: 'system', content: 'sys', tokens_used: 50 },
      { role: 'user', content: 'q1', tokens_used: 10 },
      { role: 'assistant', content: 'a1', tokens_used: 10 },
      { role: 'user', content: 'q2', tokens_used: 10 },
      { role: 'assistant', content: 'a2', tokens_used: 10 },
    ])
    const w = await ctx.store.messages.context(conversation.id, { max_tokens: 75 })
    expect(contents(w)).toEqual(['sys', 'q2', 'a2'])
    expect(w).toMatchObject({ total_tokens: 70, total_messages: 3, omitted: 2, truncated: true })
    // Even a budget smaller than the system prompt keeps it.
    const tiny = await ctx.store.messages.context(conversation.id, { max_tokens: 1 })
    expect(contents(tiny)).toEqual(['sys'])
    const counted = await ctx.store.messages.context(conversation.id, { max_messages: 2 })
    expect(contents(counted)).toEqual(['sys', 'a2'])
  })

  it('shows a live reply with its status, and leaves out one aborted before any content', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    await ctx.store.messages.append(conversation.id, { role: 'user', content: 'q1' })
    const empty = await ctx.store.messages.start(conversation.id, { role: 'assistant' })
    await ctx.store.messages.abort(empty.id)
    await ctx.store.messages.append(conversation.id, { role: 'user', content: 'q2' })
    const cut = await ctx.store.messages.start(conversation.id, { role: 'assistant' })
    await ctx.store.messages.appendDelta(cut.id, { content: 'half' })
    await ctx.store.messages.abort(cut.id)
    await ctx.store.messages.append(conversation.id, { role: 'user', content: 'q3' })
    const live = await ctx.store.messages.start(conversation.id, { role: 'assistant' })
    await ctx.store.messages.appendDelta(live.id, { content: 'so far' })
    await ctx.store.flushStreams()
    const w = await ctx.store.messages.context(conversation.id)
    expect(w.messages.map((m) => [m.message.content, m.message.status])).toEqual([
      ['q1', 'complete'],
      ['q2', 'complete'],
      ['half', 'aborted'],
      ['q3', 'complete'],
      ['so far', 'streaming'],
    ])
    expect(w).toMatchObject({ total_messages: 5, omitted: 1, truncated: false })
    await ctx.store.messages.finish(live.id)
  })

  it('estimates ceil(chars / 4) + 4 tokens where tokens_used is not recorded', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    await ctx.store.messages.appendMany(conversation.id, [
      { role: 'user', content: 'x'.repeat(9) },
      { role: 'assistant', content: 'y', tokens_used: 7 },
    ])
    const w = await ctx.store.messages.context(conversation.id)
    expect(w.messages.map((m) => [m.tokens, m.token_source])).toEqual([
      [7, 'estimate'],
      [7, 'tokens_used'],
    ])
    expect(w).toMatchObject({ total_tokens: 14, omitted: 0, truncated: false })
  })

  it('takes a tool call with its results whole or not at all', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    await ctx.store.messages.appendMany(conversation.id, [
      { role: 'user', content: 'weather?', tokens_used: 10 },
      {
        role: 'assistant',
        content: '',
        tokens_used: 10,
        parts: [{ type: 'tool_call', id: 'c1', name: 'weather', arguments: {} }],
      },
      {
        role: 'tool',
        content: '',
        tokens_used: 10,
        parts: [{ type: 'tool_result', tool_call_id: 'c1', output: 'sunny' }],
      },
      { role: 'assistant', content: 'sunny', tokens_used: 10 },
    ])
    const dropped = await ctx.store.messages.context(conversation.id, { max_tokens: 25 })
    expect(contents(dropped)).toEqual(['sunny'])
    const kept = await ctx.store.messages.context(conversation.id, { max_tokens: 30 })
    expect(kept.messages.map((m) => m.message.role)).toEqual(['assistant', 'tool', 'assistant'])
  })

  it('replaces what the latest summary covers with the summary', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    const [, , a1] = await ctx.store.messages.appendMany(conversation.id, [
      { role: 'system', content: 'sys' },
      { role: 'user', content: 'q1' },
      { role: 'assistant', content: 'a1' },
    ])
    await ctx.store.messages.append(conversation.id, {
      role: 'system',
      content: 'summary',
      metadata: { summary_of: a1!.id },
    })
    await ctx.store.messages.append(conversation.id, { role: 'user', content: 'q2' })
    const w = await ctx.store.messages.context(conversation.id)
    expect(contents(w)).toEqual(['sys', 'summary', 'q2'])
    expect(w).toMatchObject({ omitted: 2, truncated: false })
  })

  it('reads the path to a leaf on another branch', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    const [, a1, q2] = await ctx.store.messages.appendMany(conversation.id, [
      { role: 'user', content: 'q1' },
      { role: 'assistant', content: 'a1' },
      { role: 'user', content: 'q2' },
    ])
    await ctx.store.messages.append(conversation.id, {
      role: 'user',
      content: 'q2b',
      parent_id: a1!.id,
    })
    expect(contents(await ctx.store.messages.context(conversation.id))).toEqual(['q1', 'a1', 'q2b'])
    const other = await ctx.store.messages.context(conversation.id, { leaf: q2!.id })
    expect(contents(other)).toEqual(['q1', 'a1', 'q2'])
  })

  it('serves the window over HTTP to the owner and 404 to anyone else', async () => {
    const t = await testApp(ctx.store)
    const conversation = await ctx.store.forUser(t.users.alice.id).conversations.create({})
    await ctx.store.messages.appendMany(conversation.id, [
      { role: 'system', content: 'sys', tokens_used: 5 },
      { role: 'user', content: 'q1', tokens_used: 5 },
      { role: 'user', content: 'q2', tokens_used: 5 },
    ])
    const url = `/v1/conversations/${conversation.id}/context?max_tokens=10`
    const mine = await t.app.inject({ url, headers: t.as('alice') })
    expect(mine.statusCode).toBe(200)
    expect(contents(mine.json<ContextWindow>())).toEqual(['sys', 'q2'])
    const theirs = await t.app.inject({ url, headers: t.as('bob') })
    expect(theirs.statusCode).toBe(404)
    await t.app.close()
  })
})
