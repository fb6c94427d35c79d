import {
  AIMessage,
  type BaseMessage,
  HumanMessage,
  SystemMessage,
  ToolMessage,
} from '@langchain/core/messages'
import { ChatPromptTemplate, MessagesPlaceholder } from '@langchain/core/prompts'
import { RunnableWithMessageHistory } from '@langchain/core/runnables'
import { FakeListChatModel } from '@langchain/core/utils/testing'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createClient } from '../../src/client/index.js'
import { ChatkeepError, openStore, type Store } from '../../src/index.js'
import { ChatkeepChatMessageHistory, LANGCHAIN_METADATA_KEY } from '../../src/langchain/index.js'
import { type RunningServer, startServer } from '../../src/server/serve.js'
import { createTestDatabase, ENGINES, type TestDatabase } from '../support/engines.js'
import { type HttpProxy, startHttpProxy } from '../support/http-proxy.js'

/**
 * ChatkeepChatMessageHistory with the real @langchain/core, on each engine, through the
 * library (a user's store) and over HTTP (chatkeep/client through a proxy that fails on cue).
 */

const PASSWORD = 'correct horse battery'
const BATCH = /^\/v1\/conversations\/[^/]+\/messages\/batch$/

/** One of each kind, with everything a model and a tool answer carry. */
function exchange(): BaseMessage[] {
  return [
    new SystemMessage('You are a travel agent.'),
    new HumanMessage({
      content: [
        { type: 'text', text: 'What is the weather in Lisbon?' },
        { type: 'image_url', image_url: { url: 'https://example.com/lisbon.png' } },
      ],
      additional_kwargs: { locale: 'pt-PT' },
    }),
    new AIMessage({
      id: 'run-42',
      content: '',
      tool_calls: [{ id: 'call_1', name: 'weather', args: { city: 'Lisbon' }, type: 'tool_call' }],
      additional_kwargs: { reasoning: 'look it up' },
      response_metadata: { model_name: 'gpt-test-1', finish_reason: 'tool_calls' },
      usage_metadata: { input_tokens: 30, output_tokens: 12, total_tokens: 42 },
    }),
    new ToolMessage({
      content: '{"c":21}',
      tool_call_id: 'call_1',
      name: 'weather',
      status: 'success',
      artifact: { source: 'ipma' },
    }),
    new AIMessage({
      content: 'It is 21 °C in Lisbon.',
      response_metadata: { model_name: 'gpt-test-1', finish_reason: 'stop' },
      usage_metadata: { input_tokens: 50, output_tokens: 8, total_tokens: 58 },
    }),
  ]
}

/** What a user of the history relies on: kind, content and every LangChain field. */
const shape = (message: BaseMessage) => ({
  type: message.getType(),
  content: message.content,
  name: message.name,
  additional_kwargs: message.additional_kwargs,
  response_metadata: message.response_metadata,
  ...(AIMessage.isInstance(message)
    ? {
        tool_calls: message.tool_calls,
        invalid_tool_calls: message.invalid_tool_calls,
        usage_metadata: message.usage_metadata,
      }
    : {}),
  ...(ToolMessage.isInstance(message)
    ? { tool_call_id: message.tool_call_id, status: message.status, artifact: message.artifact }
    : {}),
})

let counter = 0
const username = () => `lc_${process.pid}_${++counter}`

for (const engine of ENGINES) {
  describe(`ChatkeepChatMessageHistory [${engine}]`, () => {
    let database: TestDatabase
    let store: Store
    let server: RunningServer
    let proxy: HttpProxy

    beforeAll(async () => {
      database = await createTestDatabase(engine)
      store = await openStore({ database_url: database.database_url, migrate: true })
      server = await startServer({
        store_config: { database_url: database.database_url },
        server_config: {
          port: 0,
          log_level: 'silent',
          jwt_secret: 'langchain-test-secret-of-at-least-32-characters',
          rate_limit_per_minute: 100_000,
          auth_rate_limit_per_minute: 100_000,
        },
      })
      proxy = await startHttpProxy(server.url)
    })
    afterAll(async () => {
      await proxy?.close()
      await server?.close()
      await store?.close()
      await database?.drop()
    })

    /** A user's store and a fresh conversation of theirs. */
    async function libraryHistory(options: { last_n?: number } = {}) {
      const user = await store.users.create({ username: username() })
      const mine = store.forUser(user.id)
      const chat = await mine.conversations.create({ title: 'Lisbon' })
      const history = new ChatkeepChatMessageHistory({
        source: mine,
        conversation_id: chat.id,
        ...options,
      })
      return { history, mine, chat }
    }

    /** A logged-in client through the proxy and a fresh conversation of its user. */
    async function httpHistory() {
      const client = createClient({
        base_url: proxy.url,
        retry: { base_delay_ms: 5, max_delay_ms: 100 },
      })
      await client.auth.register({ username: username(), password: PASSWORD })
      const chat = await client.conversations.create({ title: 'Lisbon' })
      const history = new ChatkeepChatMessageHistory({
        source: client,
        conversation_id: chat.id,
        batch_backoff: { base_delay_ms: 5, max_delay_ms: 20 },
      })
      return { history, client, chat }
    }

    test('Human, AI, System and Tool messages round-trip through the library with every field', async () => {
      const { history, mine, chat } = await libraryHistory()
      const sent = exchange()
      await history.addMessages(sent)
      const read = await history.getMessages()
      expect(read.map(shape)).toEqual(sent.map(shape))
      // The AI message's own id is kept; the others take their Chatkeep id.
      expect(read[2]!.id).toBe('run-42')

      const stored = (await mine.messages.list(chat.id)).data
      expect(stored.map((m) => m.role)).toEqual([
        'system',
        'user',
        'assistant',
        'tool',
        'assistant',
      ])
      expect(read[0]!.id).toBe(stored[0]!.id)
      expect(stored.map((m) => m.tokens_used)).toEqual([0, 0, 42, 0, 58])
      expect(stored[2]!.model_version).toBe('gpt-test-1')
      expect(stored[1]!.content).toBe('What is the weather in Lisbon?')
      expect(stored[4]!.metadata[LANGCHAIN_METADATA_KEY]).toMatchObject({
        usage_metadata: { total_tokens: 58 },
      })
      expect((await mine.conversations.get(chat.id)).total_tokens).toBe(100)
    })

    test('the same messages round-trip over HTTP through chatkeep/client', async () => {
      const { history, client, chat } = await httpHistory()
      const sent = exchange()
      await history.addMessage(sent[0]!)
      await history.addMessages(sent.slice(1))
      expect((await history.getMessages()).map(shape)).toEqual(sent.map(shape))
      expect((await client.messages.lastN(chat.id, 1))[0]!.tokens_used).toBe(58)
    })

    test('messages written without LangChain read as the message of their role', async () => {
      const { history, mine, chat } = await libraryHistory()
      await mine.messages.appendMany(chat.id, [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello' },
      ])
      const read = await history.getMessages()
      expect(read.map((m) => [m.getType(), m.content])).toEqual([
        ['human', 'Hi'],
        ['ai', 'Hello'],
      ])
    })

    test('last_n reads only the last messages, oldest first; a long history reads whole', async () => {
      const { history, chat, mine } = await libraryHistory()
      const many = Array.from({ length: 450 }, (_, i) => new HumanMessage(`m${i}`))
      await history.addMessages(many)
      const all = await history.getMessages()
      expect(all.map((m) => m.content)).toEqual(many.map((m) => m.content))
      const window = new ChatkeepChatMessageHistory({
        source: mine,
        conversation_id: chat.id,
        last_n: 3,
      })
      expect((await window.getMessages()).map((m) => m.content)).toEqual(['m447', 'm448', 'm449'])
    })

    test('a batch with a message the store refuses stores none of it', async () => {
      const { history } = await libraryHistory()
      await history.addMessage(new HumanMessage('kept'))
      const batch = [
        new HumanMessage('first'),
        new AIMessage({ content: 'too big', additional_kwargs: { blob: 'x'.repeat(70_000) } }),
        new HumanMessage('third'),
      ]
      const error = await history.addMessages(batch).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ChatkeepError)
      expect((error as ChatkeepError).code).toBe('validation_failed')
      expect((await history.getMessages()).map((m) => m.content)).toEqual(['kept'])
    })

    test('a batch whose answer is lost is sent again and stored once', async () => {
      const { history } = await httpHistory()
      proxy.fail('POST', BATCH, { kind: 'drop_answer' })
      await history.addMessages([new HumanMessage('Hi'), new AIMessage('Hello')])
      const batches = proxy.seen.filter((s) => BATCH.test(s.url))
      expect(batches.at(-1)!.fault).toBeUndefined()
      expect(batches.at(-2)!.fault).toBe('drop_answer')
      expect((await history.getMessages()).map((m) => m.content)).toEqual(['Hi', 'Hello'])
    })

    test('a batch is sent again while no answer comes, up to batch_retries, and never half stored', async () => {
      const { history } = await httpHistory()
      await history.addMessage(new HumanMessage('before'))
      proxy.fail('POST', BATCH, { kind: 'drop_request' }, 3)
      await history.addMessages([new HumanMessage('a'), new AIMessage('b')])
      expect((await history.getMessages()).map((m) => m.content)).toEqual(['before', 'a', 'b'])

      // One attempt and three more (DEFAULT_BATCH_RETRIES), each cut: the caller hears of it.
      proxy.fail('POST', BATCH, { kind: 'drop_request' }, 4)
      const failed = await history
        .addMessages([new HumanMessage('c'), new AIMessage('d')])
        .catch((e: unknown) => e)
      expect(failed).toMatchObject({ code: 'unavailable' })
      expect((await history.getMessages()).map((m) => m.content)).toEqual(['before', 'a', 'b'])
    })

    test('clear cut short leaves the beginning of the history; clearing again empties it', async () => {
      const { history, client, chat } = await httpHistory()
      await history.addMessages(['one', 'two', 'three', 'four'].map((t) => new HumanMessage(t)))
      // The third delete (of "two") fails after the newest two are gone.
      let sent = 0
      const cut = new ChatkeepChatMessageHistory({
        source: {
          messages: {
            ...client.messages,
            delete: async (id: string) => {
              if (++sent === 3) throw new ChatkeepError('unavailable', 'cut')
              await client.messages.delete(id)
            },
          },
        },
        conversation_id: chat.id,
      })
      await expect(cut.clear()).rejects.toThrow('cut')
      expect((await history.getMessages()).map((m) => m.content)).toEqual(['one', 'two'])
      await history.clear()
      expect(await history.getMessages()).toEqual([])
      // The conversation stays, and the history goes on in it.
      await history.addMessage(new HumanMessage('again'))
      expect((await history.getMessages()).map((m) => m.content)).toEqual(['again'])
    })

    test('RunnableWithMessageHistory with a fake chat model keeps each session in Chatkeep', async () => {
      const user = await store.users.create({ username: username() })
      const mine = store.forUser(user.id)
      const sessions = new Map<string, string>()
      const historyOf = async (session: string) => {
        if (!sessions.has(session)) {
          sessions.set(session, (await mine.conversations.create({ title: session })).id)
        }
        return new ChatkeepChatMessageHistory({
          source: mine,
          conversation_id: sessions.get(session)!,
        })
      }
      const seenByModel: string[][] = []
      const model = new FakeListChatModel({ responses: ['Bonjour !', 'Au revoir !', 'Olá!'] })
      const prompt = ChatPromptTemplate.fromMessages([
        ['system', 'You answer in French.'],
        new MessagesPlaceholder('history'),
        ['human', '{question}'],
      ])
      const chain = prompt
        .pipe((value) => {
          seenByModel.push(value.toChatMessages().map((m) => String(m.content)))
          return value
        })
        .pipe(model)
      const withHistory = new RunnableWithMessageHistory({
        runnable: chain,
        getMessageHistory: historyOf,
        inputMessagesKey: 'question',
        historyMessagesKey: 'history',
      })
      const ask = (question: string, sessionId: string) =>
        withHistory.invoke({ question }, { configurable: { sessionId } })

      expect((await ask('Hello', 'a')).content).toBe('Bonjour !')
      expect((await ask('Goodbye', 'a')).content).toBe('Au revoir !')
      await ask('Hi', 'b')

      // The second turn of session a saw the first; session b saw nothing of a.
      expect(seenByModel[1]).toEqual(['You answer in French.', 'Hello', 'Bonjour !', 'Goodbye'])
      expect(seenByModel[2]).toEqual(['You answer in French.', 'Hi'])
      const stored = await mine.messages.list(sessions.get('a')!)
      expect(stored.data.map((m) => [m.role, m.content])).toEqual([
        ['user', 'Hello'],
        ['assistant', 'Bonjour !'],
        ['user', 'Goodbye'],
        ['assistant', 'Au revoir !'],
      ])
    })

    test('a message kind with no Chatkeep role is refused with what to store instead', async () => {
      const { history } = await libraryHistory()
      const { ChatMessage } = await import('@langchain/core/messages')
      await expect(history.addMessage(new ChatMessage('hi', 'critic'))).rejects.toMatchObject({
        code: 'validation_failed',
        message: expect.stringContaining('Human, AI, System or Tool'),
      })
    })
  })
}
