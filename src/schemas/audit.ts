import { type Static, Type } from '@sinclair/typebox'
import { Nullable, NullableText } from './nullable.js'
import { LIMITS } from './limits.js'

/** The audit trail: who read, changed, exported or deleted what, when and from where. */

const strict = { additionalProperties: false } as const
const Id = Type.String({ maxLength: 36 })
const JsonObject = Type.Record(Type.String(), Type.Unknown())

/** `conversation.read`, `auth.login_failed`: lower-case words joined by dots, at least two. */
export const ACTION_PATTERN = '^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$'
export const AuditEventSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  user_id: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], {
    description:
      'Who acted; null for an anonymous caller (a failed login) or once that user is deleted.',
  }),
  action: Type.String({
    description: 'A stable dotted name: `conversation.read`, `config.update`.',
  }),
  target_type: Type.Union([Type.String(), Type.Null()], {
    description: '`conversation`, `user`, `auth_session`, `api_key`, `config`.',
  }),
  target_id: Nullable(Type.String()),
  ip_address: Nullable(Type.String()),
  user_agent: Nullable(Type.String()),
  details: JsonObject,
  created_at: Type.String({ format: 'date-time' }),
})
export type AuditEvent = Static<typeof AuditEventSchema>

/** What `store.audit.record` takes: everything but the id and the time, which it chooses. */
export const NewAuditEventSchema = Type.Object(
  {
    action: Type.String({ maxLength: 100, pattern: ACTION_PATTERN }),
    user_id: Type.Optional(Nullable(Id)),
    target_type: Type.Optional(NullableText(50)),
    target_id: Type.Optional(NullableText(LIMITS.short_text)),
    ip_address: Type.Optional(NullableText(64)),
    user_agent: Type.Optional(NullableText(512)),
    details: Type.Optional(JsonObject),
  },
  strict,
)
export type NewAuditEvent = Static<typeof NewAuditEventSchema>

export const AuditListSchema = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.page })),
    /** The id of the last event of the previous page (newest first). */
    after: Type.Optional(Id),
    before: Type.Optional(Id),
    user_id: Type.Optional(Id),
    action: Type.Optional(Type.String({ maxLength: 100 })),
    target_type: Type.Optional(Type.String({ maxLength: 50 })),
    target_id: Type.Optional(Type.String({ maxLength: LIMITS.short_text })),
    // Times are read by the service (schemas/date-time.ts), in the words of every route.
    since: Type.Optional(
      Type.String({
        maxLength: 64,
        description: 'Events at or after this time: an RFC 3339 date-time with `Z` or an offset.',
      }),
    ),
    until: Type.Optional(Type.String({ maxLength: 64, description: 'Events before this time.' })),
  },
  strict,
)
export type AuditListOptions = Static<typeof AuditListSchema>
