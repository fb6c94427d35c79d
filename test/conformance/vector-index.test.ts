/**
 * The vector index behind similarity search (sqlite-vec on SQLite, the in-memory index fed by
 * the change log on PostgreSQL): the same top-k as the exact answer on both engines for one
 * corpus, filters inside the search, new chunks seen by a second store and after a restart, a
 * failed chunk write leaving nothing behind, and embeddings stored before the migration.
 */
import { sql } from 'kysely'
import { expect, it } from 'vitest'
import { MIGRATIONS } from '../../src/db/migrations/index.js'
import { createMigrator, unwrap } from '../../src/db/migrator.js'
import type { Store } from '../../src/index.js'
import { describeEachEngine } from '../support/engines.js'
import { exactTopK, seededCorpus, type CorpusChunk } from '../support/vector-corpus.js'
import { createUser, uniqueName } from './helpers.js'

const DIMS = 16

/** The ids the store answers for a query, best first. */
async function similarIds(
  store: Store,
  user: string | null,
  embedding: number[],
  options: { k?: number; document_id?: string; doc_type?: string } = {},
): Promise<string[]> {
  const search = user === null ? store.search : store.forUser(user).search
  const { data } = await search.similar({ embedding, k: options.k ?? 10, ...options })
  return data.map((hit) => hit.id)
}

/** The vectors the SQLite index holds for this dimension (PostgreSQL's live in memory). */
async function indexedRows(store: Store, dims: number): Promise<number> {
  const { rows } = await sql<{
    n: number
  }>`select count(*) as n from ${sql.table(`chunk_vectors_${dims}`)}`.execute(store.database.kysely)
  return Number(rows[0]!.n)
}

describeEachEngine('vector index', (ctx) => {
  const corpus: (CorpusChunk & { id: string })[] = []
  const owners: string[] = []

  it('answers the exact top-k for a shared corpus, per user, for all, and filtered', async () => {
    owners.push((await createUser(ctx.store)).id, (await createUser(ctx.store)).id)
    const chunks = seededCorpus(7, 240, DIMS)
    // Three owners: two users and the shared documents (null), two doc types, six documents.
    for (let doc = 0; doc < 6; doc++) {
      const owner = doc % 3 === 2 ? null : owners[doc % 3]!
      const docType = doc % 2 === 0 ? 'guide' : 'faq'
      const part = chunks.slice(doc * 40, doc * 40 + 40)
      const { document, chunks: stored } = await ctx.store.documents.ingest({
        ...(owner === null ? {} : { user_id: owner }),
        source_url: `https://docs.example/${uniqueName('corpus')}`,
        doc_type: docType,
        chunks: part.map((c) => ({ content: c.content, embedding: c.embedding })),
      })
      stored.forEach((s, i) =>
        corpus.push({ ...part[i]!, id: s.id, owner, doc_type: docType, document_id: document.id }),
      )
    }
    const queries = seededCorpus(99, 8, DIMS).map((q) => q.embedding)
    for (const q of queries) {
      expect(await similarIds(ctx.store, null, q)).toEqual(exactTopK(corpus, q, 10))
      const mine = corpus.filter((c) => c.owner === owners[0] || c.owner === null)
      expect(await similarIds(ctx.store, owners[0]!, q)).toEqual(exactTopK(mine, q, 10))
      const faq = mine.filter((c) => c.doc_type === 'faq')
      expect(await similarIds(ctx.store, owners[0]!, q, { doc_type: 'faq', k: 5 })).toEqual(
        exactTopK(faq, q, 5),
      )
      const doc = corpus[0]!.document_id
      const inDoc = corpus.filter((c) => c.document_id === doc)
      expect(await similarIds(ctx.store, owners[0]!, q, { document_id: doc, k: 3 })).toEqual(
        exactTopK(inDoc, q, 3),
      )
      // Another user's document, asked for by id, has nothing to give.
      expect(await similarIds(ctx.store, owners[1]!, q, { document_id: doc })).toEqual([])
    }
    if (ctx.engine === 'sqlite') expect(await indexedRows(ctx.store, DIMS)).toBe(corpus.length)
  })

  it('sees new, changed and deleted chunks from a second store, and after a restart', async () => {
    const second = await ctx.open()
    const probe = seededCorpus(5, 1, DIMS)[0]!.embedding
    // The second store's index is loaded before the first store writes.
    const before = await similarIds(second, owners[0]!, probe, { k: 1 })
    const { document, chunks } = await ctx.store.forUser(owners[0]!).documents.ingest({
      source_url: `https://docs.example/${uniqueName('probe')}`,
      doc_type: 'probe',
      chunks: [{ content: 'the probe itself', embedding: probe }],
    })
    expect(await similarIds(second, owners[0]!, probe, { k: 1 })).toEqual([chunks[0]!.id])
    // Not for another user; and a doc_type changed by a re-ingest is searched by its new value.
    expect(await similarIds(second, owners[1]!, probe, { k: 1 })).not.toContain(chunks[0]!.id)
    const renamed = await ctx.store.forUser(owners[0]!).documents.ingest({
      source_url: document.source_url!,
      doc_type: 'renamed',
      chunks: [{ content: 'the probe itself', embedding: probe }],
    })
    expect(await similarIds(second, owners[0]!, probe, { doc_type: 'probe' })).toEqual([])
    expect(await similarIds(second, owners[0]!, probe, { doc_type: 'renamed' })).toEqual([
      renamed.chunks[0]!.id,
    ])
    await ctx.store.forUser(owners[0]!).documents.delete(document.id)
    expect(await similarIds(second, owners[0]!, probe, { k: 1 })).toEqual(before)

    const later = await ctx.store.documents.ingest({
      chunks: [{ content: 'shared probe', embedding: probe }],
    })
    await second.close()
    const restarted = await ctx.open()
    expect(await similarIds(restarted, owners[1]!, probe, { k: 1 })).toEqual([later.chunks[0]!.id])
    await ctx.store.documents.purgeDeleted(new Date(Date.now() + 60_000))
    expect(await similarIds(restarted, null, probe, { k: 1 })).toEqual([later.chunks[0]!.id])
  })

  it('keeps chunk and vector together when a chunk write fails midway', async () => {
    const db = ctx.store.database
    // A chunk the database refuses, after the chunks before it in the same ingest were written.
    if (ctx.engine === 'sqlite') {
      await sql`create trigger refuse_boom before insert on document_chunks
        when new.content = 'boom' begin select raise(abort, 'boom refused'); end`.execute(db.kysely)
    } else {
      await sql`create function refuse_boom() returns trigger language plpgsql as $$
        begin if new.content = 'boom' then raise exception 'boom refused'; end if;
        return new; end $$`.execute(db.kysely)
      await sql`create trigger refuse_boom before insert on document_chunks
        for each row execute function refuse_boom()`.execute(db.kysely)
    }
    const probe = seededCorpus(11, 1, DIMS)[0]!.embedding
    const watcher = await ctx.open()
    await similarIds(watcher, null, probe)
    const chunks = Array.from({ length: 600 }, (_, i) => ({
      content: i === 599 ? 'boom' : `doomed ${i}`,
      embedding: probe.map((x) => x + i * 1e-4),
    }))
    await expect(
      ctx.store.forUser(owners[0]!).documents.ingest({ doc_type: 'doomed', chunks }),
    ).rejects.toThrow()
    await sql`drop trigger refuse_boom ${sql.raw(ctx.engine === 'sqlite' ? '' : 'on document_chunks')}`.execute(
      db.kysely,
    )
    for (const store of [ctx.store, watcher, await ctx.open()]) {
      expect(await similarIds(store, owners[0]!, probe, { doc_type: 'doomed' })).toEqual([])
    }
    if (ctx.engine === 'sqlite') {
      const { rows } = await sql<{ n: number }>`select count(*) as n from document_chunks c
        join documents d on d.id = c.document_id
        where d.deleted_at is null and length(c.embedding) = ${DIMS * 4}`.execute(db.kysely)
      expect(await indexedRows(ctx.store, DIMS)).toBe(Number(rows[0]!.n))
    }
  })

  it('carries embeddings stored before the migration into the index', async () => {
    const names = Object.keys(MIGRATIONS)
    const previous = names[names.indexOf('2026-12-03-06-vectors') - 1]!
    const db = ctx.store.database
    unwrap(await createMigrator(db).migrateTo(previous))
    const user = owners[1]!
    const now = new Date().toISOString()
    const documentId = crypto.randomUUID()
    await db.kysely
      .insertInto('documents')
      .values({
        id: documentId,
        user_id: user,
        source_url: null,
        doc_type: 'old',
        title: null,
        version: null,
        metadata: '{}',
        created_at: now,
        updated_at: now,
        deleted_at: null,
      })
      .execute()
    const embedding = seededCorpus(13, 1, 8)[0]!.embedding
    const chunkId = crypto.randomUUID()
    await db.kysely
      .insertInto('document_chunks')
      .values({
        id: chunkId,
        document_id: documentId,
        chunk_index: 0,
        content: 'stored before',
        content_hash: 'h'.repeat(64),
        token_count: null,
        embedding_id: null,
        embedding: Buffer.from(Float32Array.from(embedding).buffer),
        created_at: now,
        updated_at: now,
      })
      .execute()
    unwrap(await createMigrator(db).migrateToLatest())
    const reopened = await ctx.open()
    expect(await similarIds(reopened, user, embedding, { k: 1 })).toEqual([chunkId])
    if (ctx.engine === 'sqlite') expect(await indexedRows(ctx.store, 8)).toBe(1)
  })
})
