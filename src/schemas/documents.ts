import { type Static, Type } from '@sinclair/typebox'
import { Nullable, NullableText } from './nullable.js'
import { LIMITS } from './limits.js'

/** Documents and their chunks: the data objects, and what callers send to make and change them. */

const Id = Type.String({ format: 'uuid' })
const Time = Type.String({ format: 'date-time' })
const JsonObject = Type.Record(Type.String(), Type.Unknown())
const strict = { additionalProperties: false } as const

export const DOCUMENT_LIMITS = {
  /** Chunks in one ingest. */
  chunks: 5000,
  /** Characters of one chunk. */
  chunk_content: 100_000,
  /** Dimensions of one embedding. */
  dimensions: 4096,
  source_url: 2000,
} as const

export const DocumentSchema = Type.Object({
  id: Id,
  /** null: a shared document, readable by every user, written by admins. */
  user_id: Nullable(Id),
  source_url: Nullable(Type.String()),
  title: Nullable(Type.String()),
  doc_type: Nullable(Type.String()),
  version: Nullable(Type.String()),
  metadata: JsonObject,
  created_at: Time,
  updated_at: Time,
  deleted_at: Nullable(Time),
})
export type Document = Static<typeof DocumentSchema>

/** A chunk as handed out; its embedding stays in the database, only its size is shown. */
export const DocumentChunkSchema = Type.Object({
  id: Id,
  document_id: Id,
  chunk_index: Type.Integer({ minimum: 0 }),
  content: Type.String(),
  content_hash: Type.String(),
  token_count: Nullable(Type.Integer()),
  embedding_id: Nullable(Type.String()),
  embedding_dimensions: Nullable(Type.Integer()),
  created_at: Time,
  updated_at: Time,
})
export type DocumentChunk = Static<typeof DocumentChunkSchema>

export const DocumentWithChunksSchema = Type.Composite([
  DocumentSchema,
  Type.Object({ chunks: Type.Array(DocumentChunkSchema) }),
])
export type DocumentWithChunks = Static<typeof DocumentWithChunksSchema>

export const ChunkOutcomeSchema = Type.Object({
  id: Id,
  chunk_index: Type.Integer({ minimum: 0 }),
  content_hash: Type.String(),
  /** `new`: stored by this ingest; `duplicate`: already stored, kept with its id. */
  status: Type.Union([Type.Literal('new'), Type.Literal('duplicate')]),
})
export type ChunkOutcome = Static<typeof ChunkOutcomeSchema>

export const IngestResultSchema = Type.Object({
  document: DocumentSchema,
  /** false when a live document of the same owner and source_url was replaced. */
  created: Type.Boolean(),
  /** One entry per chunk sent, in the order sent. */
  chunks: Type.Array(ChunkOutcomeSchema),
  new_chunks: Type.Integer(),
  duplicate_chunks: Type.Integer(),
  /** Chunks of the previous version whose content is no longer in the document. */
  removed_chunks: Type.Integer(),
})
export type IngestResult = Static<typeof IngestResultSchema>

export const NewChunkSchema = Type.Object(
  {
    content: Type.String({ minLength: 1, maxLength: DOCUMENT_LIMITS.chunk_content }),
    token_count: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 2_000_000_000 }))),
    embedding_id: Type.Optional(NullableText(LIMITS.short_text)),
    embedding: Type.Optional(
      Nullable(Type.Array(Type.Number(), { minItems: 1, maxItems: DOCUMENT_LIMITS.dimensions })),
    ),
  },
  strict,
)
export type NewChunk = Static<typeof NewChunkSchema>

export const NewDocumentSchema = Type.Object(
  {
    /** Admins only: whose document; absent or null makes a shared one. */
    user_id: Type.Optional(Nullable(Type.String({ maxLength: 36 }))),
    /** The key of a re-ingest: the same owner and source_url replace the live document. */
    source_url: Type.Optional(NullableText(DOCUMENT_LIMITS.source_url)),
    title: Type.Optional(NullableText(LIMITS.title)),
    doc_type: Type.Optional(NullableText(50)),
    version: Type.Optional(NullableText(50)),
    metadata: Type.Optional(JsonObject),
    chunks: Type.Array(NewChunkSchema, { maxItems: DOCUMENT_LIMITS.chunks }),
  },
  strict,
)
export type NewDocument = Static<typeof NewDocumentSchema>

export const DocumentUpdateSchema = Type.Object(
  {
    title: Type.Optional(NullableText(LIMITS.title)),
    version: Type.Optional(NullableText(50)),
    metadata: Type.Optional(JsonObject),
  },
  strict,
)
export type DocumentUpdate = Static<typeof DocumentUpdateSchema>

export const DocumentListSchema = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.page })),
    /** The id of the last document of the previous page. */
    after: Type.Optional(Type.String({ maxLength: 36 })),
    /** The id of the first document of the next page. */
    before: Type.Optional(Type.String({ maxLength: 36 })),
    doc_type: Type.Optional(Type.String({ maxLength: 50 })),
    source_url: Type.Optional(Type.String({ maxLength: DOCUMENT_LIMITS.source_url })),
  },
  strict,
)
export type DocumentListOptions = Static<typeof DocumentListSchema>
