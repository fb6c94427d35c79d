import type { LanguageModelV3StreamPart } from '@ai-sdk/provider'
import {
  convertToModelMessages,
  jsonSchema,
  streamText,
  tool,
  type UIMessage,
  validateUIMessages,
} from 'ai'
import { MockLanguageModelV3 } from 'ai/test'
import { expect, test } from 'vitest'
import { type ChatMessages, loadChat, persistStream, saveChat } from '../../src/ai-sdk/index.js'
import { describeEachEngine } from '../support/engines.js'

/**
 * chatkeep/ai-sdk with the real `ai` package and its mock model, on each engine: a chat's
 * UIMessages saved and loaded back, and a streamText answer kept as a live reply.
 */

/** A chat with every kind of part a UIMessage carries. */
function chat(): UIMessage[] {
  return [
    { id: 'sys-1', role: 'system', parts: [{ type: 'text', text: 'You are a travel agent.' }] },
    {
      id: 'user-1',
      role: 'user',
      metadata: { locale: 'pt-PT' },
      parts: [
        { type: 'text', text: 'What is the weather in Lisbon?' },
        {
          type: 'file',
          mediaType: 'image/png',
          url: 'https://example.com/lisbon.png',
          filename: 'lisbon.png',
        },
      ],
    },
    {
      id: 'answer-1',
      role: 'assistant',
      metadata: { model: 'mock-1' },
      parts: [
        { type: 'step-start' },
        { type: 'reasoning', text: 'Look it up.', state: 'done' },
        {
          type: 'tool-weather',
          toolCallId: 'call_1',
          state: 'output-available',
          input: { city: 'Lisbon' },
          output: { c: 21 },
        },
        { type: 'text', text: 'It is 21 °C in Lisbon.', state: 'done' },
      ],
    },
  ]
}

/** A model whose stream the test feeds part by part. */
function controlledModel() {
  let controller!: ReadableStreamDefaultController<LanguageModelV3StreamPart>
  const stream = new ReadableStream<LanguageModelV3StreamPart>({
    start: (c) => {
      controller = c
    },
  })
  // As a provider's fetch does, the stream fails when the call is aborted.
  const model = new MockLanguageModelV3({
    doStream: async ({ abortSignal }) => {
      abortSignal?.addEventListener('abort', () => controller.error(abortSignal.reason))
      return { stream }
    },
  })
  return {
    model,
    push: (part: LanguageModelV3StreamPart) => controller.enqueue(part),
    close: () => controller.close(),
  }
}

const usage = {
  inputTokens: { total: 30, noCache: 30, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 12, text: 12, reasoning: undefined },
}

/** The messages of a source, with a promise that resolves once `n` deltas were accepted. */
function counting(messages: ChatMessages) {
  const waiters: Array<{ n: number; resolve: () => void }> = []
  let deltas = 0
  let started: string | undefined
  const wrapped: ChatMessages = {
    appendMany: (c, m) => messages.appendMany(c, m),
    list: (c, o) => messages.list(c, o),
    start: async (c, m) => {
      const answer = await messages.start(c, m)
      started = answer.id
      return answer
    },
    appendDelta: async (id, d) => {
      await messages.appendDelta(id, d)
      deltas++
      for (const w of waiters) if (deltas >= w.n) w.resolve()
    },
    finish: (id, f) => messages.finish(id, f),
    abort: (id, a) => messages.abort(id, a),
  }
  return {
    source: { messages: wrapped },
    deltas: (n: number) => new Promise<void>((resolve) => waiters.push({ n, resolve })),
    started: () => started!,
  }
}

let counter = 0
const username = () => `ai_${process.pid}_${++counter}`

describeEachEngine('chatkeep/ai-sdk', (ctx) => {
  async function fresh() {
    const user = await ctx.store.users.create({ username: username() })
    const mine = ctx.store.forUser(user.id)
    const conversation = await mine.conversations.create({ title: 'Lisbon' })
    return { mine, conversation_id: conversation.id }
  }

  test('a chat saved comes back with every part, its ids and metadata', async () => {
    const { mine, conversation_id } = await fresh()
    await saveChat(mine, conversation_id, chat())
    const loaded = await loadChat(mine, conversation_id)
    expect(loaded).toEqual(chat())
    await validateUIMessages({ messages: loaded })
    await convertToModelMessages(loaded)

    const [, user, answer] = await mine.messages.path(conversation_id)
    expect(user!.content).toBe('What is the weather in Lisbon?')
    expect(user!.parts).toContainEqual({
      type: 'file',
      url: 'https://example.com/lisbon.png',
      media_type: 'image/png',
      filename: 'lisbon.png',
    })
    expect(answer!.parts).toEqual([
      { type: 'reasoning', text: 'Look it up.' },
      { type: 'tool_call', id: 'call_1', name: 'weather', arguments: { city: 'Lisbon' } },
      { type: 'text', text: 'It is 21 °C in Lisbon.' },
    ])
  })

  test('saving the whole chat again, or a retry, appends only the new messages', async () => {
    const { mine, conversation_id } = await fresh()
    const [system, user, answer] = chat()
    await saveChat(mine, conversation_id, [system!, user!])
    await saveChat(mine, conversation_id, [system!, user!])
    const appended = await saveChat(mine, conversation_id, [system!, user!, answer!])
    expect(appended).toHaveLength(1)
    expect(await saveChat(mine, conversation_id, chat())).toEqual([])
    expect((await loadChat(mine, conversation_id)).map((m) => m.id)).toEqual([
      'sys-1',
      'user-1',
      'answer-1',
    ])
  })

  test('a streamed answer is stored as it streams and finished with its usage', async () => {
    const { mine, conversation_id } = await fresh()
    const { model, push, close } = controlledModel()
    const watched = counting(mine.messages)
    const result = streamText({ model, prompt: 'Weather in Lisbon?' })
    const kept = persistStream(watched.source, conversation_id, result, {
      message_id: 'answer-7',
      model_version: 'mock-1',
    })
    push({ type: 'stream-start', warnings: [] })
    push({ type: 'text-start', id: 't' })
    push({ type: 'text-delta', id: 't', delta: 'It is ' })
    push({ type: 'text-delta', id: 't', delta: '21 °C' })
    await watched.deltas(2)
    await ctx.store.flushStreams()
    const midway = await mine.messages.get(watched.started())
    expect(midway.status).toBe('streaming')
    expect(midway.content).toBe('It is 21 °C')

    push({ type: 'text-delta', id: 't', delta: ' in Lisbon.' })
    push({ type: 'text-end', id: 't' })
    push({ type: 'finish', usage, finishReason: { unified: 'stop', raw: 'stop' } })
    close()
    const answer = await kept
    expect(answer).toMatchObject({
      status: 'complete',
      content: 'It is 21 °C in Lisbon.',
      tokens_used: 42,
      finish_reason: 'stop',
      model_version: 'mock-1',
      request_id: 'answer-7',
    })
    expect(await loadChat(mine, conversation_id)).toEqual([
      {
        id: 'answer-7',
        role: 'assistant',
        parts: [{ type: 'text', text: 'It is 21 °C in Lisbon.' }],
      },
    ])
    // The UI's own save of the same answer after the stream stores nothing twice.
    expect(
      await saveChat(mine, conversation_id, [
        {
          id: 'answer-7',
          role: 'assistant',
          parts: [{ type: 'text', text: 'It is 21 °C in Lisbon.' }],
        },
      ]),
    ).toEqual([])
  })

  test('a streamed tool call is stored as it is made, and loads as the tool part', async () => {
    const { mine, conversation_id } = await fresh()
    const { model, push, close } = controlledModel()
    const watched = counting(mine.messages)
    const weather = tool({
      inputSchema: jsonSchema<{ city: string }>({
        type: 'object',
        properties: { city: { type: 'string' } },
        required: ['city'],
      }),
    })
    const result = streamText({ model, prompt: 'Weather?', tools: { weather } })
    const kept = persistStream(watched.source, conversation_id, result, {
      message_id: 'answer-8',
    })
    push({ type: 'stream-start', warnings: [] })
    push({ type: 'text-start', id: 't' })
    push({ type: 'text-delta', id: 't', delta: 'Looking it up.' })
    push({ type: 'text-end', id: 't' })
    push({
      type: 'tool-call',
      toolCallId: 'call_9',
      toolName: 'weather',
      input: JSON.stringify({ city: 'Lisbon' }),
    })
    await watched.deltas(2)
    const call = {
      type: 'tool_call',
      id: 'call_9',
      name: 'weather',
      arguments: { city: 'Lisbon' },
    }
    // Stored before the stream goes on: no checkpoint needed.
    expect((await mine.messages.get(watched.started())).parts).toEqual([call])
    push({ type: 'finish', usage, finishReason: { unified: 'tool-calls', raw: 'tool_calls' } })
    close()
    const answer = await kept
    expect(answer).toMatchObject({
      status: 'complete',
      finish_reason: 'tool-calls',
      parts: [call],
    })
    const [loaded] = await loadChat(mine, conversation_id)
    expect(loaded!.parts).toEqual([
      { type: 'text', text: 'Looking it up.' },
      {
        type: 'tool-weather',
        toolCallId: 'call_9',
        state: 'input-available',
        input: { city: 'Lisbon' },
      },
    ])
  })

  test('a stream stopped by the user is kept as aborted with what arrived', async () => {
    const { mine, conversation_id } = await fresh()
    const { model, push } = controlledModel()
    const watched = counting(mine.messages)
    const stop = new AbortController()
    const result = streamText({ model, prompt: 'Weather?', abortSignal: stop.signal })
    const kept = persistStream(watched.source, conversation_id, result)
    push({ type: 'stream-start', warnings: [] })
    push({ type: 'text-start', id: 't' })
    push({ type: 'text-delta', id: 't', delta: 'It is' })
    await watched.deltas(1)
    stop.abort()
    const answer = await kept
    expect(answer).toMatchObject({
      status: 'aborted',
      content: 'It is',
      finish_reason: 'aborted',
    })
    expect((await loadChat(mine, conversation_id))[0]!.parts).toEqual([
      { type: 'text', text: 'It is' },
    ])
  })
})
