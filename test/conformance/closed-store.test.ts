import { expect, it } from 'vitest'
import { ChatkeepError, type Store } from '../../src/index.js'
import { describeEachEngine } from '../support/engines.js'
import { expectChatkeepError, userWithConversation } from './helpers.js'

type Calls = Record<string, (ids: Ids) => unknown[]>

interface Ids {
  user: string
  conversation: string
  message: string
}

/** Every method of every service that reads or writes the database, with arguments that pass validation. */
const DATABASE_CALLS: Record<string, Calls> = {
  users: {
    create: () => [{ username: 'closed_store_user' }],
    get: (ids) => [ids.user],
    find: (ids) => [ids.user],
    getByUsername: () => ['somebody'],
    getByDiscordId: () => ['80351110224678912'],
    findOrCreateByDiscordId: () => ['80351110224678912'],
    list: () => [{}],
    update: (ids) => [ids.user, { display_name: 'x' }],
    delete: (ids) => [ids.user],
  },
  conversations: {
    create: (ids) => [{ user_id: ids.user }],
    get: (ids) => [ids.conversation],
    list: () => [{}],
    update: (ids) => [ids.conversation, { title: 'x' }],
    fork: (ids) => [ids.conversation, {}],
    archive: (ids) => [ids.conversation],
    unarchive: (ids) => [ids.conversation],
    delete: (ids) => [ids.conversation],
    restore: (ids) => [ids.conversation],
    findOrCreateByDiscordChannel: (ids) => ['channel-1', { user_id: ids.user }],
    countForUser: (ids) => [ids.user],
  },
  messages: {
    append: (ids) => [ids.conversation, { role: 'user', content: 'x', parent_id: ids.message }],
    appendMany: (ids) => [ids.conversation, [{ role: 'user', content: 'x' }]],
    get: (ids) => [ids.message],
    citations: (ids) => [ids.message],
    edit: (ids) => [ids.message, { content: 'x' }],
    regenerate: (ids) => [ids.message, { content: 'x' }],
    siblings: (ids) => [ids.message],
    path: (ids) => [ids.conversation, {}],
    list: (ids) => [ids.conversation],
    lastN: (ids) => [ids.conversation, 20],
    lastPage: (ids) => [ids.conversation, 20],
    setFeedback: (ids) => [ids.message, 1],
    setEmbedding: (ids) => [ids.message, { embedding: [0.5, 0.5, 0.5, 0.5] }],
    delete: (ids) => [ids.message],
    restore: (ids) => [ids.message],
    countByRole: (ids) => [ids.conversation],
    getByRequestId: () => ['req-1'],
    listBySource: () => ['discord'],
    listFeedback: () => [{ rating: -1 }],
    saveUserMessage: (ids) => [ids.conversation, 'x'],
    saveAssistantMessage: (ids) => [ids.conversation, 'x', { latency_ms: 5 }],
    saveSystemMessage: (ids) => [ids.conversation, 'x'],
    context: (ids) => [ids.conversation, {}],
    start: (ids) => [ids.conversation, { role: 'assistant' }],
    appendDelta: (ids) => [ids.message, { content: 'x' }],
    finish: (ids) => [ids.message, {}],
    abort: (ids) => [ids.message, {}],
  },
  events: {
    list: () => [{}],
  },
  documents: {
    ingest: () => [{ chunks: [{ content: 'some text' }] }],
    get: (ids) => [ids.message],
    list: () => [{}],
    update: (ids) => [ids.message, { title: 'x' }],
    delete: (ids) => [ids.message],
    purgeDeleted: () => [new Date()],
    reconcileEmbeddings: () => [['emb-1']],
  },
  search: {
    search: () => [{ q: 'hello' }],
    similar: () => [{ embedding: Array.from({ length: 4 }, () => 0.5) }],
    similarMessages: () => [{ embedding: Array.from({ length: 4 }, () => 0.5) }],
    catchUp: () => [],
    status: () => [],
  },
  metrics: {
    ingest: () => [{ metrics: [{ source: 'bot', metric_type: 'latency' }] }],
    summarize: () => [{}],
    list: () => [{}],
  },
  audit: {
    record: () => [{ action: 'system.started' }],
    recordRead: () => [{ action: 'system.read' }],
    list: () => [{}],
    seal: () => [],
    verify: () => [{}],
  },
  usage: {
    report: () => [{}],
    prices: () => [],
    quotas: () => [],
    setQuotas: () => [{ default: null }],
    status: (ids) => [ids.user],
    assertWithinQuota: (ids) => [ids.user],
  },
  retention: {
    defaultPolicy: () => [],
    settings: () => [],
    update: () => [{ default: null }],
  },
  legalHolds: {
    create: (ids) => [{ user_id: ids.user, reason: 'r' }],
    list: () => [],
    release: (ids) => [ids.message],
  },
  config: {
    list: () => [],
    get: () => ['chat.context_messages'],
    find: () => ['chat.context_messages'],
    set: () => ['chat.context_messages', 10],
    delete: () => ['chat.context_messages'],
  },
  transcripts: {
    create: (ids) => [ids.conversation],
    render: (ids) => [ids.conversation, {}, () => {}],
    list: (ids) => [ids.conversation],
    get: (ids) => [ids.message],
    read: (ids) => [ids.message],
    delete: (ids) => [ids.message],
  },
}

/** Methods that never touch the database (the cache, files, sealing), called to show they do not throw raw either. */
const OTHER_CALLS: Record<string, Calls> = {
  users: { forget: (ids) => [ids.user] },
  messages: {
    prepareSeal: (ids) => [ids.user],
    sealFor: (ids) => [
      'x',
      { id: ids.message, conversation_id: ids.conversation, user_id: ids.user },
    ],
    // An async iterator: it answers when read, which the next test does.
    follow: (ids) => [ids.message],
  },
  transcripts: { removeFiles: () => [[]] },
  usage: { mayRefuse: () => [] },
}

/** Methods a caller never calls: the services' own helpers (TypeScript `private`). */
const INTERNAL: Record<string, string[]> = {
  conversations: ['getRow', 'ownerFor', 'explain'],
  messages: [
    'lastRows',
    'toRow',
    'seal',
    'checkParent',
    'checkQuota',
    'replayed',
    'whyNotAppended',
    'conversation',
    'end',
    'withEvent',
  ],
  documents: ['ingestIn', 'writableRow', 'ownerFor'],
  events: ['decode'],
  transcripts: ['renderInto', 'pages', 'location'],
}

const SCOPED = ['conversations', 'messages', 'documents', 'search', 'transcripts', 'events']

/** Refused before any database work, whatever the state of the store. */
const REFUSED_FIRST: Record<string, string> = {
  'forUser().documents.purgeDeleted': 'forbidden',
  'forUser().as().documents.purgeDeleted': 'forbidden',
}

function methodsOf(service: object): string[] {
  return Object.getOwnPropertyNames(Object.getPrototypeOf(service)).filter(
    (name) => name !== 'constructor',
  )
}

async function outcome(call: () => unknown): Promise<unknown> {
  try {
    await call()
    return undefined
  } catch (error) {
    return error
  }
}

/** Guarantee 8 on a closed store: every call answers a ChatkeepError with a code, never a raw driver error. */
describeEachEngine('a closed store', (ctx) => {
  it('answers store_closed from every method that needs the database, and says what to do', async () => {
    const { user, conversation } = await userWithConversation(ctx.store)
    const message = await ctx.store.messages.append(conversation.id, { role: 'user', content: 'q' })
    const ids = { user: user.id, conversation: conversation.id, message: message.id }
    const store = await ctx.open()
    await store.close()
    const scoped = store.forUser(user.id) as unknown as Record<string, object>
    // The audited views (store.as) answer the same: their reads fail before any row is written.
    const acting = store.as({ via: 'test' }) as unknown as Record<string, object>
    const actingScoped = store.forUser(user.id).as({ via: 'test' }) as unknown as Record<
      string,
      object
    >
    const services: [string, string, object][] = [
      ...Object.keys(DATABASE_CALLS).map(
        (name) =>
          [name, name, (store as unknown as Record<string, object>)[name]!] as [
            string,
            string,
            object,
          ],
      ),
      ...SCOPED.map(
        (name) => [`forUser().${name}`, name, scoped[name]!] as [string, string, object],
      ),
      ...['conversations', 'messages', 'search', 'audit', 'transcripts'].map(
        (name) => [`as().${name}`, name, acting[name]!] as [string, string, object],
      ),
      ...SCOPED.map(
        (name) => [`forUser().as().${name}`, name, actingScoped[name]!] as [string, string, object],
      ),
    ]
    const answers: Record<string, unknown> = {}
    for (const [label, name, service] of services) {
      for (const method of methodsOf(service)) {
        if (INTERNAL[name]?.includes(method)) continue
        const args = DATABASE_CALLS[name]?.[method] ?? OTHER_CALLS[name]?.[method]
        expect(args, `add ${name}.${method} to DATABASE_CALLS or OTHER_CALLS`).toBeDefined()
        const fn = (service as Record<string, (...a: unknown[]) => unknown>)[method]!
        const error = await outcome(() => fn.apply(service, args!(ids)))
        if (OTHER_CALLS[name]?.[method] !== undefined) {
          if (error !== undefined) expectChatkeepError(error)
          continue
        }
        expectChatkeepError(error)
        answers[`${label}.${method}`] = (error as ChatkeepError).code
      }
    }
    const expected = Object.fromEntries(
      Object.keys(answers).map((key) => [key, REFUSED_FIRST[key] ?? 'store_closed']),
    )
    expect(answers).toEqual(expected)
    expect(Object.keys(answers).length).toBeGreaterThan(50)
  })

  it('answers store_closed to a follower of a message', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    const message = await ctx.store.messages.append(conversation.id, { role: 'user', content: 'q' })
    const store = await ctx.open()
    await store.close()
    const error = await outcome(async () => {
      for await (const event of store.messages.follow(message.id)) void event
    })
    expectChatkeepError(error)
    expect((error as ChatkeepError).code).toBe('store_closed')
  })

  it('says the store is closed and to open a new one, and that retrying will not help', async () => {
    const { conversation } = await userWithConversation(ctx.store)
    const parent = await ctx.store.messages.append(conversation.id, { role: 'user', content: 'q' })
    const store: Store = await ctx.open()
    await store.close()
    const error = await outcome(() =>
      store.messages.append(conversation.id, {
        role: 'assistant',
        content: 'a',
        parent_id: parent.id,
      }),
    )
    expectChatkeepError(error)
    expect({ code: error.code, status: error.status, retriable: error.retriable }).toEqual({
      code: 'store_closed',
      status: 503,
      retriable: false,
    })
    expect(error.message).toMatch(/closed.*openStore/)
    await store.close() // closing twice is fine
  })
})
