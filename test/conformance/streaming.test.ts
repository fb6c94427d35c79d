/**
 * Live replies through the library: start, deltas checkpointed in groups, finish and abort,
 * the sweeper, and following a message with the async iterator, on both engines.
 */
import { randomBytes } from 'node:crypto'
import { expect, it } from 'vitest'
import type { Message, StreamEvent } from '../../src/index.js'
import { describeEachEngine } from '../support/engines.js'
import {
  createUser,
  expectError,
  expectMessageShape,
  sleep,
  userWithConversation,
} from './helpers.js'

/** Waits until `check` holds, looking every 20 ms for up to 10 s. */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  for (const deadline = Date.now() + 10_000; !(await check());) {
    if (Date.now() > deadline) throw new Error('the condition never held')
    await sleep(20)
  }
}

const textOf = (events: StreamEvent[]) =>
  events.map((e) => (e.type === 'end' ? '' : e.content)).join('')

describeEachEngine('live replies', (ctx) => {
  it('starts an answer with its id and sequence fixed at once, idempotent by request_id', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    await ctx.store.messages.append(conversation.id, {
      role: 'user',
      content: 'Hi',
      request_id: 't1',
    })
    const started = await ctx.store.messages.start(conversation.id, {
      role: 'assistant',
      request_id: 't1',
      model_version: 'gpt-test',
    })
    expectMessageShape(started)
    expect(started).toMatchObject({
      sequence: 2,
      status: 'streaming',
      content: '',
      finish_reason: null,
      completed_at: null,
    })
    expect((await ctx.store.messages.get(started.id)).status).toBe('streaming')
    expect((await ctx.store.conversations.get(conversation.id)).message_count).toBe(2)

    await ctx.store.messages.appendDelta(started.id, { content: 'Hel' })
    await ctx.store.flushStreams()
    const replay = await ctx.store.messages.start(conversation.id, {
      role: 'assistant',
      request_id: 't1',
      model_version: 'gpt-test',
    })
    expect(replay).toMatchObject({ id: started.id, sequence: 2, content: 'Hel' })
    await expectError(
      ctx.store.messages.start(conversation.id, {
        role: 'assistant',
        request_id: 't1',
        model_version: 'another-model',
      }),
      'conflict',
      '/request_id',
    )
    // Over the HTTP body's shape too: `status: "streaming"` on append is the same start.
    const next = await ctx.store.messages.append(conversation.id, {
      role: 'assistant',
      status: 'streaming',
    })
    expect(next).toMatchObject({ sequence: 3, status: 'streaming' })
    await expectError(
      ctx.store.messages.append(conversation.id, { role: 'assistant' }),
      'validation_failed',
      '/content',
    )
  })

  it('stores every delta and ends with finish in one transaction with the counters', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    const answer = await ctx.store.messages.start(conversation.id, {
      role: 'assistant',
      metadata: { source: 'start' },
    })
    const deltas = Array.from({ length: 300 }, (_, i) => `w${i} ✓ 😀 `)
    for (const content of deltas) await ctx.store.messages.appendDelta(answer.id, { content })
    const done = await ctx.store.messages.finish(answer.id, {
      tokens_used: 321,
      finish_reason: 'stop',
      metadata: { latency_ms: 900 },
    })
    expectMessageShape(done)
    expect(done).toMatchObject({
      id: answer.id,
      status: 'complete',
      content: deltas.join(''),
      tokens_used: 321,
      finish_reason: 'stop',
      metadata: { latency_ms: 900 },
    })
    expect(done.completed_at).not.toBeNull()
    expect(await ctx.store.messages.get(answer.id)).toEqual(done)
    const after = await ctx.store.conversations.get(conversation.id)
    expect(after.total_tokens).toBe(321)
    expect(after.last_activity).toBe(done.completed_at)

    // Finishing again the same way answers the message; anything more is refused.
    expect(await ctx.store.messages.finish(answer.id, { tokens_used: 321 })).toEqual(done)
    await expectError(
      ctx.store.messages.appendDelta(answer.id, { content: 'late' }),
      'message_not_streaming',
    )
    await expectError(ctx.store.messages.abort(answer.id), 'message_not_streaming')
    expect((await ctx.store.conversations.get(conversation.id)).total_tokens).toBe(321)
  })

  it('aborts keeping what arrived, and transcripts show the status', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    const answer = await ctx.store.messages.start(conversation.id, { role: 'assistant' })
    await ctx.store.messages.appendDelta(answer.id, { content: 'The answer is' })
    const aborted = await ctx.store.messages.abort(answer.id, { finish_reason: 'user_stop' })
    expect(aborted).toMatchObject({
      status: 'aborted',
      content: 'The answer is',
      finish_reason: 'user_stop',
    })
    const chunks: Buffer[] = []
    await ctx.store.transcripts.render(conversation.id, { format: 'markdown' }, (chunk) => {
      chunks.push(chunk)
    })
    expect(Buffer.concat(chunks).toString()).toContain('_aborted_')
  })

  it('checkpoints deltas within stream_checkpoint_ms, where another store reads them', async () => {
    const writer = await ctx.open({ stream_checkpoint_ms: 20 })
    const reader = await ctx.open()
    const { conversation } = await userWithConversation(writer)
    const answer = await writer.messages.start(conversation.id, { role: 'assistant' })
    await writer.messages.appendDelta(answer.id, { content: 'first ' })
    await writer.messages.appendDelta(answer.id, { content: 'second' })
    await eventually(async () => (await reader.messages.get(answer.id)).content === 'first second')
    // A delta of stream_checkpoint_chars or more is written at once.
    const big = 'x'.repeat(5000)
    await writer.messages.appendDelta(answer.id, { content: big })
    await eventually(async () => (await reader.messages.get(answer.id)).content.endsWith(big))
    // The other store can finish it: the content is the database's, not one process's.
    const done = await reader.messages.finish(answer.id)
    expect(done.content).toBe(`first second${big}`)
    // The writer learns of it at its next checkpoint, and refuses the deltas after it.
    await writer.messages.appendDelta(answer.id, { content: 'more' })
    await writer.flushStreams()
    await expectError(
      writer.messages.appendDelta(answer.id, { content: 'more' }),
      'message_not_streaming',
    )
    expect((await reader.messages.get(answer.id)).content).toBe(`first second${big}`)
  })

  it('streams an encrypted answer: checkpoints seal the content, finish keeps it sealed', async () => {
    const ring = `k1:${randomBytes(32).toString('base64')}`
    const writer = await ctx.open({ encryption_keys: ring, stream_checkpoint_ms: 10 })
    const reader = await ctx.open({ encryption_keys: ring })
    const { conversation } = await userWithConversation(writer)
    const answer = await writer.messages.start(conversation.id, { role: 'assistant' })
    await writer.messages.appendDelta(answer.id, { content: 'secret ' })
    await writer.flushStreams()
    await writer.messages.appendDelta(answer.id, { content: 'answer' })
    await eventually(async () => (await reader.messages.get(answer.id)).content === 'secret answer')
    const row = await ctx.store.database.kysely
      .selectFrom('messages')
      .select(['content', 'key_id'])
      .where('id', '=', answer.id)
      .executeTakeFirstOrThrow()
    expect(row).toEqual({ content: null, key_id: 'k1' })
    await writer.messages.appendDelta(answer.id, { content: '!' })
    expect((await writer.messages.finish(answer.id)).content).toBe('secret answer!')
    expect((await reader.messages.get(answer.id)).content).toBe('secret answer!')
  })

  it('adds parts as deltas: stored at once, after the parts already there, sealed when encrypted', async () => {
    let sealedId = ''
    for (const store of [
      ctx.store,
      await ctx.open({ encryption_keys: `k1:${randomBytes(32).toString('base64')}` }),
    ]) {
      const { conversation } = await userWithConversation(store)
      const answer = await store.messages.start(conversation.id, {
        role: 'assistant',
        parts: [{ type: 'reasoning', text: 'thinking' }],
      })
      await store.messages.appendDelta(answer.id, { content: 'Let me look. ' })
      const call = {
        type: 'tool_call' as const,
        id: 'c1',
        name: 'weather',
        arguments: { city: 'Oslo' },
      }
      await store.messages.appendDelta(answer.id, { parts: [call] })
      // Stored before the call answered, text accepted before it with it.
      const now = await ctx.store
        .forUser(answer.user_id)
        .messages.get(answer.id)
        .catch(() => null)
      if (store === ctx.store) {
        expect(now).toMatchObject({
          content: 'Let me look. ',
          parts: [{ type: 'reasoning' }, call],
        })
      }
      await store.messages.appendDelta(answer.id, { content: 'Sunny.' })
      const done = await store.messages.finish(answer.id)
      expect(done).toMatchObject({
        content: 'Let me look. Sunny.',
        parts: [{ type: 'reasoning', text: 'thinking' }, call],
      })
      expect((await store.messages.get(answer.id)).parts).toEqual(done.parts)
      if (store !== ctx.store) sealedId = answer.id
      await expectError(
        store.messages.appendDelta(answer.id, { parts: [call] }),
        'message_not_streaming',
      )
    }
    const sealed = await ctx.store.database.kysely
      .selectFrom('messages')
      .select(['parts', 'encrypted_parts'])
      .where('id', '=', sealedId)
      .executeTakeFirstOrThrow()
    expect(sealed.parts).toBeNull()
    expect(sealed.encrypted_parts).not.toBeNull()
  })

  it('refuses a part delta the role may not have, or a call id used twice, and keeps the rest', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    const answer = await ctx.store.messages.start(conversation.id, { role: 'assistant' })
    const call = { type: 'tool_call' as const, id: 'c1', name: 'f', arguments: {} }
    await ctx.store.messages.appendDelta(answer.id, { parts: [call] })
    await expectError(
      ctx.store.messages.appendDelta(answer.id, { parts: [call] }),
      'validation_failed',
    )
    await expectError(
      ctx.store.messages.appendDelta(answer.id, {
        parts: [{ type: 'tool_result', tool_call_id: 'c1', output: 'x' }],
      }),
      'validation_failed',
    )
    expect((await ctx.store.messages.finish(answer.id)).parts).toEqual([call])
  })

  it("keeps another user's live reply out of reach", async () => {
    const { conversation, user } = await userWithConversation(ctx.store)
    const other = await createUser(ctx.store)
    const mine = ctx.store.forUser(user.id)
    const theirs = ctx.store.forUser(other.id)
    const answer = await mine.messages.start(conversation.id, { role: 'assistant' })
    await expectError(theirs.messages.appendDelta(answer.id, { content: 'x' }), 'not_found')
    await expectError(theirs.messages.finish(answer.id), 'not_found')
    await expectError(theirs.messages.follow(answer.id).next(), 'not_found')
    await mine.messages.appendDelta(answer.id, { content: 'ok' })
    expect((await mine.messages.finish(answer.id)).content).toBe('ok')
  })

  it('sweeps a silent stream exactly once even with several sweepers, keeping its content', async () => {
    const sweepers = await Promise.all([1, 2, 3].map(() => ctx.open({ stream_timeout_ms: 200 })))
    const { conversation } = await userWithConversation(ctx.store)
    const silent = await ctx.store.messages.start(conversation.id, { role: 'assistant' })
    await ctx.store.messages.appendDelta(silent.id, { content: 'half an ans' })
    await ctx.store.flushStreams()
    const lively = await ctx.store.messages.start(conversation.id, { role: 'assistant' })
    await sleep(300)
    await ctx.store.messages.appendDelta(lively.id, { content: 'still here' })
    await ctx.store.flushStreams()
    const swept = (await Promise.all(sweepers.map((s) => s.sweepStreams()))).flat()
    expect(swept.filter((id) => id === silent.id)).toHaveLength(1)
    expect(swept).not.toContain(lively.id)
    expect(await ctx.store.messages.get(silent.id)).toMatchObject({
      status: 'aborted',
      content: 'half an ans',
      finish_reason: 'timeout',
    })
    await ctx.store.messages.appendDelta(silent.id, { content: 'wer' })
    await ctx.store.flushStreams()
    await expectError(
      ctx.store.messages.appendDelta(silent.id, { content: 'wer' }),
      'message_not_streaming',
    )
    expect((await ctx.store.messages.get(silent.id)).content).toBe('half an ans')
    expect((await ctx.store.messages.get(lively.id)).status).toBe('streaming')
  })

  it('follows an answer from another store: content so far, each delta, the end; and resumes', async () => {
    const follower = await ctx.open({ stream_poll_ms: 50 })
    const { conversation } = await userWithConversation(ctx.store)
    const answer = await ctx.store.messages.start(conversation.id, { role: 'assistant' })
    await ctx.store.messages.appendDelta(answer.id, { content: 'Once ' })
    await ctx.store.flushStreams()

    const events: StreamEvent[] = []
    const following = (async () => {
      for await (const event of follower.messages.follow(answer.id)) events.push(event)
    })()
    await eventually(async () => events.length > 0)
    for (const word of ['upon ', 'a ', 'time']) {
      await ctx.store.messages.appendDelta(answer.id, { content: word })
      await ctx.store.flushStreams()
      await sleep(30)
    }
    await ctx.store.messages.finish(answer.id, { finish_reason: 'stop' })
    await following
    expect(events[0]).toEqual({ type: 'content', offset: 5, content: 'Once ' })
    expect(events.slice(1, -1).every((e) => e.type === 'delta')).toBe(true)
    expect(textOf(events)).toBe('Once upon a time')
    const end = events.at(-1)!
    expect(end.type).toBe('end')
    expect((end as { message: Message }).message).toMatchObject({
      status: 'complete',
      finish_reason: 'stop',
    })
    expect(end.offset).toBe('Once upon a time'.length)

    const resumed: StreamEvent[] = []
    for await (const event of follower.messages.follow(answer.id, { after: 10 })) {
      resumed.push(event)
    }
    expect(resumed.map((e) => e.type)).toEqual(['content', 'end'])
    expect(textOf(resumed)).toBe('a time')
  })
})
