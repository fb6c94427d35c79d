import { type Static, Type } from '@sinclair/typebox'
import { Nullable, NullableText } from './nullable.js'
import { UserSchema } from './data.js'
import { LIMITS } from './limits.js'

/** What the auth routes take and give: logins, sessions, API keys. */

const strict = { additionalProperties: false } as const
const Id = Type.String({ format: 'uuid' })
const Time = Type.String({ format: 'date-time' })
const Cursor = Type.String({ maxLength: 36 })

// Lengths are checked in characters by checkPasswordLength; the schema only bounds the body.
const Password = (description: string) =>
  Type.String({ minLength: 1, maxLength: 1024, description })

export const ScopeSchema = Type.Union(
  [Type.Literal('read'), Type.Literal('write'), Type.Literal('admin')],
  {
    description:
      '`read`: GET requests; `write`: every other method; `admin`: the owner’s admin rights, when the owner is an admin.',
  },
)

export const RegisterSchema = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: LIMITS.username }),
    password: Password('8 to 256 characters.'),
    email: Type.Optional(NullableText(LIMITS.email)),
    display_name: Type.Optional(NullableText(LIMITS.display_name)),
  },
  strict,
)
export type Register = Static<typeof RegisterSchema>

export const LoginSchema = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: LIMITS.username }),
    password: Password('At most 256 characters.'),
  },
  strict,
)
export type Login = Static<typeof LoginSchema>

export const RefreshSchema = Type.Object(
  { refresh_token: Type.String({ minLength: 1, maxLength: 512 }) },
  strict,
)

export const NewApiKeySchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: LIMITS.short_text }),
    scopes: Type.Optional(
      Type.Array(ScopeSchema, {
        minItems: 1,
        maxItems: 3,
        uniqueItems: true,
        description: 'Default: `["read", "write"]`.',
      }),
    ),
  },
  strict,
)
export type NewApiKey = Static<typeof NewApiKeySchema>

export const CredentialListSchema = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.page })),
    /** The id of the last item of the previous page. */
    after: Type.Optional(Cursor),
    /** The id of the first item of the next page. */
    before: Type.Optional(Cursor),
  },
  strict,
)
export type CredentialListOptions = Static<typeof CredentialListSchema>

export const AuthSessionSchema = Type.Object({
  id: Id,
  user_agent: Nullable(Type.String()),
  ip_address: Nullable(Type.String()),
  created_at: Time,
  last_activity: Time,
  expires_at: Time,
  /** The session of the access token that asked. */
  current: Type.Boolean(),
})
export type AuthSession = Static<typeof AuthSessionSchema>

export const ApiKeySchema = Type.Object({
  id: Id,
  name: Type.String(),
  /** The visible start of the key (`ck_…`), to tell keys apart; the secret is never shown again. */
  prefix: Type.String(),
  scopes: Type.Array(Type.String()),
  created_at: Time,
  last_used_at: Nullable(Time),
})
export type ApiKey = Static<typeof ApiKeySchema>

export const CreatedApiKeySchema = Type.Composite([
  ApiKeySchema,
  Type.Object({
    key: Type.String({
      description: 'The whole key, to send as `Authorization: Bearer …`. Shown this once only.',
    }),
  }),
])
export type CreatedApiKey = Static<typeof CreatedApiKeySchema>

export const TokenResponseSchema = Type.Object({
  access_token: Type.String({ description: 'A JWT; send it as `Authorization: Bearer …`.' }),
  token_type: Type.Literal('Bearer'),
  /** Seconds the access token lives. */
  expires_in: Type.Integer(),
  refresh_token: Type.String({
    description: 'Works once: POST it to /v1/auth/refresh for a new pair.',
  }),
  user: UserSchema,
})
export type TokenResponse = Static<typeof TokenResponseSchema>
