import { type Static, Type } from '@sinclair/typebox'
import { Nullable, NullableText } from './nullable.js'
import { ConversationStatusSchema, RoleSchema, UserRoleSchema } from './data.js'
import { LIMITS } from './limits.js'
import { PartsSchema } from './parts.js'
import { MAX_TEMPORARY_TTL_HOURS, RetentionPolicySchema } from './retention.js'

/** What callers send in. Unknown fields are refused, so a typo never passes silently. */

const strict = { additionalProperties: false } as const
const Text = (maxLength: number) => Type.String({ maxLength })
const JsonObject = Type.Record(Type.String(), Type.Unknown())
/** An embedding as chunks and messages take it: 1 to 4096 numbers, stored as float32. */
const EmbeddingSchema = Type.Array(Type.Number(), { minItems: 1, maxItems: LIMITS.dimensions })
const Id = Type.String({ maxLength: 36 })
const Limit = Type.Integer({ minimum: 1, maximum: LIMITS.page })

export const NewUserSchema = Type.Object(
  {
    id: Type.Optional(Id),
    username: Type.String({ minLength: 1, maxLength: LIMITS.username }),
    display_name: Type.Optional(NullableText(LIMITS.display_name)),
    email: Type.Optional(NullableText(LIMITS.email)),
    role: Type.Optional(UserRoleSchema),
    is_active: Type.Optional(Type.Boolean()),
    discord_id: Type.Optional(NullableText(LIMITS.short_text)),
    preferences: Type.Optional(JsonObject),
    password_hash: Type.Optional(NullableText(1024)),
  },
  strict,
)
export type NewUser = Static<typeof NewUserSchema>

export const UserUpdateSchema = Type.Object(
  {
    display_name: Type.Optional(NullableText(LIMITS.display_name)),
    email: Type.Optional(NullableText(LIMITS.email)),
    role: Type.Optional(UserRoleSchema),
    is_active: Type.Optional(Type.Boolean()),
    discord_id: Type.Optional(NullableText(LIMITS.short_text)),
    preferences: Type.Optional(JsonObject),
  },
  strict,
)
export type UserUpdate = Static<typeof UserUpdateSchema>

export const UserListSchema = Type.Object(
  {
    limit: Type.Optional(Limit),
    after: Type.Optional(Id),
    before: Type.Optional(Id),
    /** Users whose username or display name contains this text, ignoring case. */
    search: Type.Optional(Text(LIMITS.short_text)),
    role: Type.Optional(UserRoleSchema),
    is_active: Type.Optional(Type.Boolean()),
  },
  strict,
)
export type UserListOptions = Static<typeof UserListSchema>

export const NewConversationSchema = Type.Object(
  {
    user_id: Type.Optional(Id),
    title: Type.Optional(NullableText(LIMITS.title)),
    status: Type.Optional(ConversationStatusSchema),
    origin: Type.Optional(Type.String({ minLength: 1, maxLength: 50, pattern: '^[a-z0-9_-]+$' })),
    discord_channel_id: Type.Optional(NullableText(LIMITS.short_text)),
    parameters: Type.Optional(JsonObject),
    metadata: Type.Optional(JsonObject),
    retention: Type.Optional(Nullable(RetentionPolicySchema)),
    /** Not listed by default, and removed `ttl_hours` after creation (24 by default). */
    temporary: Type.Optional(Type.Boolean()),
    ttl_hours: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_TEMPORARY_TTL_HOURS })),
  },
  strict,
)
export type NewConversation = Static<typeof NewConversationSchema>

export const ConversationUpdateSchema = Type.Object(
  {
    title: Type.Optional(NullableText(LIMITS.title)),
    status: Type.Optional(ConversationStatusSchema),
    parameters: Type.Optional(JsonObject),
    metadata: Type.Optional(JsonObject),
    /** Switches branch: a live message of the conversation, whose path reads then follow. */
    active_leaf_id: Type.Optional(Id),
    /** Its own retention policy; null lets its user's or the default apply. */
    retention: Type.Optional(Nullable(RetentionPolicySchema)),
  },
  strict,
)
export type ConversationUpdate = Static<typeof ConversationUpdateSchema>

export const ConversationListSchema = Type.Object(
  {
    limit: Type.Optional(Limit),
    /** The id of the last conversation of the previous page. */
    after: Type.Optional(Id),
    /** The id of the first conversation of the next page. */
    before: Type.Optional(Id),
    status: Type.Optional(ConversationStatusSchema),
    origin: Type.Optional(Text(50)),
    /** Conversations whose metadata.tags holds this tag. */
    tag: Type.Optional(Text(LIMITS.short_text)),
    /** Conversations whose title contains this text, ignoring case. */
    search: Type.Optional(Text(LIMITS.short_text)),
    /** Temporary conversations are left out unless this is true. */
    include_temporary: Type.Optional(Type.Boolean()),
    // Times are read by the service (schemas/date-time.ts), in the words of every route.
    active_since: Type.Optional(
      Type.String({
        maxLength: 64,
        description:
          'Conversations last active at or after this time: an RFC 3339 date-time with `Z` or an offset.',
      }),
    ),
    active_until: Type.Optional(
      Type.String({ maxLength: 64, description: 'Conversations last active before this time.' }),
    ),
  },
  strict,
)
export type ConversationListOptions = Static<typeof ConversationListSchema>

export const ForkSchema = Type.Object(
  {
    /** The message the copied path ends at; absent: the conversation's active leaf. */
    message_id: Type.Optional(Id),
    title: Type.Optional(NullableText(LIMITS.title)),
  },
  strict,
)
export type ForkOptions = Static<typeof ForkSchema>

export const NewMessageSchema = Type.Object(
  {
    role: RoleSchema,
    /** Required, except when the message starts a live reply (`status: "streaming"`). */
    content: Type.Optional(Type.String({ maxLength: LIMITS.content })),
    parts: Type.Optional(Type.Union([PartsSchema, Type.Null()])),
    /** `streaming` starts a live reply that deltas extend until it is finished or aborted. */
    status: Type.Optional(Type.Union([Type.Literal('complete'), Type.Literal('streaming')])),
    request_id: Type.Optional(NullableText(LIMITS.short_text)),
    /**
     * The message this one follows (a branch there); absent: the conversation's active leaf;
     * null: no parent, a new root beside the first message (an edit of it).
     */
    parent_id: Type.Optional(Type.Union([Id, Type.Null()])),
    /** false: store it without making it the active leaf (an alternative kept aside). */
    activate: Type.Optional(Type.Boolean()),
    tokens_used: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_000_000_000 })),
    /** The prompt's and the completion's tokens; tokens_used, when absent, is their sum. */
    prompt_tokens: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 2_000_000_000 }))),
    completion_tokens: Type.Optional(
      Nullable(Type.Integer({ minimum: 0, maximum: 2_000_000_000 })),
    ),
    model_version: Type.Optional(NullableText(LIMITS.short_text)),
    context_documents: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 1000 })),
    metadata: Type.Optional(JsonObject),
    /**
     * The app's embedding of the message, for semantic recall (`search.similarMessages`): stored
     * in the append's transaction, never handed back. Any dimension up to 4096, as for chunks.
     */
    embedding: Type.Optional(Nullable(EmbeddingSchema)),
  },
  strict,
)
export type NewMessage = Static<typeof NewMessageSchema>

/** A message's embedding set or replaced after the append (null removes it). */
export const MessageEmbeddingSchema = Type.Object({ embedding: Nullable(EmbeddingSchema) }, strict)
export type MessageEmbedding = Static<typeof MessageEmbeddingSchema>

/** A delta of a live reply: text to add to its content. */
export const DeltaSchema = Type.Object(
  {
    /** Text added to the end of the content (checkpointed with other deltas). */
    content: Type.Optional(Type.String({ maxLength: LIMITS.content })),
    /** Parts added after the message's parts (a tool call, an image), stored at once. */
    parts: Type.Optional(PartsSchema),
  },
  strict,
)
export type Delta = Static<typeof DeltaSchema>

/** How a live reply finished: the counts and reasons an LLM API reports at the end. */
export const FinishSchema = Type.Object(
  {
    tokens_used: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_000_000_000 })),
    prompt_tokens: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 2_000_000_000 }))),
    completion_tokens: Type.Optional(
      Nullable(Type.Integer({ minimum: 0, maximum: 2_000_000_000 })),
    ),
    finish_reason: Type.Optional(NullableText(LIMITS.short_text)),
    /** Replaces the metadata given at the start (latency_ms, confidence, …). */
    metadata: Type.Optional(JsonObject),
  },
  strict,
)
export type Finish = Static<typeof FinishSchema>

/** Why a live reply was cut short (the user pressed stop, the model failed, …). */
export const AbortSchema = Type.Object(
  { finish_reason: Type.Optional(NullableText(LIMITS.short_text)) },
  strict,
)
export type Abort = Static<typeof AbortSchema>

export const MessageListSchema = Type.Object(
  {
    limit: Type.Optional(Limit),
    after: Type.Optional(Id),
    before: Type.Optional(Id),
    order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
    role: Type.Optional(RoleSchema),
  },
  strict,
)
export type MessageListOptions = Static<typeof MessageListSchema>

export const FeedbackSchema = Type.Union([Type.Literal(-1), Type.Literal(1), Type.Null()])
export type Feedback = Static<typeof FeedbackSchema>

export const FeedbackReasonSchema = NullableText(LIMITS.feedback_reason)

export const FeedbackListSchema = Type.Object(
  {
    limit: Type.Optional(Limit),
    /** The id of the last message of the previous page. */
    after: Type.Optional(Id),
    /** The id of the first message of the next page. */
    before: Type.Optional(Id),
    /** Only thumbs down (-1) or only thumbs up (1). */
    rating: Type.Optional(Type.Union([Type.Literal(-1), Type.Literal(1)])),
  },
  strict,
)
export type FeedbackListOptions = Static<typeof FeedbackListSchema>

export const SourceListSchema = Type.Object(
  {
    limit: Type.Optional(Limit),
    after: Type.Optional(Id),
    before: Type.Optional(Id),
  },
  strict,
)
export type SourceListOptions = Static<typeof SourceListSchema>
