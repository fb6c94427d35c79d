/**
 * Top-10 similarity search latency over 100,000 chunks of 384 dimensions, on each engine:
 * `npx tsx bench/similarity.ts [--chunks N] [--dims D] [--queries Q] [--engine sqlite|postgres]`.
 * Not part of `npm run bench`: loading the chunks takes a while. Vectors are seeded random, so
 * runs compare; the "floor" line is the same cosine scan over vectors already in memory.
 */
import { parseArgs } from 'node:util'
import { openStore } from '../src/index.js'
import { cosine, floatView, TopK, vectorNorm } from '../src/lib/cosine.js'
import { createBenchDatabase } from './databases.js'

const { values } = parseArgs({
  options: {
    chunks: { type: 'string', default: '100000' },
    dims: { type: 'string', default: '384' },
    queries: { type: 'string', default: '20' },
    engine: { type: 'string', multiple: true },
  },
})
const CHUNKS = Number(values.chunks)
const DIMS = Number(values.dims)
const QUERIES = Number(values.queries)
const ENGINES = (values.engine ?? ['sqlite', 'postgres']) as ('sqlite' | 'postgres')[]
const PER_DOCUMENT = 5000
const PG_ADMIN_URL =
  process.env.CHATKEEP_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

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
const next = random(42)
const vector = () => Array.from({ length: DIMS }, () => next() * 2 - 1)

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!

function report(label: string, times: number[]): void {
  const sorted = [...times].sort((a, b) => a - b)
  const mean = times.reduce((a, b) => a + b, 0) / times.length
  console.log(
    `${label.padEnd(34)} p50 ${percentile(sorted, 50).toFixed(1).padStart(7)} ms   p95 ${percentile(sorted, 95).toFixed(1).padStart(7)} ms   mean ${mean.toFixed(1).padStart(7)} ms`,
  )
}

const queries = Array.from({ length: QUERIES }, vector)
console.log(`similarity: top-10 by cosine over ${CHUNKS} chunks × ${DIMS} dims, ${QUERIES} queries`)

for (const engine of ENGINES) {
  const database = await createBenchDatabase(engine, PG_ADMIN_URL)
  const store = await openStore({ database_url: database.url, migrate: true })
  try {
    const loadStart = performance.now()
    const floor: Float32Array[] = []
    for (let done = 0, doc = 0; done < CHUNKS; doc++) {
      const n = Math.min(PER_DOCUMENT, CHUNKS - done)
      const chunks = Array.from({ length: n }, (_, i) => {
        const embedding = vector()
        floor.push(Float32Array.from(embedding))
        return { content: `chunk ${done + i} of document ${doc}`, embedding }
      })
      await store.documents.ingest({ source_url: `bench://doc/${doc}`, doc_type: 'bench', chunks })
      done += n
    }
    console.log(`\n${engine}: loaded in ${((performance.now() - loadStart) / 1000).toFixed(1)} s`)

    await store.search.similar({ embedding: queries[0]!, k: 10 })
    const times: number[] = []
    for (const embedding of queries) {
      const start = performance.now()
      const { data } = await store.search.similar({ embedding, k: 10 })
      times.push(performance.now() - start)
      if (data.length !== 10) throw new Error(`expected 10 hits, got ${data.length}`)
    }
    report(`${engine} store.search.similar k=10`, times)

    const floorTimes: number[] = []
    for (const embedding of queries) {
      const start = performance.now()
      const q = floatView(Buffer.from(Float32Array.from(embedding).buffer))
      const norm = vectorNorm(q)
      const best = new TopK(10)
      floor.forEach((v, i) => best.offer(String(i), cosine(q, norm, v)))
      floorTimes.push(performance.now() - start)
    }
    report('floor: in-memory scan', floorTimes)
  } finally {
    await store.close()
    await database.drop()
  }
}
