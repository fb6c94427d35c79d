import { type Static, Type } from '@sinclair/typebox'

/** A feed is read in bulk: pages go up to this many events (20 by default). */
export const EVENT_PAGE_MAX = 1000

/** The change feed: every change of conversations, messages, documents and users, in commit order. */

/**
 * Every event type. `message.completed` and `message.aborted` end a streamed answer; the types
 * of one subject share its prefix, which a filter may name as `message.*`.
 */
export const EVENT_TYPES = [
  'conversation.created',
  'conversation.updated',
  'conversation.deleted',
  'conversation.restored',
  'message.created',
  'message.completed',
  'message.aborted',
  'message.deleted',
  'message.restored',
  'message.feedback',
  'document.created',
  'document.updated',
  'document.deleted',
  'user.created',
  'user.updated',
  'user.deleted',
] as const
export type EventType = (typeof EVENT_TYPES)[number]

/** A type or every type of one subject: `message.created`, `message.*`. */
export const EVENT_TYPE_FILTER_PATTERN = '^(conversation|message|document|user)\\.([a-z_]+|\\*)$'

/** A position in the feed: digits, as a string (it may outgrow a JavaScript number's precision). */
export const CURSOR_PATTERN = '^(0|[1-9][0-9]{0,17})$'

const Cursor = Type.String({
  pattern: CURSOR_PATTERN,
  description: 'A position in the feed; pass it back as `after` (or `Last-Event-ID`).',
})

export const ChangeEventSchema = Type.Object({
  cursor: Cursor,
  type: Type.Union(
    EVENT_TYPES.map((t) => Type.Literal(t)),
    { description: 'What changed: `message.created`, `conversation.updated`, …' },
  ),
  user_id: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], {
    description: 'Whose change it is (whose feed it is in); null for a shared document.',
  }),
  conversation_id: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
  message_id: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
  at: Type.String({ format: 'date-time' }),
  data: Type.Record(Type.String(), Type.Unknown(), {
    description:
      'The changed fields. Message content is never here (read the message for it), so an ' +
      'encrypted message never appears in clear.',
  }),
})
export type ChangeEvent = Static<typeof ChangeEventSchema>

export const EventListSchema = Type.Object(
  {
    after: Type.Optional(
      Type.String({
        pattern: CURSOR_PATTERN,
        description: 'Events after this cursor; the oldest kept when absent.',
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: EVENT_PAGE_MAX })),
    types: Type.Optional(
      Type.Array(Type.String({ pattern: EVENT_TYPE_FILTER_PATTERN }), {
        maxItems: EVENT_TYPES.length,
        description: 'Only these types (`message.*` for every type of messages).',
      }),
    ),
  },
  { additionalProperties: false },
)
export type EventListOptions = Static<typeof EventListSchema>

export interface EventPage {
  data: ChangeEvent[]
  has_more: boolean
  /** Where the next read starts: the last event's cursor, or the `after` given when none came. */
  next_cursor: string
}
