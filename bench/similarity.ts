import { performance } from 'node:perf_hooks'
import { openStore, type Store } from '../src/index.js'
import { cosine, floatView, TopK, vectorNorm } from '../src/lib/cosine.js'
import { createBenchDatabase } from './databases.js'
import { Recorder, summarize } from './measure.js'
import type { BenchOptions, EngineName } from './options.js'
import type { ReportRow } from './report.js'

/**
 * W9: top-10 similarity search over `w9_chunks` chunks × `w9_dims` dimensions, spread evenly over
 * `w9_owners` users: for one user's chunks (as that user) and over all of them (as an admin).
 * Its baseline is the exact cosine scan over the same vectors already in this process's memory
 * (what the search did before its index, without even reading the database); recall@10 is
 * against that exact answer. Vectors are seeded, so runs compare. W9m: the same for semantic
 * recall of messages (as many messages as chunks, appended with embeddings in batches, over the
 * same users), top-10 of one owner's messages.
 */

/** Chunks per ingested document. */
const PER_DOCUMENT = 5_000
const K = 10

/** mulberry32: a small seeded generator, so every run embeds the same vectors. */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface Loaded {
  /** Per owner: chunk ids and their vectors, as the exact scan reads them. */
  owners: { user_id: string; ids: string[]; vectors: Float32Array[] }[]
  seconds: number
}

async function load(store: Store, options: BenchOptions, next: () => number): Promise<Loaded> {
  const c = options.counts
  const started = performance.now()
  const perOwner = Math.ceil(c.w9_chunks / c.w9_owners)
  const owners: Loaded['owners'] = []
  for (let o = 0; o < c.w9_owners; o++) {
    const user = await store.users.create({ username: `w9-${o}` })
    const owner = { user_id: user.id, ids: [] as string[], vectors: [] as Float32Array[] }
    for (let done = 0, doc = 0; done < perOwner; doc++) {
      const n = Math.min(PER_DOCUMENT, perOwner - done)
      const chunks = Array.from({ length: n }, (_, i) => {
        const embedding = Array.from({ length: c.w9_dims }, () => next() * 2 - 1)
        owner.vectors.push(Float32Array.from(embedding))
        return { content: `chunk ${done + i} of ${o}/${doc}`, embedding }
      })
      const result = await store
        .forUser(user.id)
        .documents.ingest({ source_url: `bench://w9/${o}/${doc}`, doc_type: 'bench', chunks })
      owner.ids.push(...result.chunks.map((chunk) => chunk.id))
      done += n
    }
    owners.push(owner)
  }
  return { owners, seconds: (performance.now() - started) / 1000 }
}

/** As many messages as chunks, with embeddings, spread over the same owners' conversations. */
async function loadMessages(
  store: Store,
  options: BenchOptions,
  owners: Loaded['owners'],
  next: () => number,
): Promise<Loaded> {
  const c = options.counts
  const started = performance.now()
  const perOwner = Math.ceil(c.w9_chunks / c.w9_owners)
  const loaded: Loaded['owners'] = []
  for (const { user_id } of owners) {
    const mine = store.forUser(user_id)
    const owner = { user_id, ids: [] as string[], vectors: [] as Float32Array[] }
    for (let done = 0; done < perOwner;) {
      const chat = await mine.conversations.create({ title: 'w9m' })
      const n = Math.min(1_000, perOwner - done)
      const messages = Array.from({ length: n }, (_, i) => {
        const embedding = Array.from({ length: c.w9_dims }, () => next() * 2 - 1)
        owner.vectors.push(Float32Array.from(embedding))
        return { role: 'user' as const, content: `message ${done + i}`, embedding }
      })
      owner.ids.push(...(await mine.messages.appendMany(chat.id, messages)).map((m) => m.id))
      done += n
    }
    loaded.push(owner)
  }
  return { owners: loaded, seconds: (performance.now() - started) / 1000 }
}

/** The exact top-k over vectors in memory, and the time it took. */
function exact(query: Float32Array, owners: Loaded['owners']): { ids: string[]; ms: number } {
  const started = performance.now()
  const norm = vectorNorm(query)
  const best = new TopK(K)
  for (const owner of owners) {
    for (let i = 0; i < owner.vectors.length; i++) {
      best.offer(owner.ids[i]!, cosine(query, norm, owner.vectors[i]!))
    }
  }
  return { ids: best.items.map((item) => item.id), ms: performance.now() - started }
}

const overlap = (a: string[], b: string[]) => a.filter((id) => b.includes(id)).length / b.length

export async function runSimilarity(
  engine: EngineName,
  options: BenchOptions,
): Promise<ReportRow[]> {
  const c = options.counts
  const database = await createBenchDatabase(engine, options.pg_admin_url)
  const store = await openStore({ database_url: database.url, migrate: true })
  try {
    const next = random(42)
    const loaded = await load(store, options, next)
    const queries = Array.from({ length: c.w9_queries }, () =>
      Array.from({ length: c.w9_dims }, () => next() * 2 - 1),
    )
    // Untimed: the first search of a process may load its index (PostgreSQL without pgvector).
    await store.search.similar({ embedding: queries[0]!, k: K })
    const sides = {
      one: { chatkeep: new Recorder(), baseline: new Recorder(), recall: [] as number[] },
      all: { chatkeep: new Recorder(), baseline: new Recorder(), recall: [] as number[] },
    }
    for (const [i, embedding] of queries.entries()) {
      const vector = floatView(Buffer.from(Float32Array.from(embedding).buffer))
      const owner = loaded.owners[i % loaded.owners.length]!
      for (const scope of ['one', 'all'] as const) {
        const search = scope === 'one' ? store.forUser(owner.user_id).search : store.search
        const t0 = performance.now()
        const { data } = await search.similar({ embedding, k: K })
        const ms = performance.now() - t0
        const truth = exact(vector, scope === 'one' ? [owner] : loaded.owners)
        sides[scope].chatkeep.addPass([ms], ms)
        sides[scope].baseline.addPass([truth.ms], truth.ms)
        sides[scope].recall.push(
          overlap(
            data.map((hit) => hit.id),
            truth.ids,
          ),
        )
      }
    }
    const perOwner = Math.ceil(c.w9_chunks / c.w9_owners).toLocaleString('en')
    const total = c.w9_chunks.toLocaleString('en')
    const limits = {
      sqlite: { one: 10, all: 60 },
      postgres: { one: 100, all: 100 },
    }[engine]
    const recall = await messageRecall(store, options, loaded.owners, next, queries, limits.one)
    const rows = (['one', 'all'] as const).map((scope): ReportRow => {
      const side = sides[scope]
      const chatkeep = summarize(side.chatkeep)
      const recall = side.recall.reduce((a, b) => a + b, 0) / side.recall.length
      const limit = limits[scope]
      return {
        id: scope === 'one' ? 'W9o' : 'W9a',
        title: scope === 'one' ? `top-10, one owner's ${perOwner}` : `top-10 over all ${total}`,
        target: null,
        seconds: loaded.seconds / 2,
        summaries: { chatkeep, baseline: summarize(side.baseline) },
        note:
          `p50 ${chatkeep.p50_ms.toFixed(1)} ms (target <= ${limit} ms: ` +
          `${chatkeep.p50_ms <= limit ? 'met' : 'MISSED'}), recall@10 ${recall.toFixed(3)}` +
          ` over ${c.w9_queries} queries, ${c.w9_dims} dims; baseline = the exact scan over the ` +
          `same vectors in memory; loading ${total} chunks took ${loaded.seconds.toFixed(1)} s.`,
      }
    })
    return [...rows, recall]
  } finally {
    await store.close().catch(() => {})
    await database.drop().catch((error: unknown) => {
      console.log(`could not drop a ${engine} W9 database: ${String(error)}`)
    })
  }
}

/** W9m: top-10 of one owner's messages, as that owner, against the exact scan in memory. */
async function messageRecall(
  store: Store,
  options: BenchOptions,
  owners: Loaded['owners'],
  next: () => number,
  queries: number[][],
  limit: number,
): Promise<ReportRow> {
  const c = options.counts
  const loaded = await loadMessages(store, options, owners, next)
  await store.forUser(loaded.owners[0]!.user_id).search.similarMessages({ embedding: queries[0]! })
  const chatkeep = new Recorder()
  const baseline = new Recorder()
  const recalls: number[] = []
  for (const [i, embedding] of queries.entries()) {
    const owner = loaded.owners[i % loaded.owners.length]!
    const t0 = performance.now()
    const { data } = await store.forUser(owner.user_id).search.similarMessages({ embedding, k: K })
    const ms = performance.now() - t0
    const truth = exact(floatView(Buffer.from(Float32Array.from(embedding).buffer)), [owner])
    chatkeep.addPass([ms], ms)
    baseline.addPass([truth.ms], truth.ms)
    recalls.push(
      overlap(
        data.map((hit) => hit.id),
        truth.ids,
      ),
    )
  }
  const summary = summarize(chatkeep)
  const recall = recalls.reduce((a, b) => a + b, 0) / recalls.length
  const perOwner = Math.ceil(c.w9_chunks / c.w9_owners).toLocaleString('en')
  return {
    id: 'W9m',
    title: `recall, one owner's ${perOwner} msgs`,
    target: null,
    seconds: loaded.seconds,
    summaries: { chatkeep: summary, baseline: summarize(baseline) },
    note:
      `p50 ${summary.p50_ms.toFixed(1)} ms (target <= ${limit} ms: ` +
      `${summary.p50_ms <= limit ? 'met' : 'MISSED'}), recall@10 ${recall.toFixed(3)}` +
      ` over ${c.w9_queries} queries, ${c.w9_dims} dims; baseline = the exact scan over the ` +
      `same vectors in memory; appending ${c.w9_chunks.toLocaleString('en')} messages with ` +
      `embeddings took ${loaded.seconds.toFixed(1)} s.`,
  }
}
