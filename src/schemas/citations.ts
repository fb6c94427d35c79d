import { type Static, Type } from '@sinclair/typebox'
import { Nullable } from './nullable.js'

/**
 * One chunk a message cites, as an app records it in the message's `context_documents`:
 * `{ "chunk_id": …, "content_hash": …, "score": … }` (a bare chunk id string also counts).
 */
export const CitationSchema = Type.Object({
  chunk_id: Type.String(),
  /** The hash recorded with the message, when there was one. */
  content_hash: Nullable(Type.String()),
  score: Nullable(Type.Number()),
  /**
   * `current`: the chunk is there with the recorded hash (or none was recorded); `changed`: it is
   * there with another hash; `deleted`: it, or its document, is gone (or was never readable by
   * the message's owner).
   */
  status: Type.Union([Type.Literal('current'), Type.Literal('changed'), Type.Literal('deleted')]),
  /** The chunk's hash now; null when deleted. */
  current_hash: Nullable(Type.String()),
  document_id: Nullable(Type.String()),
})
export type Citation = Static<typeof CitationSchema>
