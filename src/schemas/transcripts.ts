import { type Static, Type } from '@sinclair/typebox'
import { LIMITS } from './limits.js'

/** Transcripts: a conversation exported as a file, and the row that records where it went. */

const Id = Type.String({ format: 'uuid' })
const Time = Type.String({ format: 'date-time' })
const strict = { additionalProperties: false } as const

export const TranscriptFormatSchema = Type.Union(
  [Type.Literal('json'), Type.Literal('csv'), Type.Literal('markdown')],
  {
    description:
      'json (the conversation and its messages as data), csv (one row a message), markdown (to read).',
  },
)
export type TranscriptFormat = Static<typeof TranscriptFormatSchema>
export const TRANSCRIPT_FORMATS: readonly TranscriptFormat[] = ['json', 'csv', 'markdown']

export const TranscriptStorageSchema = Type.Union([Type.Literal('fs'), Type.Literal('s3')], {
  description: 'fs: the transcript folder (TRANSCRIPT_DIR); s3: the S3 bucket (S3_BUCKET).',
})
export type TranscriptStorageKind = Static<typeof TranscriptStorageSchema>

export const TranscriptSchema = Type.Object({
  id: Id,
  conversation_id: Id,
  /** The conversation's owner. */
  user_id: Id,
  format: TranscriptFormatSchema,
  storage: TranscriptStorageSchema,
  /** The file's path under the transcript folder, or the object key in the bucket. */
  storage_key: Type.String(),
  file_size_bytes: Type.Integer({ minimum: 0 }),
  /** Live messages in the file (soft-deleted ones are left out). */
  message_count: Type.Integer({ minimum: 0 }),
  /** SHA-256 of the file's bytes, lowercase hex; every read is checked against it. */
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  created_at: Time,
})
export type Transcript = Static<typeof TranscriptSchema>

export const NewTranscriptSchema = Type.Object(
  { format: Type.Optional(TranscriptFormatSchema) },
  strict,
)
export type NewTranscript = Static<typeof NewTranscriptSchema>

export const TranscriptListSchema = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.page })),
    /** The id of the last transcript of the previous page. */
    after: Type.Optional(Type.String({ maxLength: 36 })),
    /** The id of the first transcript of the next page. */
    before: Type.Optional(Type.String({ maxLength: 36 })),
  },
  strict,
)
export type TranscriptListOptions = Static<typeof TranscriptListSchema>
