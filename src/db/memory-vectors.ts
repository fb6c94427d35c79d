import { type CompiledQuery, sql } from 'kysely'
import type { Database } from './database.js'
import { Mutex } from './mutex.js'
import {
  type Filters,
  filtersOf,
  type NearestQuery,
  type VectorHit,
  type VectorIndex,
  type VectorKind,
} from './vector-index.js'

/**
 * PostgreSQL without pgvector: every live embedding of a kind (chunks', messages') held in this
 * process, normalised, in one dense Float32Array per (dimension, owner), and kept current from
 * the kind's change log (`chunk_vector_changes`, `message_vector_changes`), which the database's
 * triggers write in commit order (they serialise on an advisory lock, so a log row of a lower
 * seq is never committed after one of a higher seq is visible). An index is loaded on its first
 * search; every search first applies the log past its watermark, so it sees every commit made
 * before it began, on any instance, and a restart just loads again.
 *
 * The log would grow with every write for ever: an instance that has applied it keeps only its
 * last `log_keep` rows. An instance further behind than that (idle, or started long ago) finds
 * the rows after its watermark gone — the oldest row left is past it — and loads afresh.
 */

/** The log's rows applied per round trip, and chunks read per batch of a load. */
const BATCH = 5_000

/**
 * Log rows kept behind the newest an instance has applied: room for instances a little behind
 * to catch up row by row (a row is a document's or a message's change, some 40 bytes).
 */
const LOG_KEEP = 100_000

export interface MemoryVectorIndexOptions {
  /** Log rows kept (LOG_KEEP); the log is pruned once it holds twice as many. */
  log_keep?: number
}

/**
 * One owner's vectors of one dimension ('' for shared documents), each with its group (a chunk's
 * document, a message's conversation) and tag (doc_type, role) to filter on.
 */
class Partition {
  ids: string[] = []
  groups: string[] = []
  tags: (string | null)[] = []
  data: Float32Array
  readonly slots = new Map<string, number>()

  constructor(readonly dimensions: number) {
    this.data = new Float32Array(dimensions * 64)
  }

  get size(): number {
    return this.ids.length
  }

  add(id: string, group: string, tag: string | null, vector: Float32Array): void {
    const slot = this.ids.length
    if ((slot + 1) * this.dimensions > this.data.length) {
      const grown = new Float32Array(this.data.length * 2)
      grown.set(this.data)
      this.data = grown
    }
    this.data.set(vector, slot * this.dimensions)
    this.ids.push(id)
    this.groups.push(group)
    this.tags.push(tag)
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
      this.groups[slot] = this.groups[last]!
      this.tags[slot] = this.tags[last]!
      this.slots.set(this.ids[slot], slot)
    }
    this.ids.pop()
    this.groups.pop()
    this.tags.pop()
    this.slots.delete(id)
  }

  /** Offers every vector that passes the filters to `best`; the filters are checked first. */
  scan(query: Float32Array, filter: Filters, best: Best): void {
    const d = this.dimensions
    for (let slot = 0; slot < this.ids.length; slot++) {
      if (filter.group !== undefined && this.groups[slot] !== filter.group) continue
      if (filter.tag !== undefined && this.tags[slot] !== filter.tag) continue
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

/**
 * A live embedding as a kind's source reads it: `key` is what its log names (a chunk's document,
 * a message itself), `owner` its partition.
 */
interface VectorRow {
  id: string
  key: string
  owner: string
  group: string
  tag: string | null
  embedding: string
}

type LogTable = 'chunk_vector_changes' | 'message_vector_changes'

/** Where a kind's vectors and its change log live. */
interface Source {
  log: LogTable
  logKey: 'document_id' | 'message_id'
  /** The live embeddings of some keys or (keys undefined) of all, ordered by id, from `after` on. */
  live(db: Database, keys: string[] | undefined, after: string | null): Compilable<VectorRow>
}

interface Compilable<R> {
  compile(): CompiledQuery<R>
  execute(): Promise<R[]>
}

const base64 = (column: string) => sql<string>`encode(${sql.ref(column)}, 'base64')`

const SOURCES: Record<VectorKind, Source> = {
  chunks: {
    log: 'chunk_vector_changes',
    logKey: 'document_id',
    live(db, documentIds, after) {
      let q = db.kysely
        .selectFrom('document_chunks as c')
        .innerJoin('documents as d', 'd.id', 'c.document_id')
        .select([
          'c.id',
          'c.document_id as key',
          sql<string>`coalesce(d.user_id::text, '')`.as('owner'),
          'c.document_id as group',
          'd.doc_type as tag',
          base64('c.embedding').as('embedding'),
        ])
        .where('c.embedding', 'is not', null)
        .where('d.deleted_at', 'is', null)
      if (documentIds !== undefined)
        q = q.where(db.dialect.idIn('c.document_id', JSON.stringify(documentIds)))
      if (after !== null) q = q.where('c.id', '>', after)
      return q.orderBy('c.id').limit(BATCH)
    },
  },
  messages: {
    log: 'message_vector_changes',
    logKey: 'message_id',
    live(db, messageIds, after) {
      let q = db.kysely
        .selectFrom('messages as m')
        .select([
          'm.id',
          'm.id as key',
          'm.user_id as owner',
          'm.conversation_id as group',
          'm.role as tag',
          base64('m.embedding').as('embedding'),
        ])
        .where('m.embedding', 'is not', null)
        .where('m.deleted_at', 'is', null)
      if (messageIds !== undefined) q = q.where(db.dialect.idIn('m.id', JSON.stringify(messageIds)))
      if (after !== null) q = q.where('m.id', '>', after)
      return q.orderBy('m.id').limit(BATCH)
    },
  },
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

/** What this process holds: partitions by dimension then owner, and where each vector is. */
class Vectors {
  readonly byDimension = new Map<number, Map<string, Partition>>()
  readonly where = new Map<string, Partition>()
  readonly keyOf = new Map<string, string>()
  readonly idsOf = new Map<string, Set<string>>()

  constructor(public watermark: number) {}

  add(row: VectorRow): void {
    this.removeId(row.id)
    const vector = normalised(Buffer.from(row.embedding, 'base64'))
    let owners = this.byDimension.get(vector.length)
    if (owners === undefined) {
      owners = new Map()
      this.byDimension.set(vector.length, owners)
    }
    const owner = row.owner
    let partition = owners.get(owner)
    if (partition === undefined) {
      partition = new Partition(vector.length)
      owners.set(owner, partition)
    }
    partition.add(row.id, row.group, row.tag, vector)
    this.where.set(row.id, partition)
    this.keyOf.set(row.id, row.key)
    let ids = this.idsOf.get(row.key)
    if (ids === undefined) {
      ids = new Set()
      this.idsOf.set(row.key, ids)
    }
    ids.add(row.id)
  }

  removeId(id: string): void {
    const partition = this.where.get(id)
    if (partition === undefined) return
    const key = this.keyOf.get(id)!
    partition.remove(id)
    this.where.delete(id)
    this.keyOf.delete(id)
    const ids = this.idsOf.get(key)
    ids?.delete(id)
    if (ids?.size === 0) this.idsOf.delete(key)
  }

  /** Everything a log key covers: a document's chunks, or the one message. */
  removeKey(key: string): void {
    for (const id of [...(this.idsOf.get(key) ?? [])]) this.removeId(id)
  }
}

/** One kind's in-memory index. */
export class MemoryVectorIndex implements VectorIndex {
  #vectors: Vectors | undefined
  readonly #mutex = new Mutex()
  readonly #source: Source

  readonly #logKeep: number

  constructor(
    readonly kind: VectorKind = 'chunks',
    options: MemoryVectorIndexOptions = {},
  ) {
    this.#source = SOURCES[kind]
    this.#logKeep = options.log_keep ?? LOG_KEEP
  }

  /** Any dimension is indexed as it comes: nothing to prepare. */
  async cover(): Promise<void> {}

  async nearest(db: Database, query: NearestQuery): Promise<VectorHit[]> {
    const filters = filtersOf(query)
    const vectors = await this.#current(db.root)
    const owners = vectors.byDimension.get(query.vector.length)
    const best = new Best(query.k)
    if (owners === undefined) return best.items
    const q = normalised(
      Buffer.from(query.vector.buffer, query.vector.byteOffset, query.vector.byteLength),
    )
    // A user reads their own partition, and for chunks the shared documents' ('').
    const partitions =
      filters.owner === null
        ? [...owners.values()]
        : [owners.get(filters.owner), filters.kind === 'chunks' ? owners.get('') : undefined]
    for (const partition of partitions) {
      if (partition !== undefined) partition.scan(q, filters, best)
    }
    return best.items
  }

  /** The index as of now: loaded on first use, then brought up to the log's latest commit. */
  async #current(db: Database): Promise<Vectors> {
    await this.#mutex.lock()
    try {
      let vectors = (this.#vectors ??= await load(db, this.#source))
      const oldest = await catchUp(db, this.#source, vectors)
      if (oldest === 'pruned_past_watermark') {
        vectors = this.#vectors = await load(db, this.#source)
      } else if (oldest !== null && vectors.watermark - oldest >= 2 * this.#logKeep) {
        await pruneLog(db, this.#source, vectors.watermark - this.#logKeep)
      }
      return vectors
    } finally {
      this.#mutex.unlock()
    }
  }
}

/** A memory index per kind, each loaded on its own first search. */
export class MemoryVectorIndexes implements VectorIndex {
  readonly #indexes: Record<VectorKind, MemoryVectorIndex>

  constructor(options: MemoryVectorIndexOptions = {}) {
    this.#indexes = {
      chunks: new MemoryVectorIndex('chunks', options),
      messages: new MemoryVectorIndex('messages', options),
    }
  }

  async cover(): Promise<void> {}

  nearest(db: Database, query: NearestQuery): Promise<VectorHit[]> {
    return this.#indexes[filtersOf(query).kind].nearest(db, query)
  }
}

/** Every live embedding of a kind, and its log's last seq, read in one snapshot. */
function load(db: Database, source: Source): Promise<Vectors> {
  return db.snapshot(async (snapshot) => {
    const [top] = await snapshot.all<{ seq: number | null }>(
      db.kysely
        .selectFrom(source.log)
        .select((eb) => eb.fn.max('seq').as('seq'))
        .compile(),
    )
    const vectors = new Vectors(Number(top?.seq ?? 0))
    for (let after: string | null = null; ;) {
      const rows: VectorRow[] = await snapshot.all<VectorRow>(
        source.live(db, undefined, after).compile(),
      )
      for (const row of rows) vectors.add(row)
      if (rows.length < BATCH) return vectors
      after = rows.at(-1)!.id
    }
  })
}

/**
 * Applies the log past the watermark: each key named there (a document, a message) is read
 * again as it is now (a state newer than the log row only repeats what a later row will say).
 * Answers the log's oldest seq as last seen (null when nothing was past the watermark), or
 * `pruned_past_watermark` when rows after the watermark are gone and only a load can tell what
 * they said. A gap left by a rolled-back write right at the log's start looks the same, and
 * costs a load that was not needed, never a missed change.
 */
async function catchUp(
  db: Database,
  source: Source,
  vectors: Vectors,
): Promise<number | null | 'pruned_past_watermark'> {
  const log = sql.table(source.log)
  for (;;) {
    const changes = await db.kysely
      .selectFrom(source.log)
      .select([
        'seq',
        sql<string>`${sql.ref(source.logKey)}`.as('key'),
        sql<string>`(select min(seq) from ${log})`.as('oldest'),
      ])
      .where('seq', '>', vectors.watermark)
      .orderBy('seq')
      .limit(BATCH)
      .execute()
    if (changes.length === 0) return null
    const oldest = Number(changes[0]!.oldest)
    if (oldest > vectors.watermark + 1) return 'pruned_past_watermark'
    const keys = [...new Set(changes.map((c) => c.key))]
    for (const key of keys) vectors.removeKey(key)
    for (let after: string | null = null; ;) {
      const rows: VectorRow[] = await source.live(db, keys, after).execute()
      for (const row of rows) vectors.add(row)
      if (rows.length < BATCH) break
      after = rows.at(-1)!.id
    }
    vectors.watermark = Number(changes.at(-1)!.seq)
    if (changes.length < BATCH) return oldest
  }
}

/**
 * Deletes the log's rows up to `through`, which this instance has applied. Housekeeping on the
 * search path: a failure leaves the rows for the next search to try again, and never fails
 * the search.
 */
async function pruneLog(db: Database, source: Source, through: number): Promise<void> {
  try {
    await db.write(() => db.kysely.deleteFrom(source.log).where('seq', '<=', through).execute())
  } catch {
    // Left for the next search.
  }
}
