import type { Static, TSchema } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { ChatkeepError } from '../errors.js'
import { LIMITS } from './limits.js'

/**
 * A checker compiled once from a schema. It returns the value typed, or throws
 * `validation_failed` naming the first field at fault.
 */
export function validator<T extends TSchema>(schema: T): (value: unknown) => Static<T> {
  const check = TypeCompiler.Compile(schema)
  return (value) => {
    if (check.Check(value)) return value
    const first = check.Errors(value).First()
    const field = first?.path || '/'
    const reason = first?.message ?? 'is invalid'
    throw new ChatkeepError('validation_failed', `${field}: ${reason.toLowerCase()}.`, { field })
  }
}

/** JSON fields are capped by their size as text, which a schema cannot express. */
export function checkJsonSize(field: string, value: unknown): void {
  if (value === undefined) return
  const bytes = Buffer.byteLength(JSON.stringify(value))
  if (bytes > LIMITS.json_bytes) {
    throw new ChatkeepError(
      'validation_failed',
      `/${field}: is ${bytes} bytes of JSON; the limit is ${LIMITS.json_bytes}.`,
      { field: `/${field}` },
    )
  }
}
