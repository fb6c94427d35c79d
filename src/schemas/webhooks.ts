import { type Static, Type } from '@sinclair/typebox'
import { EVENT_TYPE_FILTER_PATTERN, EVENT_TYPES } from './events.js'

const strict = { additionalProperties: false } as const
const Types = Type.Array(Type.String({ pattern: EVENT_TYPE_FILTER_PATTERN }), {
  maxItems: EVENT_TYPES.length,
  description: 'The event types to deliver (`message.*` for a whole subject); none: every type.',
})

export const WebhookSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  url: Type.String(),
  types: Type.Array(Type.String()),
  description: Type.Union([Type.String(), Type.Null()]),
  enabled: Type.Boolean(),
  disabled_reason: Type.Union([Type.String(), Type.Null()], {
    description: 'Why delivery stopped: an endpoint that kept failing is disabled with the reason.',
  }),
  cursor: Type.String({ description: 'The feed cursor delivered up to.' }),
  failing_since: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  next_attempt_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
})
export type Webhook = Static<typeof WebhookSchema>

export const CreatedWebhookSchema = Type.Composite([
  WebhookSchema,
  Type.Object({
    secret: Type.String({ description: 'The signing secret (`whsec_…`); shown only here.' }),
  }),
])
export type CreatedWebhook = Static<typeof CreatedWebhookSchema>

export const NewWebhookSchema = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2048 }),
    secret: Type.Optional(
      Type.String({ maxLength: 200, description: 'A `whsec_…` secret; one is made when absent.' }),
    ),
    types: Type.Optional(Types),
    description: Type.Optional(Type.String({ maxLength: 500 })),
  },
  strict,
)
export type NewWebhook = Static<typeof NewWebhookSchema>

export const WebhookUpdateSchema = Type.Object(
  {
    url: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
    types: Type.Optional(Types),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
    enabled: Type.Optional(
      Type.Boolean({ description: 'true starts delivering again, from where it stopped.' }),
    ),
  },
  strict,
)
export type WebhookUpdate = Static<typeof WebhookUpdateSchema>

export const WebhookDeliverySchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  webhook_id: Type.String({ format: 'uuid' }),
  event_cursor: Type.String(),
  event_type: Type.String(),
  attempt: Type.Integer({ description: 'The attempt at this event: 1, 2, …' }),
  status_code: Type.Union([Type.Integer(), Type.Null()]),
  ok: Type.Boolean(),
  error: Type.Union([Type.String(), Type.Null()]),
  duration_ms: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
})
export type WebhookDelivery = Static<typeof WebhookDeliverySchema>
