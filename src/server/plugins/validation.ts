import { FormatRegistry, type TSchema } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { Value } from '@sinclair/typebox/value'
import type { FastifyInstance, FastifySchemaCompiler, FastifyServerOptions } from 'fastify'
import fp from 'fastify-plugin'
import { ChatkeepError } from '../../errors.js'
import { isUuid } from '../../lib/uuid7.js'

// TypeBox fails every value of a format it does not know; these are the ones the schemas use.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i
if (!FormatRegistry.Has('uuid')) FormatRegistry.Set('uuid', isUuid)
if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set(
    'date-time',
    (value) => DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)),
  )
}

/**
 * How request input is checked (Guarantee 9). A JSON body is taken exactly as sent: a number
 * where text belongs, or `null` for a required string, is a 400 naming the field, never coerced
 * and stored; an unknown field is refused, never dropped. Path and query parameters arrive as
 * text, so they are converted to the schema's types first (`?limit=20`). The schemas are
 * TypeBox, checked by TypeBox, as the services check them.
 */
export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = TypeCompiler.Compile(schema)
  const convert = httpPart !== 'body'
  return (input: unknown) => {
    const value = convert ? Value.Convert(schema, input) : input
    if (check.Check(value)) return { value }
    const first = check.Errors(value).First()
    return {
      error: [
        {
          keyword: first === undefined ? 'invalid' : String(first.type),
          instancePath: first?.path ?? '',
          schemaPath: '',
          params: {},
          message: (first?.message ?? 'is invalid').toLowerCase(),
        },
      ],
    }
  }
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
