// The one place that knows how a LangChain message becomes a Chatkeep message and back: what
// Chatkeep has no column for rides in `metadata.langchain`, so nothing a model answered is lost.
import {
  AIMessage,
  type BaseMessage,
  HumanMessage,
  type MessageContent,
  SystemMessage,
  ToolMessage,
} from '@langchain/core/messages'
import { ChatkeepError } from '../errors.js'
import type { Message, Role } from '../schemas/data.js'
import type { NewMessage } from '../schemas/inputs.js'
import { LIMITS } from '../schemas/limits.js'

/** The key of a message's metadata under which the LangChain fields are kept. */
export const LANGCHAIN_METADATA_KEY = 'langchain'

/** What of a LangChain message Chatkeep keeps beside role, content and tokens_used. */
interface LangChainFields {
  /** The message's own id, when it had one. */
  id?: string
  name?: string
  /** The content blocks, when the content was not a plain string (content holds their text). */
  content?: unknown[]
  additional_kwargs?: Record<string, unknown>
  response_metadata?: Record<string, unknown>
  tool_calls?: unknown[]
  invalid_tool_calls?: unknown[]
  usage_metadata?: Record<string, unknown>
  tool_call_id?: string
  status?: 'success' | 'error'
  artifact?: unknown
}

const ROLE_OF_TYPE: Record<string, Role> = {
  human: 'user',
  ai: 'assistant',
  system: 'system',
  tool: 'tool',
}

const nonEmpty = (value: Record<string, unknown> | unknown[] | undefined) =>
  value !== undefined && Object.keys(value).length > 0 ? value : undefined

/** The fields present, with the empty ones (LangChain's defaults) left out. */
function compact(fields: LangChainFields): LangChainFields {
  return Object.fromEntries(
    Object.entries(fields).filter(
      ([, value]) =>
        value !== undefined &&
        !(typeof value === 'object' && value !== null && nonEmpty(value) === undefined),
    ),
  ) as LangChainFields
}

/**
 * The Chatkeep message to append for a LangChain one: Human, AI, System and Tool messages map
 * to the roles user, assistant, system and tool; an AI message's usage_metadata.total_tokens is
 * its tokens_used and its model name its model_version. `request_id` makes the append
 * idempotent (the message's own id when it has one that fits, else the caller's).
 */
export function toNewMessage(message: BaseMessage, request_id: string): NewMessage {
  const type = message.getType()
  const role = ROLE_OF_TYPE[type]
  if (role === undefined) {
    throw new ChatkeepError(
      'validation_failed',
      `/type: a ${type} message has no Chatkeep role; store Human, AI, System or Tool messages.`,
      { field: '/type' },
    )
  }
  const fields: LangChainFields = {
    id: message.id,
    name: message.name,
    content: typeof message.content === 'string' ? undefined : message.content,
    additional_kwargs: message.additional_kwargs,
    response_metadata: message.response_metadata,
  }
  let tokens_used: number | undefined
  let model_version: string | undefined
  if (AIMessage.isInstance(message)) {
    fields.tool_calls = message.tool_calls
    fields.invalid_tool_calls = message.invalid_tool_calls
    fields.usage_metadata = message.usage_metadata as Record<string, unknown> | undefined
    tokens_used = message.usage_metadata?.total_tokens
    const model = message.response_metadata?.model_name ?? message.response_metadata?.model
    if (typeof model === 'string' && model.length <= LIMITS.short_text) model_version = model
  }
  if (ToolMessage.isInstance(message)) {
    fields.tool_call_id = message.tool_call_id
    fields.status = message.status
    fields.artifact = message.artifact
  }
  const own = message.id
  return {
    role,
    content: message.text,
    request_id:
      own !== undefined && own.length > 0 && own.length <= LIMITS.short_text ? own : request_id,
    ...(tokens_used === undefined ? {} : { tokens_used }),
    ...(model_version === undefined ? {} : { model_version }),
    metadata: { [LANGCHAIN_METADATA_KEY]: compact(fields) },
  }
}

/**
 * The LangChain message for a stored Chatkeep one. A message written without LangChain (no
 * `metadata.langchain`) becomes the message of its role with its content, and takes the stored
 * message's id.
 */
export function toLangChainMessage(message: Message): BaseMessage {
  const kept = message.metadata[LANGCHAIN_METADATA_KEY]
  const fields: LangChainFields =
    typeof kept === 'object' && kept !== null && !Array.isArray(kept)
      ? (kept as LangChainFields)
      : {}
  const common = {
    id: fields.id ?? message.id,
    content: (fields.content ?? message.content) as MessageContent,
    ...(fields.name === undefined ? {} : { name: fields.name }),
    additional_kwargs: fields.additional_kwargs ?? {},
    response_metadata: fields.response_metadata ?? {},
  }
  switch (message.role) {
    case 'user':
      return new HumanMessage(common)
    case 'system':
      return new SystemMessage(common)
    case 'assistant':
      return new AIMessage({
        ...common,
        tool_calls: (fields.tool_calls ?? []) as AIMessage['tool_calls'],
        invalid_tool_calls: (fields.invalid_tool_calls ?? []) as AIMessage['invalid_tool_calls'],
        ...(fields.usage_metadata === undefined
          ? {}
          : { usage_metadata: fields.usage_metadata as AIMessage['usage_metadata'] }),
      })
    case 'tool':
      return new ToolMessage({
        ...common,
        tool_call_id: fields.tool_call_id ?? '',
        ...(fields.status === undefined ? {} : { status: fields.status }),
        ...(fields.artifact === undefined ? {} : { artifact: fields.artifact }),
      })
  }
}
