import { type Static, Type } from '@sinclair/typebox'
import { Nullable } from './nullable.js'

/** Token usage, its cost by the price table, and per-user quotas on it. */

const strict = { additionalProperties: false } as const
const Id = Type.String({ format: 'uuid' })
const Time = Type.String({ format: 'date-time' })
const Tokens = Type.Integer({ minimum: 0 })
const Cost = Type.Number({ minimum: 0 })

/** What a model costs, in the price table's own unit (USD, EUR, credits), per million tokens. */
export const ModelPriceSchema = Type.Object(
  {
    prompt_per_million: Type.Number({ minimum: 0, maximum: 1_000_000 }),
    completion_per_million: Type.Number({ minimum: 0, maximum: 1_000_000 }),
  },
  { ...strict, title: 'ModelPrice' },
)
export type ModelPrice = Static<typeof ModelPriceSchema>

/**
 * A quota: each limit given holds for the UTC day or month; a user who has reached one cannot
 * append until it resets. At least one limit.
 */
export const UsageQuotaSchema = Type.Object(
  {
    tokens_per_day: Type.Optional(Type.Integer({ minimum: 1 })),
    tokens_per_month: Type.Optional(Type.Integer({ minimum: 1 })),
    cost_per_day: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    cost_per_month: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  },
  { ...strict, minProperties: 1, title: 'UsageQuota' },
)
export type UsageQuota = Static<typeof UsageQuotaSchema>
export type QuotaLimit = keyof UsageQuota

export const UserQuotaSchema = Type.Object({
  user_id: Id,
  username: Type.String(),
  quota: UsageQuotaSchema,
})

export const QuotaSettingsSchema = Type.Object({
  /** The quota of every user without one of their own; null: none. */
  default: Nullable(UsageQuotaSchema),
  /** Users with a quota of their own, by username. */
  users: Type.Array(UserQuotaSchema),
})
export type QuotaSettings = Static<typeof QuotaSettingsSchema>

export const QuotaUpdateSchema = Type.Object(
  {
    /** The new default; null: no default quota. */
    default: Type.Optional(Nullable(UsageQuotaSchema)),
    /** Users' own quotas to set; null makes the default apply to the user again. */
    users: Type.Optional(
      Type.Array(
        Type.Object(
          { user_id: Type.String({ maxLength: 36 }), quota: Nullable(UsageQuotaSchema) },
          strict,
        ),
        { maxItems: 1000 },
      ),
    ),
  },
  strict,
)
export type QuotaUpdate = Static<typeof QuotaUpdateSchema>

const PeriodUsageSchema = Type.Object({
  tokens: Tokens,
  cost: Cost,
  /** When this period ends and its counts start again (UTC). */
  resets_at: Time,
})

/** Where a user stands against their quota now. */
export const QuotaStatusSchema = Type.Object(
  {
    user_id: Id,
    /** The quota that applies; null: none. */
    quota: Nullable(UsageQuotaSchema),
    source: Type.Union([Type.Literal('user'), Type.Literal('default'), Type.Null()]),
    day: PeriodUsageSchema,
    month: PeriodUsageSchema,
    /** The limits reached: while any is, appends answer 429 `quota_exceeded`. */
    exceeded: Type.Array(
      Type.Union([
        Type.Literal('tokens_per_day'),
        Type.Literal('tokens_per_month'),
        Type.Literal('cost_per_day'),
        Type.Literal('cost_per_month'),
      ]),
    ),
  },
  { title: 'QuotaStatus' },
)
export type QuotaStatus = Static<typeof QuotaStatusSchema>

export const UsageGroupSchema = Type.Union([
  Type.Literal('user'),
  Type.Literal('model'),
  Type.Literal('day'),
])
export type UsageGroup = Static<typeof UsageGroupSchema>

export const UsageQuerySchema = Type.Object(
  {
    group_by: Type.Optional(UsageGroupSchema),
    // Times are read by the service (schemas/date-time.ts), in the words of every route.
    since: Type.Optional(
      Type.String({
        maxLength: 64,
        description:
          'Messages created at or after this time (RFC 3339, `Z` or an offset); by default 30 days before `until`.',
      }),
    ),
    until: Type.Optional(
      Type.String({
        maxLength: 64,
        description: 'Messages created before this time; by default now (inclusive).',
      }),
    ),
    /** Only this user's messages (a user who is not an admin sees only their own anyway). */
    user_id: Type.Optional(Type.String({ maxLength: 36 })),
  },
  strict,
)
export type UsageQuery = Static<typeof UsageQuerySchema>

const UsageTotalsSchema = {
  messages: Tokens,
  prompt_tokens: Tokens,
  completion_tokens: Tokens,
  /** Every token, split or not: prompt + completion + those reported only as tokens_used. */
  tokens_used: Tokens,
  /** By the price table (`llm.model_prices`) at the time of asking. */
  cost: Cost,
  /** Tokens of models the price table has no price for: not in `cost`. */
  unpriced_tokens: Tokens,
}

export const UsageRowSchema = Type.Object({
  /** The user's id, the model (null: messages naming none) or the UTC day (YYYY-MM-DD). */
  key: Nullable(Type.String()),
  /** With group_by=user: the user's username. */
  username: Type.Optional(Type.String()),
  ...UsageTotalsSchema,
})
export type UsageRow = Static<typeof UsageRowSchema>

export const UsageReportSchema = Type.Object(
  {
    group_by: UsageGroupSchema,
    since: Time,
    until: Time,
    user_id: Nullable(Id),
    rows: Type.Array(UsageRowSchema),
    total: Type.Object(UsageTotalsSchema),
  },
  { title: 'UsageReport' },
)
export type UsageReport = Static<typeof UsageReportSchema>
