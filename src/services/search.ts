import { readInstant } from '../schemas/date-time.js'
import type { MessageCipher } from '../crypto/message-cipher.js'
import type { Database } from '../db/database.js'
import { decodeMessage } from '../repositories/messages.js'
import { ChatkeepError } from '../errors.js'
import { cosine, floatView, TopK, vectorNorm } from '../lib/cosine.js'
import { finiteEmbedding } from '../lib/embedding.js'
import { isUuid } from '../lib/uuid7.js'
import type { Owner } from '../repositories/conversations.js'
import type { MessageSearchIndex, MessageSearchStatus } from './message-search-index.js'
import * as search from '../repositories/search.js'
import * as similarity from '../repositories/similarity.js'
import type { Role } from '../schemas/data.js'
import { LIMITS } from '../schemas/limits.js'
import {
  type SearchHit,
  type SearchPage,
  type SearchQuery,
  SearchQuerySchema,
  type SimilarHit,
  type SimilarMessageHit,
  type SimilarMessagesQuery,
  SimilarMessagesQuerySchema,
  type SimilarQuery,
  SimilarQuerySchema,
} from '../schemas/search.js'
import { validator } from '../schemas/validate.js'

const validate = validator(SearchQuerySchema)
const validateSimilar = validator(SimilarQuerySchema)
const validateSimilarMessages = validator(SimilarMessagesQuerySchema)
const MAX_TERMS = 32
/** Chunks read per round trip of a similarity scan. */
const SCAN_BATCH = 5000

/**
 * Full-text search over the caller's own live messages, or over the chunks of the live
 * documents they may read. Every word of `q` must occur; words are matched whole, ignoring
 * case, unstemmed, the same on both engines.
 */
export class SearchService {
  constructor(
    private readonly db: Database,
    private readonly owner: Owner,
    private readonly cipher: MessageCipher | null = null,
    /** The store's message search mode; without one (a bare service), messages are searchable. */
    protected readonly index: MessageSearchIndex | null = null,
  ) {}

  /**
   * @example
   * const page = await store.forUser(id).search.search({ q: 'lisbon trip', scope: 'messages' })
   * page.data[0]?.snippet // '… our <mark>trip</mark> to <mark>Lisbon</mark> …'
   */
  async search(input: SearchQuery): Promise<Omit<SearchPage, 'object'>> {
    const query = validate(input)
    const terms = termsOf(query.q)
    const limit = query.limit ?? LIMITS.default_page
    const common = {
      owner: this.owner,
      terms,
      limit,
      after: query.after === undefined ? undefined : decodeCursor(query.after),
      created_after: time(query.created_after, '/created_after'),
      created_before: time(query.created_before, '/created_before'),
    }
    const scope = query.scope ?? 'messages'
    if (scope === 'messages') await this.index?.assertSearchable()
    if (scope === 'messages' && (query.document_id ?? query.doc_type) !== undefined) {
      const field = query.document_id !== undefined ? 'document_id' : 'doc_type'
      throw new ChatkeepError('validation_failed', `/${field}: filters documents only.`, {
        field: `/${field}`,
      })
    }
    if (scope === 'documents' && (query.conversation_id ?? query.role) !== undefined) {
      const field = query.conversation_id !== undefined ? 'conversation_id' : 'role'
      throw new ChatkeepError('validation_failed', `/${field}: filters messages only.`, {
        field: `/${field}`,
      })
    }
    const rows =
      scope === 'messages'
        ? await search.searchMessages(this.db, {
            ...common,
            conversation_id: id(query.conversation_id, 'conversation_id'),
            role: query.role,
          })
        : await search.searchChunks(this.db, {
            ...common,
            document_id: id(query.document_id, 'document_id'),
            doc_type: query.doc_type,
          })
    const has_more = rows.length > limit
    const data = rows.slice(0, limit).map((row) => toHit(row, scope))
    const last = data.at(-1)
    return {
      data,
      has_more,
      next_cursor: has_more && last !== undefined ? encodeCursor(last) : null,
    }
  }

  /**
   * The k chunks most similar to an embedding, best first.
   * @example
   * const { data } = await store.forUser(id).search.similar({ embedding: queryVector, k: 5 })
   */
  async similar(input: SimilarQuery): Promise<{ data: SimilarHit[] }> {
    return { data: await similarChunks(this.db, this.owner, input) }
  }

  /**
   * Semantic recall of history: the k live messages of the caller's own conversations most
   * similar to an embedding, best first (messages carry one when the app gave it, on append or
   * with `messages.setEmbedding`).
   * @example
   * const { data } = await store.forUser(id).search.similarMessages({ embedding: q, k: 5 })
   * data[0] // { id, conversation_id, role, sequence, content, score, … }
   */
  async similarMessages(input: SimilarMessagesQuery): Promise<{ data: SimilarMessageHit[] }> {
    const query = validateSimilarMessages(input)
    const vector = floatView(finiteEmbedding(query.embedding, '/embedding'))
    const filter = {
      owner: this.owner,
      conversation_id: id(query.conversation_id, 'conversation_id'),
      role: query.role,
    }
    const k = query.k ?? 10
    const minScore = query.min_score ?? -Infinity
    const found =
      (await this.db.vectors.nearest(this.db, { kind: 'messages', vector, k, ...filter })) ??
      (await exactMessageScan(this.db, vector, k, filter))
    const best = found.filter((hit) => hit.score >= minScore)
    const rows = await similarity.getMessageHits(
      this.db,
      best.map((hit) => hit.id),
      this.owner,
    )
    const byId = new Map(rows.map((row) => [row.id, row]))
    return {
      data: best.flatMap(({ id: messageId, score }) => {
        const row = byId.get(messageId)
        // A message deleted between the search and this read is left out.
        if (row === undefined) return []
        const message = decodeMessage(this.db.codec, row, this.cipher)
        return [
          {
            id: message.id,
            object: 'message' as const,
            score,
            conversation_id: message.conversation_id,
            role: message.role,
            sequence: message.sequence,
            content: message.content,
            created_at: message.created_at,
          },
        ]
      }),
    }
  }
}

/**
 * The store's search: every user's messages and documents, and the full-text index of messages
 * (its mode and lag, and catch-up on demand).
 */
export class StoreSearchService extends SearchService {
  readonly #index: MessageSearchIndex

  constructor(db: Database, cipher: MessageCipher | null, index: MessageSearchIndex) {
    super(db, null, cipher, index)
    this.#index = index
  }

  /**
   * Indexes every message still pending (deferred or off mode) now; returns how many.
   * @example
   * await store.search.catchUp() // 42
   */
  catchUp(): Promise<number> {
    return this.#index.catchUp()
  }

  /**
   * The mode and the index's lag: messages not indexed yet and the age of the oldest.
   * @example
   * await store.search.status() // { mode: 'deferred', lag_messages: 3, lag_ms: 420 }
   */
  status(): Promise<MessageSearchStatus> {
    return this.#index.status()
  }
}

/** Messages: every vector of the query's dimension read by id in batches, compared here. */
async function exactMessageScan(
  db: Database,
  vector: Float32Array,
  k: number,
  filter: Omit<similarity.MessageEmbeddingFilter, 'bytes'>,
): Promise<{ id: string; score: number }[]> {
  const norm = vectorNorm(vector)
  const best = new TopK(k)
  const bytes = vector.length * 4
  for (let after: string | null = null; ;) {
    const rows = await similarity.messageEmbeddings(db, { ...filter, bytes }, after, SCAN_BATCH)
    for (const row of rows) best.offer(row.id, cosine(vector, norm, floatView(row.embedding)))
    if (rows.length < SCAN_BATCH) return best.items
    after = rows.at(-1)!.id
  }
}

/**
 * Top-k by cosine similarity over the embeddings of the chunks the caller may read (live
 * documents, their own and shared ones), of the query's dimension: from the engine's vector
 * index, which applies the filters inside its search; where no index covers the dimension yet
 * (SQLite, before a chunk write of it), by the exact scan.
 */
async function similarChunks(
  db: Database,
  owner: Owner,
  input: SimilarQuery,
): Promise<SimilarHit[]> {
  const query = validateSimilar(input)
  const vector = floatView(finiteEmbedding(query.embedding, '/embedding'))
  const filter = {
    owner,
    document_id: id(query.document_id, 'document_id'),
    doc_type: query.doc_type,
  }
  const k = query.k ?? 10
  const minScore = query.min_score ?? -Infinity
  const found =
    (await db.vectors.nearest(db, { vector, k, ...filter })) ??
    (await exactScan(db, vector, k, filter))
  const best = found.filter((hit) => hit.score >= minScore)
  const details = new Map(
    (
      await similarity.getChunkDetails(
        db,
        best.map((item) => item.id),
      )
    ).map((d) => [d.id, d]),
  )
  return best.flatMap(({ id: chunkId, score }) => {
    const detail = details.get(chunkId)
    // A chunk replaced between the search and this read is left out rather than shown stale.
    return detail === undefined
      ? []
      : [
          {
            ...detail,
            chunk_index: Number(detail.chunk_index),
            object: 'document_chunk' as const,
            score,
          },
        ]
  })
}

/** Every vector of the query's dimension read in batches and compared here, in float32. */
async function exactScan(
  db: Database,
  vector: Float32Array,
  k: number,
  filter: Omit<similarity.EmbeddingFilter, 'bytes'>,
): Promise<{ id: string; score: number }[]> {
  const norm = vectorNorm(vector)
  const best = new TopK(k)
  const bytes = vector.length * 4
  const counts = await similarity.countEmbeddingsByDocument(db, { ...filter, bytes })
  for (const batch of batches(counts)) {
    for (const row of await similarity.embeddingsOfDocuments(db, batch, bytes)) {
      best.offer(row.id, cosine(vector, norm, floatView(row.embedding)))
    }
  }
  return best.items
}

/** Whole documents packed into batches of about SCAN_BATCH embeddings (a bigger one goes alone). */
function batches(counts: { document_id: string; n: number }[]): string[][] {
  const out: string[][] = []
  let current: string[] = []
  let size = 0
  for (const { document_id, n } of counts) {
    if (current.length > 0 && size + n > SCAN_BATCH) {
      out.push(current)
      current = []
      size = 0
    }
    current.push(document_id)
    size += n
  }
  if (current.length > 0) out.push(current)
  return out
}

/** The words of a query as both engines' tokenizers see them: letters and digits, lower-cased. */
export function termsOf(q: string): string[] {
  const words =
    q
      .normalize('NFKC')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  const terms = [...new Set(words)]
  if (terms.length === 0) {
    throw new ChatkeepError('validation_failed', '/q: must hold at least one word.', {
      field: '/q',
    })
  }
  if (terms.length > MAX_TERMS) {
    throw new ChatkeepError('validation_failed', `/q: at most ${MAX_TERMS} words.`, {
      field: '/q',
    })
  }
  return terms
}

function toHit(row: search.SearchRow, scope: 'messages' | 'documents'): SearchHit {
  return {
    id: row.id,
    object: scope === 'messages' ? 'message' : 'document_chunk',
    score: Number(row.score),
    snippet: row.snippet,
    created_at: row.created_at,
    conversation_id: row.conversation_id,
    role: row.role as Role | null,
    document_id: row.document_id,
    chunk_index: row.chunk_index === null ? null : Number(row.chunk_index),
    content_hash: row.content_hash,
    title: row.title,
    source_url: row.source_url,
    doc_type: row.doc_type,
  }
}

const encodeCursor = (hit: SearchHit): string =>
  Buffer.from(JSON.stringify([hit.score, hit.id])).toString('base64url')

function decodeCursor(cursor: string): search.SearchCursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'number' &&
      Number.isFinite(value[0]) &&
      typeof value[1] === 'string' &&
      isUuid(value[1])
    ) {
      return { score: value[0], id: value[1] }
    }
  } catch {
    // Not base64 JSON: refused below like any other malformed cursor.
  }
  throw new ChatkeepError('validation_failed', "/after: must be a previous page's next_cursor.", {
    field: '/after',
  })
}

/** A filter id; a malformed one is refused here, before PostgreSQL could choke on it as a uuid. */
function id(value: string | undefined, field: string): string | undefined {
  if (value !== undefined && !isUuid(value)) {
    throw new ChatkeepError('validation_failed', `/${field}: must be an id (UUID).`, {
      field: `/${field}`,
    })
  }
  return value
}

const time = (value: string | undefined, field: string): string | undefined =>
  value === undefined ? undefined : readInstant(value, field)
