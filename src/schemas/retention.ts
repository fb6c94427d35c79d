import { type Static, Type } from '@sinclair/typebox'
import { Nullable } from './nullable.js'

/** How long a conversation is kept, for the default, a user or one conversation. */

const strict = { additionalProperties: false } as const
const Id = Type.String({ format: 'uuid' })
const Time = Type.String({ format: 'date-time' })
/** A hundred years: longer is `keep`. */
export const MAX_RETENTION_DAYS = 36_500
const Days = Type.Integer({ minimum: 1, maximum: MAX_RETENTION_DAYS })

export const RetentionPolicySchema = Type.Union(
  [
    Type.Object(
      { mode: Type.Literal('keep', { description: 'Kept until deleted by hand and purged.' }) },
      strict,
    ),
    Type.Object(
      {
        mode: Type.Literal('after_last_activity', {
          description:
            'Removed, deleted or not, `days` after its last message or change; a message ' +
            'soft-deleted in it goes `days` after its deletion.',
        }),
        days: Days,
      },
      strict,
    ),
    Type.Object(
      {
        mode: Type.Literal('after_soft_delete', {
          description: 'Removed `days` after it (or one of its messages) was soft-deleted.',
        }),
        days: Days,
      },
      strict,
    ),
  ],
  { title: 'RetentionPolicy' },
)
export type RetentionPolicy = Static<typeof RetentionPolicySchema>
export type RetentionMode = RetentionPolicy['mode']

/** A conversation's policy comes from itself, else its user, else the default. */
export const RetentionSourceSchema = Type.Union([
  Type.Literal('conversation'),
  Type.Literal('user'),
  Type.Literal('default'),
])

export const UserRetentionSchema = Type.Object({
  user_id: Id,
  username: Type.String(),
  policy: RetentionPolicySchema,
})

export const RetentionSettingsSchema = Type.Object({
  default: RetentionPolicySchema,
  /**
   * Where the default comes from: `config` once an admin has set one, else `retention_days`
   * (RETENTION_DAYS, after_soft_delete).
   */
  default_source: Type.Union([Type.Literal('config'), Type.Literal('retention_days')]),
  /** Users with a policy of their own, by username. */
  users: Type.Array(UserRetentionSchema),
})
export type RetentionSettings = Static<typeof RetentionSettingsSchema>

export const RetentionUpdateSchema = Type.Object(
  {
    /** The new default; null goes back to RETENTION_DAYS after soft delete. */
    default: Type.Optional(Nullable(RetentionPolicySchema)),
    /** Users' own policies to set; a null policy makes the default apply to them again. */
    users: Type.Optional(
      Type.Array(
        Type.Object(
          { user_id: Type.String({ maxLength: 36 }), policy: Nullable(RetentionPolicySchema) },
          strict,
        ),
        { maxItems: 1000 },
      ),
    ),
  },
  strict,
)
export type RetentionUpdate = Static<typeof RetentionUpdateSchema>

export const LegalHoldSchema = Type.Object({
  id: Id,
  /** The held user (everything of theirs), or null when a conversation is held. */
  user_id: Nullable(Id),
  conversation_id: Nullable(Id),
  reason: Type.String(),
  created_by: Nullable(Id),
  created_at: Time,
  /** Null while the hold is in force. */
  released_at: Nullable(Time),
  released_by: Nullable(Id),
})
export type LegalHold = Static<typeof LegalHoldSchema>

export const NewLegalHoldSchema = Type.Object(
  {
    user_id: Type.Optional(Type.String({ maxLength: 36 })),
    conversation_id: Type.Optional(Type.String({ maxLength: 36 })),
    reason: Type.String({ minLength: 1, maxLength: 1000 }),
  },
  strict,
)
export type NewLegalHold = Static<typeof NewLegalHoldSchema>

export const LegalHoldListSchema = Type.Object(
  {
    /** true: holds in force (the default); false: released ones. */
    active: Type.Optional(Type.Boolean()),
    user_id: Type.Optional(Type.String({ maxLength: 36 })),
    conversation_id: Type.Optional(Type.String({ maxLength: 36 })),
  },
  strict,
)
export type LegalHoldListOptions = Static<typeof LegalHoldListSchema>

/** Temporary conversations live a day unless created with another ttl_hours. */
export const DEFAULT_TEMPORARY_TTL_HOURS = 24
export const MAX_TEMPORARY_TTL_HOURS = 24 * 365
