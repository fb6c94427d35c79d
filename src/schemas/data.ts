import { type Static, Type } from '@sinclair/typebox'
import { Nullable } from './nullable.js'
import { PartsSchema } from './parts.js'
import { RetentionPolicySchema } from './retention.js'

/** The data objects Chatkeep hands out: the same snake_case shape in SQL, TypeScript and JSON. */

const Id = Type.String({ format: 'uuid' })
const Time = Type.String({ format: 'date-time' })
const JsonObject = Type.Record(Type.String(), Type.Unknown())

export const RoleSchema = Type.Union([
  Type.Literal('system'),
  Type.Literal('user'),
  Type.Literal('assistant'),
  Type.Literal('tool'),
])
export type Role = Static<typeof RoleSchema>
export const ROLES: readonly Role[] = ['system', 'user', 'assistant', 'tool']

export const UserRoleSchema = Type.Union([Type.Literal('user'), Type.Literal('admin')])
export type UserRole = Static<typeof UserRoleSchema>

export const ConversationStatusSchema = Type.Union([
  Type.Literal('active'),
  Type.Literal('archived'),
  Type.Literal('closed'),
])
export type ConversationStatus = Static<typeof ConversationStatusSchema>

export const UserSchema = Type.Object({
  id: Id,
  username: Type.String(),
  display_name: Nullable(Type.String()),
  email: Nullable(Type.String()),
  role: UserRoleSchema,
  is_active: Type.Boolean(),
  discord_id: Nullable(Type.String()),
  preferences: JsonObject,
  created_at: Time,
  updated_at: Time,
  last_login_at: Nullable(Time),
})
export type User = Static<typeof UserSchema>

export const ConversationSchema = Type.Object({
  id: Id,
  short_id: Type.String(),
  user_id: Id,
  title: Nullable(Type.String()),
  status: ConversationStatusSchema,
  origin: Type.String(),
  discord_channel_id: Nullable(Type.String()),
  parameters: JsonObject,
  metadata: JsonObject,
  /** Every message ever appended, soft-deleted ones included: the last sequence number. */
  message_count: Type.Integer(),
  total_tokens: Type.Integer(),
  /** The message the conversation currently ends at (reads follow the path to it); null when empty. */
  active_leaf_id: Nullable(Id),
  /** Where a fork was copied from: the conversation and the message its path ended at. */
  forked_from: Nullable(Type.Object({ conversation_id: Id, message_id: Id })),
  created_at: Time,
  updated_at: Time,
  last_activity: Time,
  archived_at: Nullable(Time),
  ended_at: Nullable(Time),
  deleted_at: Nullable(Time),
  /** Its own retention policy; null when its user's or the default applies. */
  retention: Nullable(RetentionPolicySchema),
  /** Temporary: not listed by default, and gone at expires_at. */
  temporary: Type.Boolean(),
  expires_at: Nullable(Time),
})
export type Conversation = Static<typeof ConversationSchema>

/** `streaming` while a live reply's deltas arrive; `aborted` or `failed` when it ended unfinished. */
export const MessageStatusSchema = Type.Union([
  Type.Literal('complete'),
  Type.Literal('streaming'),
  Type.Literal('aborted'),
  Type.Literal('failed'),
])
export type MessageStatus = Static<typeof MessageStatusSchema>

export const MessageSchema = Type.Object({
  id: Id,
  conversation_id: Id,
  user_id: Id,
  sequence: Type.Integer({ minimum: 1 }),
  parent_id: Nullable(Id),
  role: RoleSchema,
  content: Type.String(),
  /** Structured content (text, images, files, tool calls and results, reasoning); null: none. */
  parts: Nullable(PartsSchema),
  request_id: Nullable(Type.String()),
  tokens_used: Type.Integer({ minimum: 0 }),
  /** The prompt's and the completion's share of tokens_used; null when not reported. */
  prompt_tokens: Nullable(Type.Integer({ minimum: 0 })),
  completion_tokens: Nullable(Type.Integer({ minimum: 0 })),
  model_version: Nullable(Type.String()),
  context_documents: Type.Array(Type.Unknown()),
  metadata: JsonObject,
  feedback: Nullable(Type.Union([Type.Literal(-1), Type.Literal(1)])),
  /** Why the user rated it so, in their words; null without feedback. */
  feedback_reason: Nullable(Type.String()),
  created_at: Time,
  deleted_at: Nullable(Time),
  status: MessageStatusSchema,
  finish_reason: Nullable(Type.String()),
  completed_at: Nullable(Time),
})
export type Message = Static<typeof MessageSchema>

/** One alternative at a point of a conversation's tree ("2 / 3"). */
export const SiblingSchema = Type.Object({
  /** 1 for the oldest alternative. */
  position: Type.Integer({ minimum: 1 }),
  message: MessageSchema,
  /** The newest live message under it (itself when none): the leaf to switch to. */
  newest_leaf_id: Id,
})
export type Sibling = Static<typeof SiblingSchema>

/** One page of a keyset-paginated list, as the OpenAI API shapes it. */
export interface Page<T> {
  data: T[]
  has_more: boolean
  first_id: string | null
  last_id: string | null
}
