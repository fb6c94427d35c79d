import { FormatRegistry, Kind, type TSchema } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import type { FastifyInstance, FastifySchemaCompiler, FastifyServerOptions } from 'fastify'
import fp from 'fastify-plugin'
import { ChatkeepError } from '../../errors.js'
import { parseDateTime } from '../../schemas/date-time.js'
import { describeValueError } from '../../schemas/describe-error.js'
import { isUuid } from '../../lib/uuid7.js'

// TypeBox fails every value of a format it does not know; these are the ones the schemas use.
if (!FormatRegistry.Has('uuid')) FormatRegistry.Set('uuid', isUuid)
if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set('date-time', (value) => parseDateTime(value) !== undefined)
}

/**
 * How request input is checked (Guarantee 9). A JSON body is taken exactly as sent: a number
 * where text belongs, or `null` for a required string, is a 400 naming the field, never coerced
 * and stored; an unknown field is refused, never dropped. Path and query parameters arrive as
 * text, so they are converted to the schema's types first (`?limit=20`), strictly. The schemas are
 * TypeBox, checked by TypeBox, as the services check them.
 */
export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = TypeCompiler.Compile(schema)
  const convert = httpPart !== 'body'
  return (input: unknown) => {
    const repeated = httpPart === 'querystring' ? repeatedParameter(schema, input) : undefined
    if (repeated !== undefined) return refusal(`/${repeated}`, 'must be given once')
    const value = convert ? convertText(schema, input) : input
    if (check.Check(value)) return { value }
    const first = check.Errors(value).First()
    const { path, reason } =
      first === undefined ? { path: '', reason: 'is invalid' } : describeValueError(first)
    return refusal(path === '/' ? '' : path, reason)
  }
}

/**
 * Path, query and header values arrive as text: each is turned into the number or boolean its
 * schema wants when it is exactly one (`20`, `-1`, `0.5`, `true`), and left as text otherwise,
 * so that the check refuses it. Stricter than TypeBox's Value.Convert, which reads `1.5` as the
 * integer 1 and `true` as 1.
 */
function convertText(schema: TSchema, input: unknown): unknown {
  const properties = (schema as { properties?: Record<string, TSchema> }).properties
  if (properties === undefined || input === null || typeof input !== 'object') return input
  const converted: Record<string, unknown> = { ...input }
  for (const [name, value] of Object.entries(converted)) {
    const property = properties[name]
    if (typeof value === 'string' && property !== undefined) {
      converted[name] = textAs(property, value)
    }
  }
  return converted
}

const INTEGER_TEXT = /^[+-]?\d+$/
const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/

function textAs(schema: TSchema, text: string): unknown {
  switch (schema[Kind]) {
    case 'Integer':
      return INTEGER_TEXT.test(text) ? Number(text) : text
    case 'Number':
      return NUMBER_TEXT.test(text) ? Number(text) : text
    case 'Boolean':
      return text === 'true' ? true : text === 'false' ? false : text
    case 'Union':
      for (const variant of (schema as unknown as { anyOf: TSchema[] }).anyOf) {
        const value = textAs(variant, text)
        if (value !== text) return value
      }
      return text
    default:
      return text
  }
}

/** Fastify's validation-error shape, carrying the shared wording as the message. */
function refusal(instancePath: string, message: string) {
  return { error: [{ keyword: 'invalid', instancePath, schemaPath: '', params: {}, message }] }
}

/**
 * A query parameter given twice (`?role=user&role=tool`) where the route takes one value: the
 * query string parser makes it an array, which would otherwise read as a wrong value.
 */
function repeatedParameter(schema: TSchema, input: unknown): string | undefined {
  if (input === null || typeof input !== 'object') return undefined
  const properties = (schema as { properties?: Record<string, TSchema> }).properties ?? {}
  return Object.entries(input).find(
    ([name, value]) => Array.isArray(value) && properties[name]?.[Kind] !== 'Array',
  )?.[0]
}

/**
 * Deepest nesting of arrays and objects a JSON body may have. Real metadata is a few levels
 * deep; thousands of levels would exhaust the stack of every recursive step after parsing
 * (size checks, serializers, drivers) at a depth that depends on where it runs.
 */
export const MAX_JSON_DEPTH = 100

/** Whether JSON text nests deeper than `max`, found by one scan without parsing it. */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true
    } else if (c === 0x7d || c === 0x5d) depth--
  }
  return false
}

type ValidatorFactory = NonNullable<
  NonNullable<
    NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']
  >['buildValidator']
>

/**
 * For Fastify's `schemaController.compilersFactory.buildValidator`: unlike
 * `setValidatorCompiler`, it also holds in plugins that add schemas of their own. (Fastify types
 * the factory after Ajv's; what it returns keeps Fastify's validator contract.)
 */
export const buildValidator = (() => validatorCompiler) as unknown as ValidatorFactory

/**
 * The JSON pointer of the first key in a parsed body that could rewrite a prototype when code
 * later merges the body into an object: `__proto__`, or `constructor` holding `prototype`.
 * JSON.parse itself makes them plain own properties; they are refused rather than stripped, so
 * that what is stored is always what was sent.
 */
export function prototypeKey(value: unknown): string | undefined {
  const pending: [unknown, string][] = [[value, '']]
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, path] = next
    if (item === null || typeof item !== 'object') continue
    for (const [key, child] of Object.entries(item)) {
      const at = `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`
      if (key === '__proto__') return at
      if (
        key === 'constructor' &&
        child !== null &&
        typeof child === 'object' &&
        'prototype' in child
      ) {
        return `${at}/prototype`
      }
      pending.push([child, at])
    }
  }
  return undefined
}

/**
 * JSON bodies: Fastify's own parser behind a depth check, then a search for keys that could
 * rewrite prototypes, refused naming the key (Fastify's own guard refuses them as "not valid
 * JSON", which sends a caller looking for a syntax error).
 */
export const jsonBodyPlugin = fp(
  async (app: FastifyInstance) => {
    const parseJson = app.getDefaultJsonParser('ignore', 'ignore')
    app.removeContentTypeParser('application/json')
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      if (nestsDeeperThan(body as string, MAX_JSON_DEPTH)) {
        done(
          new ChatkeepError(
            'validation_failed',
            `/: the body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels.`,
            { field: '/' },
          ),
          undefined,
        )
        return
      }
      parseJson(request, body as string, (error, value) => {
        const field = error === null ? prototypeKey(value) : undefined
        if (field === undefined) return done(error, value)
        done(
          new ChatkeepError(
            'validation_failed',
            `${field}: is a key JavaScript reserves for prototypes (__proto__, constructor.prototype); rename it.`,
            { field },
          ),
          undefined,
        )
      })
    })
  },
  { name: 'chatkeep-json-body' },
)
