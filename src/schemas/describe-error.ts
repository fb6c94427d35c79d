import { Kind, type TSchema } from '@sinclair/typebox'
import { type ValueError, ValueErrorType } from '@sinclair/typebox/errors'

/**
 * What a schema mistake means, in the words every face uses: the library's validators and the
 * HTTP server's (body, query, params, headers) both describe a TypeBox error here, so the same
 * mistake reads the same everywhere ("/role: must be one of system, user, assistant, tool"),
 * never TypeBox's own "expected union value".
 */
export function describeValueError(error: ValueError): { path: string; reason: string } {
  const path = error.path || '/'
  if (error.type === ValueErrorType.Union) return describeUnion(error, path)
  return { path, reason: reasonFor(error) }
}

type Schema = TSchema & Record<string, unknown>

function reasonFor(error: ValueError): string {
  const schema = error.schema as Schema
  switch (error.type) {
    case ValueErrorType.String:
      return 'must be text'
    case ValueErrorType.StringMaxLength:
      return `must be at most ${String(schema.maxLength)} characters`
    case ValueErrorType.StringMinLength:
      return schema.minLength === 1
        ? 'must not be empty'
        : `must be at least ${String(schema.minLength)} characters`
    case ValueErrorType.StringPattern:
      return `must match ${String(schema.pattern)}`
    case ValueErrorType.StringFormat:
      return schema.format === 'uuid' ? 'must be a UUID' : `must be a ${String(schema.format)}`
    case ValueErrorType.Integer:
      return 'must be a whole number'
    case ValueErrorType.Number:
      return 'must be a number'
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.NumberMaximum:
      return range(schema)
    case ValueErrorType.IntegerExclusiveMinimum:
    case ValueErrorType.NumberExclusiveMinimum:
      return `must be greater than ${String(schema.exclusiveMinimum)}`
    case ValueErrorType.IntegerExclusiveMaximum:
    case ValueErrorType.NumberExclusiveMaximum:
      return `must be less than ${String(schema.exclusiveMaximum)}`
    case ValueErrorType.Boolean:
      return 'must be true or false'
    case ValueErrorType.Null:
      return 'must be null'
    case ValueErrorType.Literal:
      return `must be ${literal(schema.const)}`
    case ValueErrorType.Object:
      return 'must be an object'
    case ValueErrorType.ObjectRequiredProperty:
      return 'is required'
    case ValueErrorType.ObjectAdditionalProperties: {
      const known = Object.keys((schema.properties as object | undefined) ?? {})
      return known.length === 0
        ? 'is not a known field'
        : `is not a known field; the fields are ${known.join(', ')}`
    }
    case ValueErrorType.Array:
      return 'must be an array'
    case ValueErrorType.ArrayMaxItems:
      return `must hold at most ${String(schema.maxItems)} items`
    case ValueErrorType.ArrayMinItems:
      return schema.minItems === 1
        ? 'must hold at least one item'
        : `must hold at least ${String(schema.minItems)} items`
    default:
      return error.message.toLowerCase()
  }
}

/** The bounds of a number, both when the schema has both: a caller learns the range at once. */
function range(schema: Schema): string {
  const { minimum, maximum } = schema
  if (minimum !== undefined && maximum !== undefined) {
    return `must be between ${String(minimum)} and ${String(maximum)}`
  }
  return minimum !== undefined
    ? `must be at least ${String(minimum)}`
    : `must be at most ${String(maximum)}`
}

const literal = (value: unknown): string =>
  typeof value === 'string' ? value : JSON.stringify(value)

/**
 * A union of fixed values lists them; otherwise the variant of the value's own JSON type says
 * what is wrong with it (text too long, not "text or null"), else the variants are named.
 */
function describeUnion(error: ValueError, path: string): { path: string; reason: string } {
  const variants = ((error.schema as Schema).anyOf as Schema[] | undefined) ?? []
  if (variants.length > 0 && variants.every((v) => 'const' in v || v[Kind] === 'Null')) {
    const values = variants.map((v) => (v[Kind] === 'Null' ? 'null' : literal(v.const)))
    return { path, reason: `must be one of ${values.join(', ')}` }
  }
  const index = variants.findIndex((v) => sameJsonType(v, error.value))
  const inner = index === -1 ? undefined : error.errors[index]?.First()
  if (inner !== undefined) return describeValueError(inner)
  return { path, reason: `must be ${variants.map(noun).join(' or ')}` }
}

function sameJsonType(schema: Schema, value: unknown): boolean {
  switch (schema[Kind]) {
    case 'String':
      return typeof value === 'string'
    case 'Integer':
    case 'Number':
      return typeof value === 'number'
    case 'Boolean':
      return typeof value === 'boolean'
    case 'Null':
      return value === null
    case 'Array':
      return Array.isArray(value)
    case 'Object':
    case 'Record':
      return typeof value === 'object' && value !== null && !Array.isArray(value)
    case 'Literal':
      return typeof value === typeof schema.const
    default:
      return false
  }
}

function noun(schema: Schema): string {
  switch (schema[Kind]) {
    case 'String':
      return 'text'
    case 'Integer':
      return 'a whole number'
    case 'Number':
      return 'a number'
    case 'Boolean':
      return 'true or false'
    case 'Null':
      return 'null'
    case 'Array':
      return 'an array'
    case 'Object':
    case 'Record':
      return 'an object'
    case 'Literal':
      return literal(schema.const)
    default:
      return 'another value'
  }
}
