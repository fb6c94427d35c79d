import { readInstant } from '../schemas/date-time.js'
import { encodeJson } from '../db/codec.js'
import type { Database } from '../db/database.js'
import { isDriverError, violatedUniqueKey } from '../db/driver-errors.js'
import { ChatkeepError, notFound } from '../errors.js'
import { contentHash } from '../lib/content-hash.js'
import { finiteEmbedding } from '../lib/embedding.js'
import { isUuid, uuid7 } from '../lib/uuid7.js'
import type { Owner } from '../repositories/conversations.js'
import * as chunks from '../repositories/document-chunks.js'
import { eventRow, insertEvents } from '../repositories/events.js'
import * as documents from '../repositories/documents.js'
import type { Page } from '../schemas/data.js'
import {
  type ChunkOutcome,
  type Document,
  type DocumentListOptions,
  DocumentListSchema,
  type DocumentUpdate,
  DocumentUpdateSchema,
  type DocumentWithChunks,
  type IngestResult,
  type NewDocument,
  NewDocumentSchema,
} from '../schemas/documents.js'
import { LIMITS } from '../schemas/limits.js'
import { checkJsonSize, validator } from '../schemas/validate.js'
import { checkCursors, toPage } from './page.js'
import { refuseIfOwnerHeld } from './legal-holds.js'

const validateNew = validator(NewDocumentSchema)
/** Chunks compared (and at most removed) per transaction. */
const DEFAULT_RECONCILE_BATCH = 1000

export interface ReconcileOptions {
  /** When the vector store's ids were listed; chunks written since are kept. Default: now. */
  listed_at?: Date | string | undefined
  /** Count what would go and change nothing. */
  dry_run?: boolean | undefined
  /** Chunks compared per batch, 1 to 10000; default 1000. */
  batch_size?: number | undefined
  /** Called after each committed batch of removals, with how many it removed. */
  onBatch?: ((removed: number) => void | Promise<void>) | undefined
}

export interface ReconcileReport {
  dry_run: boolean
  /** Chunks with an embedding_id that were compared. */
  checked: number
  /** Chunks removed (in a dry run: that would be) as the vector store lacks their id. */
  removed: number
}
const validateUpdate = validator(DocumentUpdateSchema)
const validateList = validator(DocumentListSchema)

/** A chunk of an ingest, hashed, with its columns ready to store. */
interface PreparedChunk {
  chunk_index: number
  content: string
  content_hash: string
  token_count: number | null
  embedding_id: string | null
  embedding: Buffer | null
}

/**
 * Documents and their chunks. A user reads their own documents and the shared ones (user_id
 * null) and writes only their own; an admin (`owner` null) reads and writes all. Another user's
 * private document answers `not_found`, exactly as a missing one.
 */
export class DocumentService {
  constructor(
    private readonly db: Database,
    private readonly owner: Owner,
  ) {}

  /**
   * Stores a document with its chunks in one transaction. A live document of the same owner and
   * source_url is replaced: its chunks whose content hash is sent again keep their ids (reported
   * `duplicate`), the others are removed, and new content is stored (`new`). A chunk sent twice
   * in one ingest is stored once.
   * @example
   * const { document, chunks } = await store.forUser(id).documents.ingest({
   *   source_url: 'https://docs.example/intro', doc_type: 'guide',
   *   chunks: [{ content: 'Install with npm.' }, { content: 'Then open a store.' }],
   * })
   */
  async ingest(input: NewDocument): Promise<IngestResult> {
    const data = validateNew(input)
    checkJsonSize('metadata', data.metadata)
    const userId = this.ownerFor(data.user_id)
    const identity = { source_url: data.source_url ?? null, doc_type: data.doc_type ?? null }
    const prepared: PreparedChunk[] = data.chunks.map((chunk, i) => {
      return {
        chunk_index: i,
        content: chunk.content,
        content_hash: contentHash(chunk.content, identity),
        token_count: chunk.token_count ?? null,
        embedding_id: chunk.embedding_id ?? null,
        embedding: chunk.embedding
          ? finiteEmbedding(chunk.embedding, `/chunks/${i}/embedding`)
          : null,
      }
    })
    const fields = {
      source_url: identity.source_url,
      doc_type: identity.doc_type,
      title: data.title ?? null,
      version: data.version ?? null,
      metadata: encodeJson(data.metadata ?? {}),
    }
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.db.transaction((tx) => this.ingestIn(tx, userId, fields, prepared))
      } catch (error) {
        // Another ingest created the document at this source_url first: replace that one.
        if (attempt === 0 && violatedUniqueKey(error) === 'documents_owner_source_key') continue
        if (userId !== null && isDriverError(error, 'foreign_key_violation')) {
          throw notFound('user', userId)
        }
        throw error
      }
    }
  }

  private async ingestIn(
    tx: Database,
    userId: string | null,
    fields: {
      source_url: string | null
      doc_type: string | null
      title: string | null
      version: string | null
      metadata: string
    },
    prepared: PreparedChunk[],
  ): Promise<IngestResult> {
    const now = new Date().toISOString()
    const existing =
      fields.source_url === null
        ? undefined
        : await documents.getDocumentBySource(tx, userId, fields.source_url)
    const document =
      existing === undefined
        ? await documents.insertDocument(tx, {
            id: uuid7(),
            user_id: userId,
            ...fields,
            created_at: now,
            updated_at: now,
            deleted_at: null,
          })
        : (await documents.updateDocument(tx, existing.id, { ...fields, updated_at: now }))!
    const stored = new Map(
      existing === undefined
        ? []
        : (await chunks.listChunksOfDocument(tx, document.id)).map((row) => [
            row.content_hash,
            row,
          ]),
    )
    const kept = new Map<string, { id: string; chunk_index: number }>()
    const outcomes: ChunkOutcome[] = []
    const inserts = []
    let newChunks = 0
    for (const chunk of prepared) {
      const seen = kept.get(chunk.content_hash)
      if (seen !== undefined) {
        outcomes.push({ ...seen, content_hash: chunk.content_hash, status: 'duplicate' })
        continue
      }
      const old = stored.get(chunk.content_hash)
      if (old !== undefined) {
        const patch = changedColumns(old, chunk)
        if (patch !== undefined) await chunks.updateChunk(tx, old.id, { ...patch, updated_at: now })
        kept.set(chunk.content_hash, { id: old.id, chunk_index: chunk.chunk_index })
        outcomes.push({
          id: old.id,
          chunk_index: chunk.chunk_index,
          content_hash: chunk.content_hash,
          status: 'duplicate',
        })
        continue
      }
      const id = uuid7()
      kept.set(chunk.content_hash, { id, chunk_index: chunk.chunk_index })
      inserts.push({ id, document_id: document.id, ...chunk, created_at: now, updated_at: now })
      outcomes.push({
        id,
        chunk_index: chunk.chunk_index,
        content_hash: chunk.content_hash,
        status: 'new',
      })
      newChunks++
    }
    const removed = [...stored.values()].filter((row) => !kept.has(row.content_hash))
    await chunks.deleteChunks(
      tx,
      removed.map((row) => row.id),
    )
    await chunks.insertChunks(tx, inserts)
    await insertEvents(
      tx,
      eventRow(
        existing === undefined ? 'document.created' : 'document.updated',
        { user_id: userId },
        {
          document_id: document.id,
          source_url: fields.source_url,
          title: fields.title,
          new_chunks: newChunks,
          removed_chunks: removed.length,
        },
        now,
      ),
    )
    return {
      document: documents.decodeDocument(this.db.codec, document),
      created: existing === undefined,
      chunks: outcomes,
      new_chunks: newChunks,
      duplicate_chunks: outcomes.length - newChunks,
      removed_chunks: removed.length,
    }
  }

  /** A document with its chunks in order. */
  async get(id: string): Promise<DocumentWithChunks> {
    const row = isUuid(id)
      ? await documents.getReadableDocument(this.db, id, this.owner)
      : undefined
    if (row === undefined) throw notFound('document', id)
    const rows = await chunks.listChunksOfDocument(this.db, id)
    return { ...documents.decodeDocument(this.db.codec, row), chunks: rows.map(chunks.decodeChunk) }
  }

  /** Live documents the caller may read (their own and the shared ones), newest first. */
  async list(options: DocumentListOptions = {}): Promise<Page<Document>> {
    const data = validateList(options)
    checkCursors(data, 'document')
    const limit = data.limit ?? LIMITS.default_page
    const rows = await documents.listDocuments(this.db, { ...data, owner: this.owner, limit })
    return toPage(rows, limit, data.before !== undefined, (row) =>
      documents.decodeDocument(this.db.codec, row),
    )
  }

  /** Changes title, version or metadata; the chunks and their hashes stay as they are. */
  async update(id: string, input: DocumentUpdate): Promise<Document> {
    const data = validateUpdate(input)
    checkJsonSize('metadata', data.metadata)
    const patch = {
      ...(data.title !== undefined ? { title: data.title } : {}),
      ...(data.version !== undefined ? { version: data.version } : {}),
      ...(data.metadata !== undefined ? { metadata: encodeJson(data.metadata) } : {}),
      updated_at: new Date().toISOString(),
    }
    const row = await this.db.transaction(async (tx) => {
      const current = await this.writableRow(tx, id)
      const updated = await documents.updateDocument(tx, id, patch)
      await insertEvents(
        tx,
        eventRow(
          'document.updated',
          { user_id: current.user_id },
          { document_id: id, changed: Object.keys(data), ...data },
          patch.updated_at,
        ),
      )
      return updated
    })
    if (row === undefined) throw notFound('document', id)
    return documents.decodeDocument(this.db.codec, row)
  }

  /**
   * Soft delete: the document and its chunks leave every read and search at once. Refused with
   * `legal_hold` while a hold covers its owner.
   */
  async delete(id: string): Promise<void> {
    const at = new Date().toISOString()
    await this.db.transaction(async (tx) => {
      const current = await this.writableRow(tx, id)
      await refuseIfOwnerHeld(tx, current.user_id, `Document ${id}`)
      await documents.updateDocument(tx, id, { deleted_at: at, updated_at: at })
      await insertEvents(
        tx,
        eventRow('document.deleted', { user_id: current.user_id }, { document_id: id }, at),
      )
    })
  }

  /**
   * Retention (admins only): removes for good the documents soft-deleted before `before`, and
   * their chunks. Until then a deleted document's chunks stay stored but out of every read,
   * search and citation.
   * @example
   * await store.documents.purgeDeleted(new Date(Date.now() - 30 * 86_400_000))
   */
  async purgeDeleted(before: Date | string): Promise<{ documents: number; chunks: number }> {
    if (this.owner !== null) {
      throw new ChatkeepError('forbidden', 'Purging deleted documents is for admins only.')
    }
    const text = before instanceof Date ? dateText(before) : before
    const at = readInstant(text, '/before')
    return this.db.transaction((tx) => documents.purgeDeletedDocuments(tx, at))
  }

  /**
   * Seed 001's orphaned-chunk cleanup: removes the chunks whose embedding_id the external
   * vector store no longer has. `ids` are every id the store holds, listed at `listed_at`
   * (default: now); a chunk written since then is kept, as the list cannot know its id. A user
   * reconciles their own documents, an admin all. Each batch of removals commits on its own,
   * so a failure midway leaves the rest for the next run.
   * @example
   * const ids = (await collection.get({ include: [] })).ids
   * const { removed } = await store.documents.reconcileEmbeddings(ids)
   */
  async reconcileEmbeddings(
    ids: Iterable<string>,
    options: ReconcileOptions = {},
  ): Promise<ReconcileReport> {
    const known = new Set<string>()
    for (const id of ids) {
      if (typeof id !== 'string') {
        throw new ChatkeepError('validation_failed', '/ids: every embedding id must be text.', {
          field: '/ids',
        })
      }
      known.add(id)
    }
    const listed = options.listed_at ?? new Date()
    const before = readInstant(listed instanceof Date ? dateText(listed) : listed, '/listed_at')
    const batch = options.batch_size ?? DEFAULT_RECONCILE_BATCH
    if (!Number.isInteger(batch) || batch < 1 || batch > 10_000) {
      throw new ChatkeepError('validation_failed', '/batch_size: a whole number from 1 to 10000.', {
        field: '/batch_size',
      })
    }
    const report: ReconcileReport = { dry_run: options.dry_run === true, checked: 0, removed: 0 }
    let after: string | null = null
    for (;;) {
      const page = await chunks.listEmbeddedChunks(this.db, {
        owner: this.owner,
        after,
        before,
        limit: batch,
      })
      if (page.length === 0) return report
      after = page.at(-1)!.id
      report.checked += page.length
      const orphans = page.filter((c) => !known.has(c.embedding_id)).map((c) => c.id)
      if (orphans.length === 0) continue
      if (!report.dry_run) {
        await this.db.transaction((tx) => chunks.deleteChunks(tx, orphans))
      }
      report.removed += orphans.length
      await options.onBatch?.(orphans.length)
    }
  }

  /** The live document, if the caller may change it: `forbidden` for a user and a shared one. */
  private async writableRow(tx: Database, id: string): Promise<documents.DocumentRow> {
    const row = isUuid(id) ? await documents.getReadableDocument(tx, id, this.owner) : undefined
    if (row === undefined) throw notFound('document', id)
    if (this.owner !== null && row.user_id !== this.owner) {
      throw new ChatkeepError('forbidden', 'Shared documents are changed by admins only.')
    }
    return row
  }

  /** Whose document an ingest makes: a user's own; for an admin, the user_id given, or shared. */
  private ownerFor(userId: string | null | undefined): string | null {
    if (this.owner !== null) {
      if (userId !== undefined && userId !== this.owner) {
        throw new ChatkeepError(
          'forbidden',
          '/user_id: you can only ingest your own documents; shared ones are made by admins.',
          { field: '/user_id' },
        )
      }
      return this.owner
    }
    if (userId === undefined || userId === null) return null
    if (!isUuid(userId)) throw notFound('user', userId)
    return userId
  }
}

/** What a re-sent chunk changes in its stored row besides the content, which is the same. */
function changedColumns(old: chunks.DocumentChunkRow, chunk: PreparedChunk) {
  const sameEmbedding =
    old.embedding === null || chunk.embedding === null
      ? old.embedding === chunk.embedding
      : Buffer.from(old.embedding).equals(chunk.embedding)
  if (
    old.content === chunk.content &&
    old.chunk_index === chunk.chunk_index &&
    old.token_count === chunk.token_count &&
    old.embedding_id === chunk.embedding_id &&
    sameEmbedding
  ) {
    return undefined
  }
  return {
    content: chunk.content,
    chunk_index: chunk.chunk_index,
    token_count: chunk.token_count,
    embedding_id: chunk.embedding_id,
    embedding: chunk.embedding,
  }
}

/** A Date as the text readInstant takes; an invalid Date becomes text it refuses. */
const dateText = (date: Date): string =>
  Number.isNaN(date.getTime()) ? 'Invalid Date' : date.toISOString()
