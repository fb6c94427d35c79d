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

/** JSON bodies: Fastify's own parser (with its prototype-poisoning guard), behind a depth check. */
export const jsonBodyPlugin = fp(
  async (app: FastifyInstance) => {
    const parseJson = app.getDefaultJsonParser('error', 'error')
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
      parseJson(request, body as string, done)
    })
  },
  { name: 'chatkeep-json-body' },
)
