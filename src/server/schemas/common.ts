import { type TSchema, Type } from '@sinclair/typebox'
import { ERROR_CODES } from '../../errors.js'

/** RFC 9457 problem details, with Chatkeep's stable `code` and the `field` at fault. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String({ description: 'Stable error code; see docs/errors.md.' }),
    detail: Type.String(),
    retriable: Type.Boolean({
      description:
        'Whether the same request may succeed when sent again later (a lost connection, a busy database, a rate limit).',
    }),
    field: Type.Optional(Type.String()),
    resets_at: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'For `quota_exceeded`: when the quota resets (also in `Retry-After`).',
      }),
    ),
    instance: Type.Optional(Type.String()),
  },
  { $id: 'Problem', title: 'Problem' },
)

const problemRef = Type.Ref('Problem')

/** Why each error status is answered, for the OpenAPI document. */
const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: `field` names the input at fault (`validation_failed`).',
  401: 'No valid credentials (`unauthorized`).',
  403: 'The caller may not do this (`forbidden`).',
  404: "No such row, or not the caller's (`not_found`).",
  409: 'A unique value is taken, an idempotency key was reused, or the conversation is closed.',
  413: 'The request body is too large (`payload_too_large`).',
  415: 'The body is not JSON (`unsupported_media_type`).',
  429: 'Too many requests, or the user’s quota is used up; wait for `Retry-After` (`rate_limited`, `quota_exceeded`).',
  500: 'An unexpected failure; the cause is logged, never sent (`internal`).',
  503: 'The database is unavailable or its schema is not current.',
}

/**
 * The error statuses a route can answer with, each an RFC 9457 `application/problem+json`
 * body. Every route can answer 400, 401, 429, 500 and 503.
 */
export function errorResponses(...statuses: number[]) {
  const all = [...new Set([400, 401, 429, 500, 503, ...statuses])].sort((a, b) => a - b)
  return Object.fromEntries(
    all.map((status) => [
      status,
      {
        description: ERROR_DESCRIPTIONS[status] ?? 'An error',
        content: { 'application/problem+json': { schema: problemRef } },
      },
    ]),
  ) as Record<number, { description: string; content: Record<string, { schema: TSchema }> }>
}

export const IdParams = Type.Object(
  { id: Type.String({ maxLength: 64 }) },
  { additionalProperties: false },
)

export const PageOf = <T extends TSchema>(item: T) =>
  Type.Object({
    object: Type.Literal('list'),
    data: Type.Array(item),
    has_more: Type.Boolean(),
    first_id: Type.Union([Type.String(), Type.Null()]),
    last_id: Type.Union([Type.String(), Type.Null()]),
  })

export const NoContent = Type.Null({ description: 'No content' })

export const KNOWN_CODES = Object.keys(ERROR_CODES)
