import type { Static, TSchema } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { ChatkeepError } from '../errors.js'
import { describeValueError } from './describe-error.js'
import { LIMITS } from './limits.js'

/**
 * A checker compiled once from a schema. It returns the value typed, or throws
 * `validation_failed` naming the first field at fault.
 */
export function validator<T extends TSchema>(schema: T): (value: unknown) => Static<T> {
  const check = TypeCompiler.Compile(schema)
  return (value) => {
    if (check.Check(value)) {
      const field = unstorableText(value)
      if (field === undefined) return value
      throw new ChatkeepError(
        'validation_failed',
        `${field}: must be text without NUL characters or unpaired surrogates.`,
        { field },
      )
    }
    const first = check.Errors(value).First()
    const { path: field, reason } =
      first === undefined ? { path: '/', reason: 'is invalid' } : describeValueError(first)
    throw new ChatkeepError('validation_failed', `${field}: ${reason}.`, { field })
  }
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/** PostgreSQL cannot store a NUL character, nor an unpaired surrogate; SQLite would alter them. */
const isStorable = (text: string): boolean => !text.includes('\u0000') && !LONE_SURROGATE.test(text)

/**
 * The JSON pointer of the first string or object key in `value` that not every engine can store
 * as given, so that such input fails the same way on both instead of reaching the database.
 */
function unstorableText(value: unknown): string | undefined {
  const pending: [unknown, string][] = [[value, '']]
  const seen = new Set<object>()
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, path] = next
    if (typeof item === 'string') {
      if (!isStorable(item)) return path || '/'
    } else if (item === null || typeof item !== 'object' || seen.has(item)) {
      continue
    } else if (Array.isArray(item)) {
      seen.add(item)
      item.forEach((element, i) => pending.push([element, `${path}/${i}`]))
    } else {
      seen.add(item)
      for (const [key, element] of Object.entries(item)) {
        const at = `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`
        if (!isStorable(key)) return at
        pending.push([element, at])
      }
    }
  }
  return undefined
}

/** JSON fields are capped by their size as text, which a schema cannot express. */
export function checkJsonSize(
  field: string,
  value: unknown,
  limit: number = LIMITS.json_bytes,
): void {
  if (value === undefined) return
  let text
  try {
    text = JSON.stringify(value)
  } catch {
    // A cycle or a BigInt: a library caller can build one, JSON cannot hold it.
    throw new ChatkeepError('validation_failed', `/${field}: must be plain JSON data.`, {
      field: `/${field}`,
    })
  }
  const bytes = Buffer.byteLength(text)
  if (bytes > limit) {
    throw new ChatkeepError(
      'validation_failed',
      `/${field}: is ${bytes} bytes of JSON; the limit is ${limit}.`,
      { field: `/${field}` },
    )
  }
}
