import { type Static, Type } from '@sinclair/typebox'

/** The AI response cache: inputs it is keyed by, what it stores, and what it answers. */

const Time = Type.String({ format: 'date-time' })

/** A cache key: the SHA-256 of the canonical JSON of {model, prompt, parameters}, in hex. */
export const ResponseKeySchema = Type.String({
  pattern: '^[0-9a-f]{64}$',
  description: 'SHA-256 (hex) of the canonical JSON of `{model, prompt, parameters}`.',
})

const keyInputs = {
  model: Type.String({ minLength: 1, maxLength: 256, description: 'The model asked.' }),
  prompt: Type.Union([Type.String(), Type.Array(Type.Unknown())], {
    description: 'The prompt as text, or the messages array sent to the model.',
  }),
  parameters: Type.Optional(
    Type.Record(Type.String(), Type.Unknown(), {
      description: 'Generation parameters (temperature, max_tokens, …); absent is `{}`.',
    }),
  ),
}

/** What a response is looked up by. */
export const ResponseLookupSchema = Type.Object(keyInputs, { additionalProperties: false })
export type ResponseLookupInput = Static<typeof ResponseLookupSchema>

/** The longest time to live an entry may ask for: 7 days. */
export const MAX_RESPONSE_TTL_S = 7 * 24 * 3600

/** A response to keep. */
export const NewCachedResponseSchema = Type.Object(
  {
    ...keyInputs,
    response: Type.Unknown({ description: 'The model’s answer: any JSON value.' }),
    ttl_s: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_RESPONSE_TTL_S,
        description: 'Seconds to keep it; 3600 by default.',
      }),
    ),
  },
  { additionalProperties: false },
)
export type NewCachedResponse = Static<typeof NewCachedResponseSchema>

export const StoredResponseSchema = Type.Object({
  key: ResponseKeySchema,
  expires_at: Time,
})
export type StoredResponse = Static<typeof StoredResponseSchema>

export const CachedResponseSchema = Type.Object({
  key: ResponseKeySchema,
  response: Type.Unknown(),
  cached_at: Time,
  expires_at: Time,
})
export type CachedResponse = Static<typeof CachedResponseSchema>

export const ResponseLookupResultSchema = Type.Union([
  Type.Object({
    hit: Type.Literal(true),
    key: ResponseKeySchema,
    response: Type.Unknown(),
    cached_at: Time,
    expires_at: Time,
  }),
  Type.Object({ hit: Type.Literal(false), key: ResponseKeySchema }),
])
export type ResponseLookupResult = Static<typeof ResponseLookupResultSchema>

/** Any text up to 128 characters: a key that is not 64 hex characters is simply not there (404). */
export const ResponseKeyParams = Type.Object(
  { key: Type.String({ maxLength: 128, description: ResponseKeySchema.description }) },
  { additionalProperties: false },
)
