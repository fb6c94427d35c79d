/** A seeded corpus of embeddings and the exact cosine top-k over it, for the vector tests. */

export interface CorpusChunk {
  content: string
  embedding: number[]
  owner?: string | null
  doc_type?: string
  document_id?: string
}

/** mulberry32: the same vectors on every run and every engine. */
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

export function seededCorpus(seed: number, n: number, dims: number): CorpusChunk[] {
  const next = random(seed)
  return Array.from({ length: n }, (_, i) => ({
    content: `chunk ${seed}-${i}`,
    // float32 values, as the store keeps them, so the exact answer compares the same numbers.
    embedding: Array.from(Float32Array.from({ length: dims }, () => next() * 2 - 1)),
  }))
}

const cosine = (a: number[], b: number[]) => {
  let dot = 0
  let na = 0
  let nb = 0
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!
    na += a[i]! * a[i]!
    nb += b[i]! * b[i]!
  }
  return dot / Math.sqrt(na * nb)
}

/** The ids of the k chunks most similar to `query`, best first. */
export function exactTopK(
  chunks: (CorpusChunk & { id: string })[],
  query: number[],
  k: number,
): string[] {
  return chunks
    .map((c) => ({ id: c.id, score: cosine(c.embedding, query) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, k)
    .map((c) => c.id)
}
