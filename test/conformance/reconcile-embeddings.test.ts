/**
 * Seed 001's orphaned-chunk cleanup: chunks whose embedding_id the external vector store no
 * longer holds are removed on request, and nothing else is.
 */
import { expect, it } from 'vitest'
import { describeEachEngine } from '../support/engines.js'
import { createUser, expectError, sleep, uniqueName } from './helpers.js'

describeEachEngine('reconciling embeddings with a vector store', (ctx) => {
  /** A user's document with `n` chunks embedded as `<prefix>-0` … and one chunk without any. */
  async function embeddedDocument(n: number) {
    const user = await createUser(ctx.store)
    const prefix = uniqueName('emb')
    const { document } = await ctx.store.forUser(user.id).documents.ingest({
      chunks: [
        ...Array.from({ length: n }, (_, i) => ({
          content: `chunk ${prefix} ${i}`,
          embedding_id: `${prefix}-${i}`,
        })),
        { content: `not embedded ${prefix}` },
      ],
    })
    const embeddingIds = async () =>
      (await ctx.store.documents.get(document.id)).chunks.map((c) => c.embedding_id)
    // A reconcile keeps chunks written at or after the time its list was taken (by default the
    // call's): the clock moves past the ingest first, as it would for a list taken later.
    const written = Date.now()
    while (Date.now() <= written) await sleep(1)
    return { user, prefix, document, embeddingIds }
  }

  it('removes the chunks whose embedding_id the store lacks, and keeps the rest', async () => {
    const { user, prefix, embeddingIds } = await embeddedDocument(4)
    const other = await embeddedDocument(2)
    const held = [`${prefix}-0`, `${prefix}-2`, 'an-id-nobody-has']
    const dry = await ctx.store
      .forUser(user.id)
      .documents.reconcileEmbeddings(held, { dry_run: true })
    expect(dry).toEqual({ dry_run: true, checked: 4, removed: 2 })
    expect(await embeddingIds()).toHaveLength(5)
    const report = await ctx.store.forUser(user.id).documents.reconcileEmbeddings(held)
    expect(report).toEqual({ dry_run: false, checked: 4, removed: 2 })
    expect(await embeddingIds()).toEqual([`${prefix}-0`, `${prefix}-2`, null])
    // A user reconciles only their own documents: the other user's chunks are untouched.
    expect(await other.embeddingIds()).toEqual([`${other.prefix}-0`, `${other.prefix}-1`, null])
  })

  it('keeps chunks written after the ids were listed', async () => {
    const listed_at = new Date()
    await sleep(5)
    const { user, prefix, embeddingIds } = await embeddedDocument(2)
    const report = await ctx.store.forUser(user.id).documents.reconcileEmbeddings([], { listed_at })
    expect(report.removed).toBe(0)
    expect(await embeddingIds()).toEqual([`${prefix}-0`, `${prefix}-1`, null])
  })

  it('stopped by a failure midway, keeps what it removed and what it had not reached', async () => {
    const { user, prefix, embeddingIds } = await embeddedDocument(5)
    const documents = ctx.store.forUser(user.id).documents
    let batches = 0
    await expect(
      documents.reconcileEmbeddings([`${prefix}-4`], {
        batch_size: 2,
        onBatch: () => {
          batches += 1
          throw new Error('the process dies after its first batch')
        },
      }),
    ).rejects.toThrow('the process dies')
    expect(batches).toBe(1)
    // The first batch (ids in chunk order: the first two) is gone; the rest waits, whole.
    const left = await embeddingIds()
    expect(left.filter((id) => id !== null)).toHaveLength(3)
    expect(left).toContain(`${prefix}-4`)
    const rerun = await documents.reconcileEmbeddings([`${prefix}-4`], { batch_size: 2 })
    expect(rerun.removed).toBe(2)
    expect(await embeddingIds()).toEqual([`${prefix}-4`, null])
  })

  it('refuses ids that are not text and a batch size out of range, changing nothing', async () => {
    const { user, embeddingIds } = await embeddedDocument(1)
    const documents = ctx.store.forUser(user.id).documents
    await expectError(
      documents.reconcileEmbeddings([42 as unknown as string]),
      'validation_failed',
      '/ids',
    )
    await expectError(
      documents.reconcileEmbeddings([], { batch_size: 0 }),
      'validation_failed',
      '/batch_size',
    )
    await expectError(
      documents.reconcileEmbeddings([], { listed_at: 'yesterday' }),
      'validation_failed',
      '/listed_at',
    )
    expect(await embeddingIds()).toHaveLength(2)
  })
})
