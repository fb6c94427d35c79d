import { createHash } from 'node:crypto'
import { expect, it } from 'vitest'
import type { IngestResult } from '../../src/schemas/documents.js'
import { contentHash } from '../../src/lib/content-hash.js'
import { describeEachEngine } from '../support/engines.js'
import { countRows, createUser, expectError, missingId, uniqueName } from './helpers.js'

const url = () => `https://docs.example/${uniqueName('page')}`
const statuses = (result: IngestResult) => result.chunks.map((c) => c.status)

describeEachEngine('documents', (ctx) => {
  it('ingests a document with its chunks in one call and reads it back', async () => {
    const user = await createUser(ctx.store)
    const asUser = ctx.store.forUser(user.id)
    const source = url()
    const result = await asUser.documents.ingest({
      source_url: source,
      title: 'Intro',
      doc_type: 'guide',
      version: '1',
      metadata: { lang: 'en' },
      chunks: [
        { content: 'Install with npm.', token_count: 4, embedding_id: 'e-1' },
        { content: 'Then open a store.', embedding: [0.5, -1, 2] },
      ],
    })
    expect(result.created).toBe(true)
    expect(statuses(result)).toEqual(['new', 'new'])
    expect([result.new_chunks, result.duplicate_chunks, result.removed_chunks]).toEqual([2, 0, 0])
    expect(result.document).toMatchObject({
      user_id: user.id,
      source_url: source,
      title: 'Intro',
      doc_type: 'guide',
      version: '1',
      metadata: { lang: 'en' },
      deleted_at: null,
    })
    const got = await asUser.documents.get(result.document.id)
    expect(got.chunks.map((c) => [c.id, c.chunk_index, c.content])).toEqual([
      [result.chunks[0]!.id, 0, 'Install with npm.'],
      [result.chunks[1]!.id, 1, 'Then open a store.'],
    ])
    expect(got.chunks[0]).toMatchObject({ token_count: 4, embedding_id: 'e-1' })
    expect(got.chunks[1]!.embedding_dimensions).toBe(3)
    expect(got.chunks[0]!.embedding_dimensions).toBeNull()
    expect(got.chunks[0]!.content_hash).toBe(result.chunks[0]!.content_hash)
  })

  it('hashes normalized content with source_url and doc_type, as seed 001 does', async () => {
    const identity = { doc_type: 'guide', source_url: 'https://x' }
    // Keys sorted, as seed 001's json.dumps(sort_keys=True), without its spaces.
    const expected = createHash('sha256')
      .update(JSON.stringify({ content: 'Hello world', metadata: identity }))
      .digest('hex')
    expect(contentHash('  Hello \n\t world ', identity)).toBe(expected)
    // NFKC: full-width letters are the plain ones.
    expect(contentHash('Ｈｅｌｌｏ world', identity)).toBe(expected)
    expect(contentHash('hello world', identity)).not.toBe(expected)
    expect(contentHash('Hello world', { ...identity, doc_type: 'api' })).not.toBe(expected)
    expect(contentHash('Hello world', { ...identity, source_url: 'https://y' })).not.toBe(expected)
  })

  it('stores a chunk sent twice once and says which were duplicates', async () => {
    const user = await createUser(ctx.store)
    const result = await ctx.store.forUser(user.id).documents.ingest({
      source_url: url(),
      chunks: [{ content: 'alpha beta' }, { content: 'gamma' }, { content: ' alpha   beta ' }],
    })
    expect(statuses(result)).toEqual(['new', 'new', 'duplicate'])
    expect(result.chunks[2]!.id).toBe(result.chunks[0]!.id)
    expect(result.chunks[2]!.chunk_index).toBe(0)
    expect(await countRows(ctx.store, 'document_chunks', { document_id: result.document.id })).toBe(
      2,
    )
  })

  it('re-ingesting a changed document keeps the ids of unchanged chunks', async () => {
    const user = await createUser(ctx.store)
    const asUser = ctx.store.forUser(user.id)
    const source = url()
    const first = await asUser.documents.ingest({
      source_url: source,
      version: '1',
      chunks: [{ content: 'one' }, { content: 'two' }, { content: 'three' }],
    })
    const again = await asUser.documents.ingest({
      source_url: source,
      version: '1',
      chunks: [{ content: 'one' }, { content: 'two' }, { content: 'three' }],
    })
    expect(again.created).toBe(false)
    expect(again.document.id).toBe(first.document.id)
    expect(statuses(again)).toEqual(['duplicate', 'duplicate', 'duplicate'])
    expect(again.chunks.map((c) => c.id)).toEqual(first.chunks.map((c) => c.id))

    const changed = await asUser.documents.ingest({
      source_url: source,
      version: '2',
      title: 'v2',
      chunks: [
        { content: 'zero', token_count: 1 },
        { content: 'one' },
        { content: 'three', token_count: 7 },
      ],
    })
    expect(changed.created).toBe(false)
    expect(changed.document).toMatchObject({ id: first.document.id, version: '2', title: 'v2' })
    expect(statuses(changed)).toEqual(['new', 'duplicate', 'duplicate'])
    expect([changed.new_chunks, changed.duplicate_chunks, changed.removed_chunks]).toEqual([
      1, 2, 1,
    ])
    expect(changed.chunks[1]!.id).toBe(first.chunks[0]!.id)
    expect(changed.chunks[2]!.id).toBe(first.chunks[2]!.id)
    const got = await asUser.documents.get(first.document.id)
    expect(got.chunks.map((c) => [c.chunk_index, c.content, c.token_count])).toEqual([
      [0, 'zero', 1],
      [1, 'one', null],
      [2, 'three', 7],
    ])
    expect(got.chunks.map((c) => c.id)).toEqual(changed.chunks.map((c) => c.id))
    expect(await countRows(ctx.store, 'documents', { source_url: source })).toBe(1)
  })

  it('gives two users ingesting the same text a document and chunks each', async () => {
    const alice = await createUser(ctx.store, 'alice')
    const bob = await createUser(ctx.store, 'bob')
    const source = url()
    const body = { source_url: source, doc_type: 'faq', chunks: [{ content: 'same text' }] }
    const a = await ctx.store.forUser(alice.id).documents.ingest(body)
    const b = await ctx.store.forUser(bob.id).documents.ingest(body)
    expect(statuses(a)).toEqual(['new'])
    expect(statuses(b)).toEqual(['new'])
    expect(b.chunks[0]!.content_hash).toBe(a.chunks[0]!.content_hash)
    expect(b.chunks[0]!.id).not.toBe(a.chunks[0]!.id)
    expect(b.document.id).not.toBe(a.document.id)
    // Alice deleting hers takes nothing from Bob.
    await ctx.store.forUser(alice.id).documents.delete(a.document.id)
    expect((await ctx.store.forUser(bob.id).documents.get(b.document.id)).chunks).toHaveLength(1)
  })

  it('writes nothing when one chunk of the batch is invalid', async () => {
    const user = await createUser(ctx.store)
    const source = url()
    await expectError(
      ctx.store.forUser(user.id).documents.ingest({
        source_url: source,
        chunks: [{ content: 'fine' }, { content: '' }],
      }),
      'validation_failed',
      '/chunks/1/content',
    )
    await expectError(
      ctx.store.forUser(user.id).documents.ingest({
        source_url: source,
        chunks: [{ content: 'fine', embedding: [1, Number.NaN] }],
      }),
      'validation_failed',
      // The element at fault, not only the array.
      '/chunks/0/embedding/1',
    )
    expect(await countRows(ctx.store, 'documents', { source_url: source })).toBe(0)
  })

  it('lists readable documents newest first with cursors and filters', async () => {
    const user = await createUser(ctx.store)
    const asUser = ctx.store.forUser(user.id)
    const type = uniqueName('type').slice(0, 40)
    const made = []
    for (let i = 0; i < 5; i++) {
      made.push(
        (await asUser.documents.ingest({ doc_type: type, title: `d${i}`, chunks: [] })).document,
      )
    }
    const first = await asUser.documents.list({ doc_type: type, limit: 2 })
    expect(first.data.map((d) => d.title)).toEqual(['d4', 'd3'])
    expect(first.has_more).toBe(true)
    const second = await asUser.documents.list({ doc_type: type, limit: 2, after: first.last_id! })
    expect(second.data.map((d) => d.title)).toEqual(['d2', 'd1'])
    const back = await asUser.documents.list({ doc_type: type, limit: 2, before: second.first_id! })
    expect(back.data.map((d) => d.title)).toEqual(['d4', 'd3'])
    await asUser.documents.delete(made[0]!.id)
    const all = await asUser.documents.list({ doc_type: type })
    expect(all.data.map((d) => d.title)).toEqual(['d4', 'd3', 'd2', 'd1'])
    expect(all.has_more).toBe(false)
    await expectError(asUser.documents.list({ after: 'nope' }), 'validation_failed', '/after')
  })

  it('updates metadata and soft-deletes', async () => {
    const user = await createUser(ctx.store)
    const asUser = ctx.store.forUser(user.id)
    const { document } = await asUser.documents.ingest({ title: 'old', chunks: [{ content: 'x' }] })
    const updated = await asUser.documents.update(document.id, {
      title: 'new',
      metadata: { tags: ['a'] },
    })
    expect(updated).toMatchObject({ title: 'new', metadata: { tags: ['a'] } })
    expect(updated.updated_at >= document.updated_at).toBe(true)
    await asUser.documents.delete(document.id)
    await expectError(asUser.documents.get(document.id), 'not_found')
    await expectError(asUser.documents.update(document.id, { title: 'x' }), 'not_found')
    await expectError(asUser.documents.delete(document.id), 'not_found')
    await expectError(ctx.store.documents.get(document.id), 'not_found')
  })

  it('re-ingest after a delete makes a new document', async () => {
    const user = await createUser(ctx.store)
    const asUser = ctx.store.forUser(user.id)
    const source = url()
    const first = await asUser.documents.ingest({ source_url: source, chunks: [{ content: 'x' }] })
    await asUser.documents.delete(first.document.id)
    const second = await asUser.documents.ingest({ source_url: source, chunks: [{ content: 'x' }] })
    expect(second.created).toBe(true)
    expect(second.document.id).not.toBe(first.document.id)
    expect(statuses(second)).toEqual(['new'])
  })

  it('shares documents without a user: readable by all, writable by admins only', async () => {
    const user = await createUser(ctx.store)
    const asUser = ctx.store.forUser(user.id)
    const source = url()
    const shared = await ctx.store.documents.ingest({
      source_url: source,
      title: 'handbook',
      chunks: [{ content: 'shared text' }],
    })
    expect(shared.document.user_id).toBeNull()
    expect((await asUser.documents.get(shared.document.id)).chunks).toHaveLength(1)
    expect((await asUser.documents.list({ source_url: source })).data.map((d) => d.id)).toEqual([
      shared.document.id,
    ])
    await expectError(asUser.documents.update(shared.document.id, { title: 'mine' }), 'forbidden')
    await expectError(asUser.documents.delete(shared.document.id), 'forbidden')
    await expectError(
      asUser.documents.ingest({ user_id: null, chunks: [] }),
      'forbidden',
      '/user_id',
    )
    // The user's ingest at the same source is a private document of theirs, not the shared one.
    const own = await asUser.documents.ingest({ source_url: source, chunks: [{ content: 'mine' }] })
    expect(own.created).toBe(true)
    expect(own.document.user_id).toBe(user.id)
    expect((await ctx.store.documents.get(shared.document.id)).title).toBe('handbook')
    expect(await ctx.store.documents.update(shared.document.id, { title: 'v2' })).toMatchObject({
      title: 'v2',
    })
    const again = await ctx.store.documents.ingest({
      source_url: source,
      chunks: [{ content: 'shared text' }],
    })
    expect(again.document.id).toBe(shared.document.id)
    expect(statuses(again)).toEqual(['duplicate'])
  })

  it("answers not_found for another user's private document, as for a missing one", async () => {
    const alice = await createUser(ctx.store, 'alice')
    const bob = await createUser(ctx.store, 'bob')
    const asBob = ctx.store.forUser(bob.id)
    const { document } = await ctx.store
      .forUser(alice.id)
      .documents.ingest({ source_url: url(), chunks: [{ content: 'secret' }] })
    for (const id of [document.id, missingId(), 'not-a-uuid']) {
      await expectError(asBob.documents.get(id), 'not_found')
      await expectError(asBob.documents.update(id, { title: 'x' }), 'not_found')
      await expectError(asBob.documents.delete(id), 'not_found')
    }
    expect((await asBob.documents.list()).data.map((d) => d.id)).not.toContain(document.id)
    await expectError(
      asBob.documents.ingest({ user_id: alice.id, chunks: [] }),
      'forbidden',
      '/user_id',
    )
    // An admin may ingest for a user, and for a user who does not exist gets not_found.
    const made = await ctx.store.documents.ingest({ user_id: alice.id, chunks: [] })
    expect(made.document.user_id).toBe(alice.id)
    await expectError(ctx.store.documents.ingest({ user_id: missingId(), chunks: [] }), 'not_found')
    expect((await ctx.store.forUser(alice.id).documents.get(document.id)).title).toBeNull()
  })

  it('keeps one live document per owner and source under concurrent ingests', async () => {
    const user = await createUser(ctx.store)
    const source = url()
    const other = await ctx.open()
    const results = await Promise.all(
      [ctx.store, other, ctx.store, other].map((store, i) =>
        store.forUser(user.id).documents.ingest({
          source_url: source,
          chunks: [{ content: 'common' }, { content: `own ${i}` }],
        }),
      ),
    )
    expect(new Set(results.map((r) => r.document.id)).size).toBe(1)
    expect(await countRows(ctx.store, 'documents', { source_url: source })).toBe(1)
  })

  it('serializes concurrent re-ingests of one document with the same new chunks', async () => {
    const user = await createUser(ctx.store)
    const source = url()
    await ctx.store.forUser(user.id).documents.ingest({
      source_url: source,
      chunks: [{ content: 'old' }],
    })
    const other = await ctx.open()
    const results = await Promise.all(
      [ctx.store, other, ctx.store, other].map((store) =>
        store.forUser(user.id).documents.ingest({
          source_url: source,
          chunks: [{ content: 'fresh a' }, { content: 'fresh b' }],
        }),
      ),
    )
    expect(new Set(results.map((r) => r.document.id)).size).toBe(1)
    expect(results.filter((r) => r.new_chunks === 2)).toHaveLength(1)
    const got = await ctx.store.documents.get(results[0]!.document.id)
    expect(got.chunks.map((c) => c.content)).toEqual(['fresh a', 'fresh b'])
  })
})
