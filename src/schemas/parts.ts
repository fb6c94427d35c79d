import { type Static, Type } from '@sinclair/typebox'
import { ChatkeepError } from '../errors.js'
import type { Role } from './data.js'
import { LIMITS } from './limits.js'
import { checkJsonSize } from './validate.js'

/**
 * A message's structured content, as LLM APIs exchange it (OpenAI's content parts and
 * tool_calls, Anthropic's content blocks, the AI SDK's message parts), in one shape: text, image
 * and file references, tool calls with their id, name and arguments, tool results with the id
 * of the call they answer, and reasoning. `content` stays the plain text search and transcripts
 * use; parts are kept as given.
 */

const strict = { additionalProperties: false } as const
const Name = Type.String({ minLength: 1, maxLength: LIMITS.short_text })
/** Where the bytes are: a URL (https:, or a data: URL within the size limit) or a provider's file id. */
const Reference = {
  url: Type.Optional(Type.String({ minLength: 1, maxLength: LIMITS.parts_bytes })),
  file_id: Type.Optional(Name),
  media_type: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
}

export const TextPartSchema = Type.Object(
  { type: Type.Literal('text'), text: Type.String({ maxLength: LIMITS.content }) },
  strict,
)

export const ImagePartSchema = Type.Object(
  {
    type: Type.Literal('image'),
    ...Reference,
    /** OpenAI's image detail. */
    detail: Type.Optional(
      Type.Union([Type.Literal('auto'), Type.Literal('low'), Type.Literal('high')]),
    ),
  },
  strict,
)

export const FilePartSchema = Type.Object(
  {
    type: Type.Literal('file'),
    ...Reference,
    filename: Type.Optional(Name),
  },
  strict,
)

export const ToolCallPartSchema = Type.Object(
  {
    type: Type.Literal('tool_call'),
    /** The call's id, which its result names as tool_call_id. */
    id: Name,
    name: Name,
    /** The arguments as JSON (OpenAI sends them as a JSON string: parse it first). */
    arguments: Type.Record(Type.String(), Type.Unknown()),
  },
  strict,
)

export const ToolResultPartSchema = Type.Object(
  {
    type: Type.Literal('tool_result'),
    tool_call_id: Name,
    /** What the tool returned: text or any JSON. */
    output: Type.Unknown(),
    is_error: Type.Optional(Type.Boolean()),
  },
  strict,
)

export const ReasoningPartSchema = Type.Object(
  {
    type: Type.Literal('reasoning'),
    text: Type.String({ maxLength: LIMITS.content }),
    /** Anthropic's signature over a thinking block, to send it back unchanged. */
    signature: Type.Optional(Type.String({ maxLength: LIMITS.parts_bytes })),
  },
  strict,
)

export const PartSchema = Type.Union(
  [
    TextPartSchema,
    ImagePartSchema,
    FilePartSchema,
    ToolCallPartSchema,
    ToolResultPartSchema,
    ReasoningPartSchema,
  ],
  { title: 'Part' },
)
export type Part = Static<typeof PartSchema>

export const PartsSchema = Type.Array(PartSchema, { maxItems: LIMITS.parts })

/** Which roles may carry each kind of part, as the LLM APIs have them. */
const ROLES_OF: Record<Part['type'], readonly Role[]> = {
  text: ['system', 'user', 'assistant', 'tool'],
  image: ['user', 'assistant', 'tool'],
  file: ['user', 'assistant', 'tool'],
  // Only the model calls tools and reasons.
  tool_call: ['assistant'],
  reasoning: ['assistant'],
  // OpenAI and the AI SDK answer a call in a `tool` message; Anthropic in a `user` one.
  tool_result: ['tool', 'user'],
}

/**
 * What the schema cannot say about a message's parts: the total size, an image or file with
 * exactly one of url or file_id, each part allowed for the role, and tool call ids unique
 * within the message.
 */
export function checkParts(parts: Part[] | null | undefined, role: Role): void {
  if (parts === null || parts === undefined) return
  checkJsonSize('parts', parts, LIMITS.parts_bytes)
  const callIds = new Set<string>()
  parts.forEach((part, i) => {
    const field = `/parts/${i}`
    if (!ROLES_OF[part.type].includes(role)) {
      throw invalid(
        `${field}/type`,
        `a ${part.type} part belongs in a ${ROLES_OF[part.type].join(' or ')} message, not a ${role} one`,
      )
    }
    if (part.type === 'image' || part.type === 'file') {
      if ((part.url === undefined) === (part.file_id === undefined)) {
        throw invalid(field, `give the ${part.type}'s url or its file_id (one of them)`)
      }
    }
    if (part.type === 'tool_call') {
      if (callIds.has(part.id)) {
        throw invalid(`${field}/id`, `tool call id ${part.id} is used twice in this message`)
      }
      callIds.add(part.id)
    }
  })
}

const invalid = (field: string, why: string) =>
  new ChatkeepError('validation_failed', `${field}: ${why}.`, { field })
