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
    field: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
  },
  { $id: 'Problem', title: 'Problem' },
)

const problemRef = Type.Ref('Problem')

/** Response schemas for the error statuses a route can answer with. */
export function errorResponses(...statuses: number[]): Record<number, TSchema> {
  const all = new Set([400, 401, 429, 500, ...statuses])
  return Object.fromEntries([...all].map((status) => [status, problemRef]))
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
