import { expect, it } from 'vitest'
import type { Conversation, Message, Store, User } from '../../src/index.js'
import type { SearchHit } from '../../src/schemas/search.js'
import { describeEachEngine } from '../support/engines.js'
import { createUser, expectError, sleep, uniqueName } from './helpers.js'

/**
 * The shared corpus: the same texts on both engines, and for every query the exact set of hits
 * expected, by the text's key. Simple English words: both engines match them whole, ignoring
 * case, without stemming.
 */
const MESSAGES: Record<string, [role: 'user' | 'assistant', content: string]> = {
  m1: ['user', 'How do I plan a trip to Lisbon?'],
  m2: ['assistant', 'Lisbon is lovely in spring. Book the TRAIN early.'],
  m3: ['user', 'What about trains from Porto to Lisbon'],
  m4: ['assistant', 'The train from Porto takes three hours.'],
  m5: ['user', 'Thanks, and a hotel near the river?'],
}
const CHUNKS: Record<string, [doc: 'guide' | 'faq', content: string]> = {
  c1: ['guide', 'Install the package with npm and open a store.'],
  c2: ['guide', 'A store keeps conversations and messages.'],
  c3: ['faq', 'Can I open the store twice? Yes, every store shares one file.'],
  c4: ['faq', 'Messages are append only.'],
}
const MESSAGE_QUERIES: Record<string, string[]> = {
  lisbon: ['m1', 'm2', 'm3'],
  'LISBON trip': ['m1'],
  train: ['m2', 'm4'],
  trains: ['m3'],
  'porto train': ['m4'],
  'porto, lisbon!': ['m3'],
  hotel: ['m5'],
  'the river': ['m5'],
  missing: [],
}
const CHUNK_QUERIES: Record<string, string[]> = {
  store: ['c1', 'c2', 'c3'],
  'open store': ['c1', 'c3'],
  messages: ['c2', 'c4'],
  'append only': ['c4'],
  npm: ['c1'],
}

describeEachEngine('full-text search', (ctx) => {
  let user: User
  let other: User
  let chat: Conversation
  const messageKey = new Map<string, string>()
  const chunkKey = new Map<string, string>()
  let messages: Message[] = []
  let guideId = ''

  const keys = (hits: SearchHit[], map: Map<string, string>) =>
    hits.map((h) => map.get(h.id) ?? `foreign:${h.id}`).sort()

  async function setUp(store: Store) {
    user = await createUser(store)
    other = await createUser(store, 'other')
    chat = await store.conversations.create({ user_id: user.id, title: 'trip' })
    messages = []
    for (const [key, [role, content]] of Object.entries(MESSAGES)) {
      const message = await store.messages.append(chat.id, { role, content })
      messageKey.set(message.id, key)
      messages.push(message)
      await sleep(2)
    }
    // Another user's messages with the same words never show.
    const theirs = await store.conversations.create({ user_id: other.id })
    for (const [role, content] of Object.values(MESSAGES)) {
      await store.messages.append(theirs.id, { role, content })
    }
    const asUser = store.forUser(user.id)
    for (const docType of ['guide', 'faq'] as const) {
      const entries = Object.entries(CHUNKS).filter(([, [d]]) => d === docType)
      const result = await (docType === 'guide' ? store.documents : asUser.documents).ingest({
        source_url: `https://docs.example/${uniqueName(docType)}`,
        doc_type: docType,
        title: docType,
        chunks: entries.map(([, [, content]]) => ({ content })),
      })
      if (docType === 'guide') guideId = result.document.id
      result.chunks.forEach((c, i) => chunkKey.set(c.id, entries[i]![0]))
    }
    // Another user's private document with the same words never shows.
    await store.forUser(other.id).documents.ingest({
      doc_type: 'faq',
      chunks: Object.values(CHUNKS).map(([, content]) => ({ content })),
    })
  }

  it('finds the same set of messages on both engines for the shared corpus', async () => {
    await setUp(ctx.store)
    const asUser = ctx.store.forUser(user.id)
    for (const [q, expected] of Object.entries(MESSAGE_QUERIES)) {
      const page = await asUser.search.search({ q, limit: 50 })
      expect({ q, hits: keys(page.data, messageKey) }).toEqual({ q, hits: expected })
      expect(page.has_more).toBe(false)
      for (const hit of page.data) {
        expect(hit).toMatchObject({ object: 'message', conversation_id: chat.id })
        expect(hit.snippet).toMatch(/<mark>[^<]+<\/mark>/)
        expect(typeof hit.score).toBe('number')
      }
    }
  })

  it('finds the same set of chunks, own and shared, on both engines', async () => {
    const asUser = ctx.store.forUser(user.id)
    for (const [q, expected] of Object.entries(CHUNK_QUERIES)) {
      const page = await asUser.search.search({ q, scope: 'documents', limit: 50 })
      expect({ q, hits: keys(page.data, chunkKey) }).toEqual({ q, hits: expected })
      for (const hit of page.data) expect(hit.object).toBe('document_chunk')
    }
    const guide = await asUser.search.search({ q: 'store', scope: 'documents', doc_type: 'guide' })
    expect(keys(guide.data, chunkKey)).toEqual(['c1', 'c2'])
    expect(guide.data[0]).toMatchObject({ doc_type: 'guide', title: 'guide', document_id: guideId })
    const byDoc = await asUser.search.search({
      q: 'store',
      scope: 'documents',
      document_id: guideId,
    })
    expect(keys(byDoc.data, chunkKey)).toEqual(['c1', 'c2'])
  })

  it('highlights the matched words and ranks a closer match first', async () => {
    const page = await ctx.store.forUser(user.id).search.search({ q: 'porto train' })
    expect(page.data[0]!.snippet).toContain('<mark>Porto</mark>')
    expect(page.data[0]!.snippet.toLowerCase()).toContain('<mark>train</mark>')
  })

  it('filters by conversation, role and date range', async () => {
    const asUser = ctx.store.forUser(user.id)
    const roles = await asUser.search.search({ q: 'lisbon', role: 'assistant' })
    expect(keys(roles.data, messageKey)).toEqual(['m2'])
    const inChat = await asUser.search.search({ q: 'lisbon', conversation_id: chat.id })
    expect(keys(inChat.data, messageKey)).toEqual(['m1', 'm2', 'm3'])
    const since = await asUser.search.search({
      q: 'lisbon',
      created_after: messages[1]!.created_at,
    })
    expect(keys(since.data, messageKey)).toEqual(['m2', 'm3'])
    const until = await asUser.search.search({
      q: 'lisbon',
      created_before: messages[1]!.created_at,
    })
    expect(keys(until.data, messageKey)).toEqual(['m1'])
  })

  it('pages through ranked hits with the cursor, each hit once', async () => {
    const asUser = ctx.store.forUser(user.id)
    const seen: string[] = []
    let after: string | undefined
    for (let i = 0; i < 10; i++) {
      const page = await asUser.search.search({
        q: 'lisbon',
        limit: 1,
        ...(after ? { after } : {}),
      })
      seen.push(...page.data.map((h) => h.id))
      if (!page.has_more) {
        expect(page.next_cursor).toBeNull()
        break
      }
      after = page.next_cursor!
    }
    expect(seen.map((id) => messageKey.get(id)).sort()).toEqual(['m1', 'm2', 'm3'])
    expect(new Set(seen).size).toBe(3)
    await expectError(
      asUser.search.search({ q: 'lisbon', after: 'garbage' }),
      'validation_failed',
      '/after',
    )
  })

  it('never shows soft-deleted messages or documents', async () => {
    const asUser = ctx.store.forUser(user.id)
    const target = messages.find((m) => messageKey.get(m.id) === 'm5')!
    await asUser.messages.delete(target.id)
    expect((await asUser.search.search({ q: 'hotel' })).data).toEqual([])
    await asUser.messages.restore(target.id)
    expect((await asUser.search.search({ q: 'hotel' })).data).toHaveLength(1)

    await ctx.store.documents.delete(guideId)
    const after = await asUser.search.search({ q: 'store', scope: 'documents' })
    expect(keys(after.data, chunkKey)).toEqual(['c3'])

    const gone = await ctx.store.conversations.create({ user_id: user.id })
    await ctx.store.messages.append(gone.id, { role: 'user', content: 'zanzibar' })
    expect((await asUser.search.search({ q: 'zanzibar' })).data).toHaveLength(1)
    await asUser.conversations.delete(gone.id)
    expect((await asUser.search.search({ q: 'zanzibar' })).data).toEqual([])
  })

  it('keeps the index in step with re-ingested chunks', async () => {
    const asUser = ctx.store.forUser(user.id)
    const source = `https://docs.example/${uniqueName('reingest')}`
    await asUser.documents.ingest({ source_url: source, chunks: [{ content: 'quokka one' }] })
    expect((await asUser.search.search({ q: 'quokka', scope: 'documents' })).data).toHaveLength(1)
    await asUser.documents.ingest({ source_url: source, chunks: [{ content: 'wombat two' }] })
    expect((await asUser.search.search({ q: 'quokka', scope: 'documents' })).data).toEqual([])
    expect((await asUser.search.search({ q: 'wombat', scope: 'documents' })).data).toHaveLength(1)
  })

  it('refuses empty queries and filters of the other scope', async () => {
    const asUser = ctx.store.forUser(user.id)
    await expectError(asUser.search.search({ q: ' ?! ' }), 'validation_failed', '/q')
    await expectError(
      asUser.search.search({ q: 'x', doc_type: 'faq' }),
      'validation_failed',
      '/doc_type',
    )
    await expectError(
      asUser.search.search({ q: 'x', scope: 'documents', role: 'user' }),
      'validation_failed',
      '/role',
    )
    await expectError(
      asUser.search.search({ q: 'x', conversation_id: 'nope' }),
      'validation_failed',
      '/conversation_id',
    )
    await expectError(
      asUser.search.search({ q: 'x', created_after: 'yesterday' }),
      'validation_failed',
      '/created_after',
    )
    // Query syntax is never interpreted: quotes, operators and NEAR are just words or nothing.
    expect((await asUser.search.search({ q: '"lisbon" OR NEAR(' })).data).toEqual([])
    expect((await asUser.search.search({ q: 'lisbon*' })).data).toHaveLength(3)
  })
})
