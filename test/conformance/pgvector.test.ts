/**
 * The pgvector path's SQL, on PGlite with its bundled pgvector (the suite's PostgreSQL has no
 * pgvector): every migration applies, existing embeddings get their HNSW index, and a search
 * answers the exact top-k for the corpus the two engines answer in vector-index.test.ts,
 * through the index, with its filters.
 */
import { randomUUID } from 'node:crypto'
import { Migrator, sql } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { MIGRATIONS } from '../../src/db/migrations/index.js'
import { unwrap } from '../../src/db/migrator.js'
import { coverPgvector, pgvectorIndexName, pgvectorNearest } from '../../src/db/pgvector.js'
import { openPglite } from '../support/pglite.js'
import { exactTopK, seededCorpus } from '../support/vector-corpus.js'

const DIMS = 16
let pglite: Awaited<ReturnType<typeof openPglite>>
const owners = [randomUUID(), randomUUID()]
const corpus: {
  id: string
  content: string
  embedding: number[]
  owner: string | null
  doc_type: string
  document_id: string
}[] = []

const bytes = (embedding: number[]) => Buffer.from(Float32Array.from(embedding).buffer)

async function insertDocument(owner: string | null, docType: string, deleted = false) {
  const now = new Date().toISOString()
  const id = randomUUID()
  await pglite.kysely
    .insertInto('documents')
    .values({
      id,
      user_id: owner,
      source_url: null,
      doc_type: docType,
      title: null,
      version: null,
      metadata: '{}',
      created_at: now,
      updated_at: now,
      deleted_at: deleted ? now : null,
    })
    .execute()
  return id
}

async function insertChunks(
  documentId: string,
  chunks: { content: string; embedding: number[] }[],
) {
  const now = new Date().toISOString()
  const rows = chunks.map((c, i) => ({
    id: randomUUID(),
    document_id: documentId,
    chunk_index: i,
    content: c.content,
    content_hash: randomUUID().replaceAll('-', '').padEnd(64, '0'),
    token_count: null,
    embedding_id: null,
    embedding: bytes(c.embedding),
    created_at: now,
    updated_at: now,
  }))
  await pglite.kysely.insertInto('document_chunks').values(rows).execute()
  return rows.map((r) => r.id)
}

const nearest = async (
  owner: string | null,
  embedding: number[],
  k: number,
  filters: { document_id?: string; doc_type?: string } = {},
) =>
  (
    await pgvectorNearest(pglite.kysely, {
      vector: Float32Array.from(embedding),
      k,
      owner,
      ...filters,
    })
  ).map((hit) => hit.id)

beforeAll(async () => {
  pglite = await openPglite()
}, 120_000)

afterAll(async () => {
  await pglite?.close()
})

it('applies every migration, indexing the embeddings already stored with HNSW', async () => {
  const migrator = new Migrator({
    db: pglite.kysely,
    provider: { getMigrations: async () => MIGRATIONS },
    migrationTableName: 'chatkeep_migration',
    migrationLockTableName: 'chatkeep_migration_lock',
  })
  const names = Object.keys(MIGRATIONS)
  unwrap(await migrator.migrateTo(names[names.indexOf('2026-12-03-06-vectors') - 1]!))
  for (const id of owners) {
    const now = new Date().toISOString()
    await pglite.kysely
      .insertInto('users')
      .values({
        id,
        username: id,
        role: 'user',
        is_active: true,
        preferences: '{}',
        created_at: now,
        updated_at: now,
      } as never)
      .execute()
  }
  // Half the corpus before the migration, half after it.
  const chunks = seededCorpus(7, 240, DIMS)
  for (let doc = 0; doc < 6; doc++) {
    if (doc === 3) unwrap(await migrator.migrateToLatest())
    const owner = doc % 3 === 2 ? null : owners[doc % 3]!
    const docType = doc % 2 === 0 ? 'guide' : 'faq'
    const part = chunks.slice(doc * 40, doc * 40 + 40)
    const documentId = await insertDocument(owner, docType)
    const ids = await insertChunks(documentId, part)
    ids.forEach((id, i) =>
      corpus.push({ ...part[i]!, id, owner, doc_type: docType, document_id: documentId }),
    )
  }
  const { rows } = await sql<{ indexdef: string }>`select indexdef from pg_indexes
    where indexname = ${pgvectorIndexName(DIMS)}`.execute(pglite.kysely)
  expect(rows[0]?.indexdef).toMatch(/USING hnsw .*vector_cosine_ops/)
}, 120_000)

it('answers the exact top-k, per user, for all and filtered, as both engines do', async () => {
  const queries = seededCorpus(99, 8, DIMS).map((q) => q.embedding)
  for (const q of queries) {
    expect(await nearest(null, q, 10)).toEqual(exactTopK(corpus, q, 10))
    const mine = corpus.filter((c) => c.owner === owners[0] || c.owner === null)
    expect(await nearest(owners[0]!, q, 10)).toEqual(exactTopK(mine, q, 10))
    const faq = mine.filter((c) => c.doc_type === 'faq')
    expect(await nearest(owners[0]!, q, 5, { doc_type: 'faq' })).toEqual(exactTopK(faq, q, 5))
    const doc = corpus[0]!.document_id
    expect(await nearest(owners[0]!, q, 3, { document_id: doc })).toEqual(
      exactTopK(
        corpus.filter((c) => c.document_id === doc),
        q,
        3,
      ),
    )
    expect(await nearest(owners[1]!, q, 10, { document_id: doc })).toEqual([])
  }
})

it('walks the HNSW index, and leaves deleted documents out', async () => {
  const q = seededCorpus(5, 1, DIMS)[0]!.embedding
  const literal = `[${q.join(',')}]`
  await sql`set enable_seqscan = off`.execute(pglite.kysely)
  const { rows } = await sql<{ 'QUERY PLAN': string }>`explain select id from document_chunks
    where octet_length(embedding) = ${sql.lit(DIMS * 4)}
    order by chatkeep_vector(embedding)::vector(${sql.lit(DIMS)}) <=> ${literal}::vector(${sql.lit(DIMS)})
    limit 10`.execute(pglite.kysely)
  await sql`reset enable_seqscan`.execute(pglite.kysely)
  expect(rows.map((r) => r['QUERY PLAN']).join('\n')).toContain(pgvectorIndexName(DIMS))

  const gone = await insertDocument(owners[0]!, 'guide', true)
  await insertChunks(gone, [{ content: 'deleted', embedding: q }])
  const [best] = await nearest(owners[0]!, q, 1)
  expect(corpus.some((c) => c.id === best)).toBe(true)
  // A new dimension gets its own index.
  await coverPgvector(pglite.kysely, 8)
  const fresh = await insertDocument(null, 'faq')
  const [id] = await insertChunks(fresh, [
    { content: 'eight', embedding: seededCorpus(3, 1, 8)[0]!.embedding },
  ])
  expect(await nearest(owners[1]!, seededCorpus(3, 1, 8)[0]!.embedding, 1)).toEqual([id])
})

it('recalls messages through their own HNSW index: owner, conversation and role inside the walk', async () => {
  const now = new Date().toISOString()
  const conversations = owners.map(() => [randomUUID(), randomUUID()])
  for (const [i, owner] of owners.entries()) {
    for (const id of conversations[i]!) {
      await sql`insert into conversations (id, short_id, user_id, created_at, updated_at,
        last_activity) values (${id}, ${id}, ${owner}, ${now}, ${now}, ${now})`.execute(
        pglite.kysely,
      )
    }
  }
  await coverPgvector(pglite.kysely, DIMS, 'messages')
  const vectors = seededCorpus(11, 160, DIMS)
  const messages = vectors.map((v, i) => ({
    id: randomUUID(),
    owner: owners[i % 2]!,
    conversation_id: conversations[i % 2]![Math.floor(i / 2) % 2]!,
    role: i % 3 === 0 ? 'assistant' : 'user',
    content: v.content,
    embedding: v.embedding,
    deleted: i % 17 === 0,
  }))
  for (const [i, m] of messages.entries()) {
    await sql`insert into messages (id, conversation_id, user_id, sequence, role, content,
      tokens_used, context_documents, metadata, created_at, deleted_at, embedding)
      values (${m.id}, ${m.conversation_id}, ${m.owner}, ${i + 1}, ${m.role}, 'm', 0, '[]', '{}',
        ${now}, ${m.deleted ? now : null}, ${bytes(m.embedding)})`.execute(pglite.kysely)
  }
  const recall = async (
    owner: string,
    q: number[],
    k: number,
    filters: { conversation_id?: string; role?: string } = {},
  ) =>
    (
      await pgvectorNearest(pglite.kysely, {
        kind: 'messages',
        vector: Float32Array.from(q),
        k,
        owner,
        ...filters,
      })
    ).map((hit) => hit.id)
  const live = messages.filter((m) => !m.deleted)
  for (const q of seededCorpus(98, 6, DIMS).map((c) => c.embedding)) {
    const mine = live.filter((m) => m.owner === owners[0])
    expect(await recall(owners[0]!, q, 10)).toEqual(exactTopK(mine, q, 10))
    const chat = conversations[0]![1]!
    expect(await recall(owners[0]!, q, 5, { conversation_id: chat })).toEqual(
      exactTopK(
        mine.filter((m) => m.conversation_id === chat),
        q,
        5,
      ),
    )
    expect(await recall(owners[0]!, q, 5, { role: 'assistant' })).toEqual(
      exactTopK(
        mine.filter((m) => m.role === 'assistant'),
        q,
        5,
      ),
    )
    expect(await recall(owners[1]!, q, 5, { conversation_id: chat })).toEqual([])
  }
  const { rows } = await sql<{ indexdef: string }>`select indexdef from pg_indexes
    where indexname = ${pgvectorIndexName(DIMS, 'messages')}`.execute(pglite.kysely)
  expect(rows[0]?.indexdef).toMatch(/ON public\.messages USING hnsw .*vector_cosine_ops/)
})
