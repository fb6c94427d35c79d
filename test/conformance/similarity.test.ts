import { expect, it } from 'vitest'
import type { User } from '../../src/index.js'
import { describeEachEngine } from '../support/engines.js'
import { createUser, expectError, uniqueName } from './helpers.js'

/** Unit-ish vectors in 4 dimensions with known cosines to the query [1, 0, 0, 0]. */
const VECTORS: Record<string, number[]> = {
  exact: [2, 0, 0, 0], // 1
  close: [1, 0.2, 0, 0], // ≈ 0.981
  half: [1, 1, 0, 0], // ≈ 0.707
  orthogonal: [0, 0, 1, 0], // 0
  opposite: [-1, 0, 0, 0], // -1
}

describeEachEngine('similarity search', (ctx) => {
  let user: User
  const key = new Map<string, string>()
  let guideId = ''

  it('returns the top-k chunks by cosine, best first, the same on both engines', async () => {
    user = await createUser(ctx.store)
    const other = await createUser(ctx.store, 'other')
    const asUser = ctx.store.forUser(user.id)
    const names = Object.keys(VECTORS)
    const guide = await asUser.documents.ingest({
      source_url: `https://docs.example/${uniqueName('vec')}`,
      doc_type: 'guide',
      chunks: names.map((name) => ({ content: `chunk ${name}`, embedding: VECTORS[name]! })),
    })
    guideId = guide.document.id
    guide.chunks.forEach((c, i) => key.set(c.id, names[i]!))
    // Shared: readable, so found; another user's and a different dimension: never.
    const shared = await ctx.store.documents.ingest({
      doc_type: 'faq',
      chunks: [{ content: 'shared near', embedding: [1, 0.1, 0, 0] }],
    })
    key.set(shared.chunks[0]!.id, 'shared')
    await ctx.store.forUser(other.id).documents.ingest({
      chunks: [{ content: 'not yours', embedding: [1, 0, 0, 0] }],
    })
    await asUser.documents.ingest({
      chunks: [{ content: 'three dims', embedding: [1, 0, 0] }, { content: 'no vector' }],
    })

    const { data } = await asUser.search.similar({ embedding: [1, 0, 0, 0], k: 4 })
    expect(data.map((h) => key.get(h.id))).toEqual(['exact', 'shared', 'close', 'half'])
    expect(data[0]!.score).toBeCloseTo(1, 5)
    expect(data[3]!.score).toBeCloseTo(Math.SQRT1_2, 5)
    expect(data[0]).toMatchObject({
      object: 'document_chunk',
      document_id: guideId,
      content: 'chunk exact',
      doc_type: 'guide',
    })
    const all = await asUser.search.similar({ embedding: [1, 0, 0, 0], k: 100 })
    expect(all.data.map((h) => key.get(h.id))).toEqual([
      'exact',
      'shared',
      'close',
      'half',
      'orthogonal',
      'opposite',
    ])
  })

  it('filters by document, doc_type and minimum score', async () => {
    const asUser = ctx.store.forUser(user.id)
    const byType = await asUser.search.similar({ embedding: [1, 0, 0, 0], doc_type: 'faq' })
    expect(byType.data.map((h) => key.get(h.id))).toEqual(['shared'])
    const byDoc = await asUser.search.similar({
      embedding: [0, 0, 1, 0],
      document_id: guideId,
      k: 1,
    })
    expect(byDoc.data.map((h) => key.get(h.id))).toEqual(['orthogonal'])
    const good = await asUser.search.similar({ embedding: [1, 0, 0, 0], min_score: 0.9 })
    expect(good.data.map((h) => key.get(h.id))).toEqual(['exact', 'shared', 'close'])
  })

  it('leaves out deleted documents at once, and refuses bad vectors', async () => {
    const asUser = ctx.store.forUser(user.id)
    await asUser.documents.delete(guideId)
    const { data } = await asUser.search.similar({ embedding: [1, 0, 0, 0] })
    expect(data.map((h) => key.get(h.id))).toEqual(['shared'])
    await expectError(asUser.search.similar({ embedding: [] }), 'validation_failed', '/embedding')
    for (const bad of [Number.POSITIVE_INFINITY, Number.NaN]) {
      const error = await expectError(
        asUser.search.similar({ embedding: [1, bad] }),
        'validation_failed',
      )
      expect(error.field).toMatch(/^\/embedding/)
    }
  })
})
