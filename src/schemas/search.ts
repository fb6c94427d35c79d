import { type Static, Type } from '@sinclair/typebox'
import { Nullable } from './nullable.js'
import { RoleSchema } from './data.js'
import { LIMITS } from './limits.js'

/** Full-text search: what callers ask, and the hits they get. */

export const SearchScopeSchema = Type.Union([Type.Literal('messages'), Type.Literal('documents')])
export type SearchScope = Static<typeof SearchScopeSchema>

export const SearchQuerySchema = Type.Object(
  {
    /** Words that must all occur (case-insensitive, unstemmed). */
    q: Type.String({ minLength: 1, maxLength: 500 }),
    /** The caller's own live messages (default), or the chunks of readable live documents. */
    scope: Type.Optional(SearchScopeSchema),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.page })),
    /** The `next_cursor` of the previous page. */
    after: Type.Optional(Type.String({ maxLength: 200 })),
    /** messages: only this conversation's. */
    conversation_id: Type.Optional(Type.String({ maxLength: 36 })),
    /** messages: only this role's. */
    role: Type.Optional(RoleSchema),
    /** documents: only this document's chunks. */
    document_id: Type.Optional(Type.String({ maxLength: 36 })),
    /** documents: only documents of this type. */
    doc_type: Type.Optional(Type.String({ maxLength: 50 })),
    /** Only rows created at or after this time (an RFC 3339 date-time with a zone). */
    created_after: Type.Optional(Type.String({ maxLength: 64 })),
    /** Only rows created before this time. */
    created_before: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
)
export type SearchQuery = Static<typeof SearchQuerySchema>

export const SearchHitSchema = Type.Object({
  /** The message's id, or the chunk's. */
  id: Type.String({ format: 'uuid' }),
  object: Type.Union([Type.Literal('message'), Type.Literal('document_chunk')]),
  /** Relevance, higher is better; comparable within one engine and one query only. */
  score: Type.Number(),
  /** An excerpt with the matched words between `<mark>` and `</mark>`; not HTML-escaped. */
  snippet: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
  conversation_id: Nullable(Type.String()),
  role: Nullable(RoleSchema),
  document_id: Nullable(Type.String()),
  chunk_index: Nullable(Type.Integer()),
  content_hash: Nullable(Type.String()),
  title: Nullable(Type.String()),
  source_url: Nullable(Type.String()),
  doc_type: Nullable(Type.String()),
})
export type SearchHit = Static<typeof SearchHitSchema>

export const SearchPageSchema = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(SearchHitSchema),
  has_more: Type.Boolean(),
  /** Pass as `after` for the next page; null on the last one. */
  next_cursor: Nullable(Type.String()),
})
export type SearchPage = Static<typeof SearchPageSchema>

export const SimilarQuerySchema = Type.Object(
  {
    /** The query's embedding, computed by the app with the model that embedded the chunks. */
    embedding: Type.Array(Type.Number(), { minItems: 1, maxItems: 4096 }),
    /** How many chunks to return, best first. */
    k: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    document_id: Type.Optional(Type.String({ maxLength: 36 })),
    doc_type: Type.Optional(Type.String({ maxLength: 50 })),
    /** Leave out chunks less similar than this (cosine, -1 … 1). */
    min_score: Type.Optional(Type.Number({ minimum: -1, maximum: 1 })),
  },
  { additionalProperties: false },
)
export type SimilarQuery = Static<typeof SimilarQuerySchema>

export const SimilarHitSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  object: Type.Literal('document_chunk'),
  /** Cosine similarity to the query, -1 … 1. */
  score: Type.Number(),
  document_id: Type.String({ format: 'uuid' }),
  chunk_index: Type.Integer(),
  content: Type.String(),
  content_hash: Type.String(),
  title: Nullable(Type.String()),
  source_url: Nullable(Type.String()),
  doc_type: Nullable(Type.String()),
})
export type SimilarHit = Static<typeof SimilarHitSchema>

export const SimilarResultSchema = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(SimilarHitSchema),
})
export type SimilarResult = Static<typeof SimilarResultSchema>

export const SimilarMessagesQuerySchema = Type.Object(
  {
    /** The query's embedding, computed by the app with the model that embedded the messages. */
    embedding: Type.Array(Type.Number(), { minItems: 1, maxItems: 4096 }),
    /** How many messages to return, best first. */
    k: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    /** Only this conversation's messages. */
    conversation_id: Type.Optional(Type.String({ maxLength: 36 })),
    role: Type.Optional(RoleSchema),
    /** Leave out messages less similar than this (cosine, -1 … 1). */
    min_score: Type.Optional(Type.Number({ minimum: -1, maximum: 1 })),
  },
  { additionalProperties: false },
)
export type SimilarMessagesQuery = Static<typeof SimilarMessagesQuerySchema>

export const SimilarMessageHitSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  object: Type.Literal('message'),
  /** Cosine similarity to the query, -1 … 1. */
  score: Type.Number(),
  conversation_id: Type.String({ format: 'uuid' }),
  role: RoleSchema,
  sequence: Type.Integer(),
  /** The message's plain text (opened, under encryption at rest), as a chunk hit has its own. */
  content: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
})
export type SimilarMessageHit = Static<typeof SimilarMessageHitSchema>

export const SimilarMessagesResultSchema = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(SimilarMessageHitSchema),
})
export type SimilarMessagesResult = Static<typeof SimilarMessagesResultSchema>
