import { afterAll, beforeAll, expect, it } from 'vitest'
import type { DocumentWithChunks, IngestResult } from '../../src/schemas/documents.js'
import { describeEachEngine } from '../support/engines.js'
import { type TestApp, testApp } from './test-app.js'

describeEachEngine('documents over HTTP', (ctx) => {
  let t: TestApp
  beforeAll(async () => {
    t = await testApp(ctx.store)
  })
  afterAll(async () => {
    await t?.app.close()
  })

  const ingest = (caller: 'alice' | 'bob' | 'admin', payload: object) =>
    t.app.inject({ method: 'POST', url: '/v1/documents', headers: t.as(caller), payload })

  it('ingests (201), re-ingests (200) keeping unchanged chunk ids, gets, patches, deletes', async () => {
    const source = `https://docs.example/http-${process.pid}`
    const first = await ingest('alice', {
      source_url: source,
      doc_type: 'guide',
      chunks: [{ content: 'one' }, { content: 'two' }],
    })
    expect(first.statusCode, first.body).toBe(201)
    const made = first.json<IngestResult>()
    expect(made.chunks.map((c) => c.status)).toEqual(['new', 'new'])

    const second = await ingest('alice', {
      source_url: source,
      doc_type: 'guide',
      chunks: [{ content: 'two' }, { content: 'three' }],
    })
    expect(second.statusCode, second.body).toBe(200)
    const replaced = second.json<IngestResult>()
    expect(replaced.chunks.map((c) => c.status)).toEqual(['duplicate', 'new'])
    expect(replaced.chunks[0]!.id).toBe(made.chunks[1]!.id)
    expect(replaced.removed_chunks).toBe(1)

    const id = made.document.id
    const got = await t.app.inject({ url: `/v1/documents/${id}`, headers: t.as('alice') })
    expect(got.statusCode).toBe(200)
    expect(got.json<DocumentWithChunks>().chunks.map((c) => c.content)).toEqual(['two', 'three'])

    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/v1/documents/${id}`,
      headers: t.as('alice'),
      payload: { title: 'Guide', metadata: { lang: 'en' } },
    })
    expect(patched.json()).toMatchObject({ title: 'Guide', metadata: { lang: 'en' } })

    const list = await t.app.inject({ url: '/v1/documents?limit=5', headers: t.as('alice') })
    expect(list.json()).toMatchObject({ object: 'list' })
    expect(list.json<{ data: { id: string }[] }>().data.map((d) => d.id)).toContain(id)

    const bobGets = await t.app.inject({ url: `/v1/documents/${id}`, headers: t.as('bob') })
    expect(bobGets.statusCode).toBe(404)

    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/v1/documents/${id}`,
      headers: t.as('alice'),
    })
    expect(deleted.statusCode).toBe(204)
    const gone = await t.app.inject({ url: `/v1/documents/${id}`, headers: t.as('alice') })
    expect(gone.statusCode).toBe(404)
  })

  it('lets everyone read a shared document and only admins change it', async () => {
    const made = await ingest('admin', { title: 'shared', chunks: [{ content: 'for all' }] })
    expect(made.statusCode, made.body).toBe(201)
    const id = made.json<IngestResult>().document.id
    expect(made.json<IngestResult>().document.user_id).toBeNull()
    const read = await t.app.inject({ url: `/v1/documents/${id}`, headers: t.as('bob') })
    expect(read.statusCode).toBe(200)
    const patch = await t.app.inject({
      method: 'PATCH',
      url: `/v1/documents/${id}`,
      headers: t.as('bob'),
      payload: { title: 'mine' },
    })
    expect(patch.statusCode).toBe(403)
    expect(patch.json()).toMatchObject({ code: 'forbidden' })
    const remove = await t.app.inject({
      method: 'DELETE',
      url: `/v1/documents/${id}`,
      headers: t.as('bob'),
    })
    expect(remove.statusCode).toBe(403)
  })

  it('answers bad input with 400 naming the field, writing nothing', async () => {
    const response = await ingest('alice', {
      chunks: [{ content: 'x' }, { content: 'y', extra: 1 }],
    })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({ code: 'validation_failed' })
    expect(response.json<{ field: string }>().field).toMatch(/^\/(body\/)?chunks\/1/)
  })
})

describeEachEngine('search over HTTP', (ctx) => {
  let t: TestApp
  beforeAll(async () => {
    t = await testApp(ctx.store)
  })
  afterAll(async () => {
    await t?.app.close()
  })

  it("searches the caller's messages and readable documents, never another user's", async () => {
    const word = `kiwi${process.pid}`
    const chat = await t.app.inject({
      method: 'POST',
      url: '/v1/conversations',
      headers: t.as('alice'),
      payload: {},
    })
    const chatId = chat.json<{ id: string }>().id
    await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${chatId}/messages`,
      headers: t.as('alice'),
      payload: { role: 'user', content: `a ${word} for alice` },
    })
    await t.app.inject({
      method: 'POST',
      url: '/v1/documents',
      headers: t.as('alice'),
      payload: { doc_type: 'fruit', chunks: [{ content: `the ${word} fruit` }] },
    })
    const mine = await t.app.inject({ url: `/v1/search?q=${word}`, headers: t.as('alice') })
    expect(mine.statusCode, mine.body).toBe(200)
    expect(mine.json()).toMatchObject({ object: 'list', has_more: false, next_cursor: null })
    expect(mine.json<{ data: { snippet: string }[] }>().data[0]!.snippet).toContain(
      `<mark>${word}</mark>`,
    )
    const docs = await t.app.inject({
      url: `/v1/search?q=${word}&scope=documents&doc_type=fruit&limit=5`,
      headers: t.as('alice'),
    })
    expect(docs.json<{ data: { object: string }[] }>().data.map((h) => h.object)).toEqual([
      'document_chunk',
    ])
    for (const scope of ['messages', 'documents']) {
      const bob = await t.app.inject({
        url: `/v1/search?q=${word}&scope=${scope}`,
        headers: t.as('bob'),
      })
      expect(bob.statusCode).toBe(200)
      expect(bob.json<{ data: unknown[] }>().data).toEqual([])
    }
    const bad = await t.app.inject({ url: '/v1/search?q=%20', headers: t.as('alice') })
    expect(bad.statusCode).toBe(400)
    const noAuth = await t.app.inject({ url: `/v1/search?q=${word}` })
    expect(noAuth.statusCode).toBe(401)
  })
})

describeEachEngine('similarity over HTTP', (ctx) => {
  let t: TestApp
  beforeAll(async () => {
    t = await testApp(ctx.store)
  })
  afterAll(async () => {
    await t?.app.close()
  })

  it('answers POST /v1/search/similar with the readable chunks, best first', async () => {
    const made = await t.app.inject({
      method: 'POST',
      url: '/v1/documents',
      headers: t.as('alice'),
      payload: {
        chunks: [
          { content: 'far', embedding: [0, 1, 0, 0, 0, 0, 0, 9] },
          { content: 'near', embedding: [1, 0, 0, 0, 0, 0, 0, 9] },
        ],
      },
    })
    expect(made.statusCode, made.body).toBe(201)
    const query = { embedding: [1, 0, 0, 0, 0, 0, 0, 9], k: 2 }
    const mine = await t.app.inject({
      method: 'POST',
      url: '/v1/search/similar',
      headers: t.as('alice'),
      payload: query,
    })
    expect(mine.statusCode, mine.body).toBe(200)
    expect(mine.json<{ data: { content: string }[] }>().data.map((h) => h.content)).toEqual([
      'near',
      'far',
    ])
    const bob = await t.app.inject({
      method: 'POST',
      url: '/v1/search/similar',
      headers: t.as('bob'),
      payload: query,
    })
    expect(bob.json()).toEqual({ object: 'list', data: [] })
    const bad = await t.app.inject({
      method: 'POST',
      url: '/v1/search/similar',
      headers: t.as('alice'),
      payload: { embedding: 'nope' },
    })
    expect(bad.statusCode).toBe(400)
  })
})
