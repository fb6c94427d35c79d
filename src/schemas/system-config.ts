import { type Static, type TSchema, Type } from '@sinclair/typebox'
import { LIMITS } from './limits.js'
import { ModelPriceSchema } from './usage.js'

/** System configuration: typed key/value settings that admins change and apps read. */

/** A letter, then letters, digits, `.`, `_` or `-`. Keys starting with `_` are Chatkeep's own. */
export const CONFIG_KEY = /^[A-Za-z][A-Za-z0-9._-]*$/
/** Fastify's router refuses a longer path parameter, so no key is longer. */
export const CONFIG_KEY_MAX = 100

export const SystemConfigSchema = Type.Object({
  key: Type.String(),
  value: Type.Unknown({
    description: 'Any JSON value; the known keys have a type (see PUT).',
  }),
  updated_at: Type.String({ format: 'date-time' }),
  updated_by: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], {
    description: 'The admin who set it; null when set by the library or once that user is deleted.',
  }),
})
export type SystemConfig = Static<typeof SystemConfigSchema>

export const ConfigKeyParams = Type.Object(
  { key: Type.String({ maxLength: CONFIG_KEY_MAX }) },
  { additionalProperties: false },
)

export const SetConfigSchema = Type.Object(
  { value: Type.Unknown({ description: 'The new value: any JSON, typed for the known keys.' }) },
  { additionalProperties: false },
)

/** Any JSON value: what a config value may be when its key has no declared type. */
export const JsonValueSchema = Type.Recursive((This) =>
  Type.Union([
    Type.Null(),
    Type.Boolean(),
    Type.Number(),
    Type.String(),
    Type.Array(This),
    Type.Record(Type.String(), This),
  ]),
)

interface KnownKey {
  schema: TSchema
  /** The type in words, for the docs. */
  type: string
  description: string
}

/**
 * Keys with a declared type: a value of another type is refused with a 400 naming `/value`.
 * Chatkeep stores and validates them for the apps that read them; it does not act on them itself.
 * Any other key takes any JSON value of at most `LIMITS.json_bytes`.
 */
export const KNOWN_CONFIG_KEYS: Readonly<Record<string, KnownKey>> = {
  'maintenance.enabled': {
    schema: Type.Boolean(),
    type: 'boolean',
    description: 'Whether apps should show a maintenance notice and hold new chats.',
  },
  'maintenance.message': {
    schema: Type.String({ maxLength: 500 }),
    type: 'string, at most 500 characters',
    description: 'The notice apps show while maintenance.enabled is true.',
  },
  'llm.default_model': {
    schema: Type.String({ minLength: 1, maxLength: LIMITS.short_text }),
    type: `string, 1 to ${LIMITS.short_text} characters`,
    description: 'The model apps use when a conversation names none.',
  },
  'llm.default_parameters': {
    schema: Type.Record(Type.String(), Type.Unknown()),
    type: 'JSON object',
    description: 'Generation parameters (temperature, top_p, …) for new conversations.',
  },
  'llm.model_prices': {
    schema: Type.Record(
      Type.String({ minLength: 1, maxLength: LIMITS.short_text }),
      ModelPriceSchema,
    ),
    type: 'JSON object: model → { prompt_per_million, completion_per_million }',
    description:
      'What each model costs per million tokens, for usage reports and cost quotas; tokens ' +
      'not split into prompt and completion are priced as completion.',
  },
  'chat.context_messages': {
    schema: Type.Integer({ minimum: 1, maximum: 1000 }),
    type: 'integer, 1 to 1000',
    description: 'How many recent messages apps load as an LLM context window.',
  },
}
