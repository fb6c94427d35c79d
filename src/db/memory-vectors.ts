import { sql } from 'kysely'
import type { Database } from './database.js'
import { Mutex } from './mutex.js'
import type { NearestQuery, VectorHit, VectorIndex } from './vector-index.js'

/**
 * PostgreSQL without pgvector: every live chunk embedding held in this process, normalised, in
 * one dense Float32Array per (dimension, owner), and kept current from `chunk_vector_changes`,
 * the log the database's triggers write in commit order (they serialise on an advisory lock, so
 * a log row of a lower seq is never committed after one of a higher seq is visible). The index
 * is loaded on the first search; every search first applies the log past its watermark, so it
 * sees every commit made before it began, on any instance, and a restart just loads again.
 */

/** The log's rows applied per round trip, and chunks read per batch of a load. */
const BATCH = 5_000

/** One owner's vectors of one dimension ('' for shared documents). */
class Partition {
  ids: string[] = []
  documents: string[] = []
  types: (string | null)[] = []
  data: Float32Array
  readonly slots = new Map<string, number>()

  constructor(readonly dimensions: number) {
    this.data = new Float32Array(dimensions * 64)
  }

  get size(): number {
    return this.ids.length
  }

  add(id: string, document: string, type: string | null, vector: Float32Array): void {
    const slot = this.ids.length
    if ((slot + 1) * this.dimensions > this.data.length) {
      const grown = new Float32Array(this.data.length * 2)
      grown.set(this.data)
      this.data = grown
    }
    this.data.set(vector, slot * this.dimensions)
    this.ids.push(id)
    this.documents.push(document)
    this.types.push(type)
    this.slots.set(id, slot)
  }

  /** Moves the last vector into the hole, so the array stays dense. */
  remove(id: string): void {
    const slot = this.slots.get(id)
    if (slot === undefined) return
    const last = this.ids.length - 1
    if (slot !== last) {
      const d = this.dimensions
      this.data.copyWithin(slot * d, last * d, (last + 1) * d)
      this.ids[slot] = this.ids[last]!
      this.documents[slot] = this.documents[last]!
      this.types[slot] = this.types[last]!
      this.slots.set(this.ids[slot], slot)
    }
    this.ids.pop()
    this.documents.pop()
    this.types.pop()
    this.slots.delete(id)
  }

  /** Offers every vector that passes the filters to `best`; the filters are checked first. */
  scan(query: Float32Array, filter: NearestQuery, best: Best): void {
    const d = this.dimensions
    for (let slot = 0; slot < this.ids.length; slot++) {
      if (filter.document_id !== undefined && this.documents[slot] !== filter.document_id) continue
      if (filter.doc_type !== undefined && this.types[slot] !== filter.doc_type) continue
      best.offer(this.ids[slot]!, dot(this.data, slot * d, query))
    }
  }
}

/** The dot product of the vector at `base` with `query`, four lanes at a time (V8 keeps them apart). */
function dot(data: Float32Array, base: number, query: Float32Array): number {
  const d = query.length
  let a = 0
  let b = 0
  let c = 0
  let e = 0
  let i = 0
  for (; i + 3 < d; i += 4) {
    a += data[base + i]! * query[i]!
    b += data[base + i + 1]! * query[i + 1]!
    c += data[base + i + 2]! * query[i + 2]!
    e += data[base + i + 3]! * query[i + 3]!
  }
  for (; i < d; i++) a += data[base + i]! * query[i]!
  return a + b + c + e
}

/** The k best seen, best first (ties by id, as the SQL engines are asked to order them). */
class Best {
  readonly items: VectorHit[] = []
  constructor(private readonly k: number) {}

  offer(id: string, score: number): void {
    const items = this.items
    if (items.length === this.k && score <= items[items.length - 1]!.score) return
    let i = items.length
    while (i > 0 && items[i - 1]!.score < score) i--
    items.splice(i, 0, { id, score })
    if (items.length > this.k) items.pop()
  }
}

interface ChunkRow {
  id: string
  document_id: string
  user_id: string | null
  doc_type: string | null
  embedding: string
}

function normalised(bytes: Buffer): Float32Array {
  const copy = new Uint8Array(bytes)
  const v = new Float32Array(copy.buffer, 0, copy.byteLength >> 2)
  let sum = 0
  for (const x of v) sum += x * x
  // A zero vector stays zero: its cosine to anything is taken as 0, as in the exact scan.
  if (sum > 0) {
    const norm = Math.sqrt(sum)
    for (let i = 0; i < v.length; i++) v[i] = v[i]! / norm
  }
  return v
}

/** What this process holds: partitions by dimension then owner, and where each chunk is. */
class Vectors {
  readonly byDimension = new Map<number, Map<string, Partition>>()
  readonly where = new Map<string, Partition>()
  readonly chunksOf = new Map<string, Set<string>>()

  constructor(public watermark: number) {}

  add(row: ChunkRow): void {
    this.removeChunk(row.id)
    const vector = normalised(Buffer.from(row.embedding, 'base64'))
    let owners = this.byDimension.get(vector.length)
    if (owners === undefined) {
      owners = new Map()
      this.byDimension.set(vector.length, owners)
    }
    const owner = row.user_id ?? ''
    let partition = owners.get(owner)
    if (partition === undefined) {
      partition = new Partition(vector.length)
      owners.set(owner, partition)
    }
    partition.add(row.id, row.document_id, row.doc_type, vector)
    this.where.set(row.id, partition)
    let chunks = this.chunksOf.get(row.document_id)
    if (chunks === undefined) {
      chunks = new Set()
      this.chunksOf.set(row.document_id, chunks)
    }
    chunks.add(row.id)
  }

  removeChunk(id: string): void {
    const partition = this.where.get(id)
    if (partition === undefined) return
    const document = partition.documents[partition.slots.get(id)!]!
    partition.remove(id)
    this.where.delete(id)
    const chunks = this.chunksOf.get(document)
    chunks?.delete(id)
    if (chunks?.size === 0) this.chunksOf.delete(document)
  }

  removeDocument(id: string): void {
    for (const chunk of [...(this.chunksOf.get(id) ?? [])]) this.removeChunk(chunk)
  }
}

/** The live chunks with embeddings, of some documents or (ids undefined) of all, from `after` on. */
function liveChunks(db: Database, documentIds: string[] | undefined, after: string | null) {
  let q = db.kysely
    .selectFrom('document_chunks as c')
    .innerJoin('documents as d', 'd.id', 'c.document_id')
    .select([
      'c.id',
      'c.document_id',
      'd.user_id',
      'd.doc_type',
      sql<string>`encode(c.embedding, 'base64')`.as('embedding'),
    ])
    .where('c.embedding', 'is not', null)
    .where('d.deleted_at', 'is', null)
  if (documentIds !== undefined)
    q = q.where(db.dialect.idIn('c.document_id', JSON.stringify(documentIds)))
  if (after !== null) q = q.where('c.id', '>', after)
  return q.orderBy('c.id').limit(BATCH)
}

export class MemoryVectorIndex implements VectorIndex {
  #vectors: Vectors | undefined
  readonly #mutex = new Mutex()

  /** Any dimension is indexed as it comes: nothing to prepare. */
  async cover(): Promise<void> {}

  async nearest(db: Database, query: NearestQuery): Promise<VectorHit[]> {
    const vectors = await this.#current(db.root)
    const owners = vectors.byDimension.get(query.vector.length)
    const best = new Best(query.k)
    if (owners === undefined) return best.items
    const q = normalised(
      Buffer.from(query.vector.buffer, query.vector.byteOffset, query.vector.byteLength),
    )
    const partitions =
      query.owner === null ? [...owners.values()] : [owners.get(query.owner), owners.get('')]
    for (const partition of partitions) {
      if (partition !== undefined) partition.scan(q, query, best)
    }
    return best.items
  }

  /** The index as of now: loaded on first use, then brought up to the log's latest commit. */
  async #current(db: Database): Promise<Vectors> {
    await this.#mutex.lock()
    try {
      this.#vectors ??= await load(db)
      await catchUp(db, this.#vectors)
      return this.#vectors
    } finally {
      this.#mutex.unlock()
    }
  }
}

/** Every live chunk embedding, and the log's last seq, read in one snapshot. */
function load(db: Database): Promise<Vectors> {
  return db.snapshot(async (snapshot) => {
    const [top] = await snapshot.all<{ seq: number | null }>(
      db.kysely
        .selectFrom('chunk_vector_changes')
        .select((eb) => eb.fn.max('seq').as('seq'))
        .compile(),
    )
    const vectors = new Vectors(Number(top?.seq ?? 0))
    for (let after: string | null = null; ;) {
      const rows: ChunkRow[] = await snapshot.all<ChunkRow>(
        liveChunks(db, undefined, after).compile(),
      )
      for (const row of rows) vectors.add(row)
      if (rows.length < BATCH) return vectors
      after = rows.at(-1)!.id
    }
  })
}

/**
 * Applies the log past the watermark: each document named there is read again as it is now
 * (a state newer than the log row only repeats what a later row will say).
 */
async function catchUp(db: Database, vectors: Vectors): Promise<void> {
  for (;;) {
    const changes = await db.kysely
      .selectFrom('chunk_vector_changes')
      .select(['seq', 'document_id'])
      .where('seq', '>', vectors.watermark)
      .orderBy('seq')
      .limit(BATCH)
      .execute()
    if (changes.length === 0) return
    const documents = [...new Set(changes.map((c) => c.document_id))]
    for (const id of documents) vectors.removeDocument(id)
    for (let after: string | null = null; ;) {
      const rows: ChunkRow[] = await liveChunks(db, documents, after).execute()
      for (const row of rows) vectors.add(row)
      if (rows.length < BATCH) break
      after = rows.at(-1)!.id
    }
    vectors.watermark = Number(changes.at(-1)!.seq)
    if (changes.length < BATCH) return
  }
}
