import { type Static, Type } from '@sinclair/typebox'
import { Nullable } from './nullable.js'

const strict = { additionalProperties: false } as const
const Count = Type.Integer({ minimum: 0 })

/** What an erasure removes of one user, per kind of row. */
export const ErasedCountsSchema = Type.Object(
  {
    conversations: Count,
    messages: Count,
    documents: Count,
    document_chunks: Count,
    transcripts: Type.Integer({ minimum: 0, description: 'Rows, each with its stored file.' }),
    auth_sessions: Count,
    refresh_tokens: Count,
    api_keys: Count,
    events: Type.Integer({ minimum: 0, description: 'Change-feed events about the user.' }),
  },
  strict,
)
export type ErasedCounts = Static<typeof ErasedCountsSchema>

/** What an erasure did; kept in the audit log as the `user.erased` row's details. */
export const ErasureReportSchema = Type.Object(
  {
    user_id: Type.String({ format: 'uuid' }),
    username: Type.String(),
    erased_at: Type.String({ format: 'date-time' }),
    requested_by: Nullable(
      Type.String({
        format: 'uuid',
        description: 'The admin who asked; null from the library and the CLI.',
      }),
    ),
    counts: ErasedCountsSchema,
    data_key: Type.Union([Type.Literal('destroyed'), Type.Literal('none')], {
      description:
        "With encryption at rest: `destroyed` when the user's data key was destroyed in the " +
        'erasure (crypto-shredding: their content in older backups can no longer be read); ' +
        '`none` when they had none (encryption at rest off, or nothing of theirs sealed).',
    }),
    cache: Type.Object(
      {
        keys: Type.Array(Type.String(), {
          description: "Cached copies forgotten: the user's profile and their cached responses.",
        }),
      },
      strict,
    ),
  },
  strict,
)
export type ErasureReport = Static<typeof ErasureReportSchema>
