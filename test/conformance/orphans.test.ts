import { sql } from 'kysely'
import { expect, it } from 'vitest'
import { describeEachEngine } from '../support/engines.js'
import { countRows, createUser, expectError, sleep } from './helpers.js'

describeEachEngine('orphaned chunks', (ctx) => {
  it('drops a deleted document from search at once and purges it after retention', async () => {
    const user = await createUser(ctx.store)
    const asUser = ctx.store.forUser(user.id)
    const old = await asUser.documents.ingest({
      chunks: [{ content: 'platypus egg', embedding: [1, 0] }],
    })
    const kept = await asUser.documents.ingest({
      chunks: [{ content: 'platypus bill', embedding: [1, 0.1] }],
    })
    const live = await asUser.documents.ingest({ chunks: [{ content: 'platypus tail' }] })
    const search = () => asUser.search.search({ q: 'platypus', scope: 'documents' })
    expect((await search()).data).toHaveLength(3)

    await asUser.documents.delete(old.document.id)
    expect((await search()).data.map((h) => h.document_id).sort()).toEqual(
      [kept.document.id, live.document.id].sort(),
    )
    expect((await asUser.search.similar({ embedding: [1, 0] })).data).toHaveLength(1)
    // Still stored until the retention passes.
    expect(await countRows(ctx.store, 'document_chunks', { document_id: old.document.id })).toBe(1)

    await sleep(5)
    const cutoff = new Date()
    await sleep(5)
    await asUser.documents.delete(kept.document.id)
    await expectError(asUser.documents.purgeDeleted(cutoff), 'forbidden')
    const purged = await ctx.store.documents.purgeDeleted(cutoff)
    expect(purged.documents).toBeGreaterThanOrEqual(1)
    expect(purged.chunks).toBeGreaterThanOrEqual(1)
    expect(await countRows(ctx.store, 'documents', { id: old.document.id })).toBe(0)
    expect(await countRows(ctx.store, 'document_chunks', { document_id: old.document.id })).toBe(0)
    // Deleted after the cutoff: kept for now.
    expect(await countRows(ctx.store, 'document_chunks', { document_id: kept.document.id })).toBe(1)
    expect((await search()).data.map((h) => h.document_id)).toEqual([live.document.id])
    await expectError(ctx.store.documents.purgeDeleted('soon'), 'validation_failed', '/before')
    if (ctx.engine === 'sqlite') {
      // The external-content indexes agree with their tables row for row: nothing drifted.
      for (const fts of ['document_chunks_fts', 'messages_fts']) {
        await sql`insert into ${sql.table(fts)}(${sql.table(fts)}, rank) values ('integrity-check', 1)`.execute(
          ctx.store.database.kysely,
        )
      }
    }
  })
})
