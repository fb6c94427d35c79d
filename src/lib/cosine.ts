/** A float32 view of an embedding's bytes, copied only when they are not 4-byte aligned. */
export function floatView(bytes: Uint8Array): Float32Array {
  if (bytes.byteOffset % 4 === 0) {
    return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 2)
  }
  const copy = new Uint8Array(bytes)
  return new Float32Array(copy.buffer, 0, copy.byteLength >> 2)
}

/** Cosine similarity of `a` against a query whose norm is already known; 0 for a zero vector. */
export function cosine(query: Float32Array, queryNorm: number, a: Float32Array): number {
  let dot = 0
  let norm = 0
  for (let i = 0; i < query.length; i++) {
    const x = a[i]!
    dot += x * query[i]!
    norm += x * x
  }
  return norm === 0 || queryNorm === 0 ? 0 : dot / (Math.sqrt(norm) * queryNorm)
}

export const vectorNorm = (v: Float32Array): number => {
  let sum = 0
  for (const x of v) sum += x * x
  return Math.sqrt(sum)
}

/** The k best (id, score) pairs seen, best first; a sorted array beats a heap for small k. */
export class TopK {
  readonly items: { id: string; score: number }[] = []
  constructor(private readonly k: number) {}

  /** The score a candidate must beat to get in. */
  get floor(): number {
    return this.items.length < this.k ? -Infinity : this.items.at(-1)!.score
  }

  offer(id: string, score: number): void {
    if (score <= this.floor) return
    let i = this.items.length
    while (i > 0 && this.items[i - 1]!.score < score) i--
    this.items.splice(i, 0, { id, score })
    if (this.items.length > this.k) this.items.pop()
  }
}
