// The one place that knows how an AI SDK UIMessage becomes a Chatkeep message and back, and how a
// streamText result becomes a live reply. The UIMessage as given rides in `metadata.ai_sdk`, so
// parts Chatkeep has no shape for (tool states, sources, step starts) come back unchanged.
import type { StreamTextResult, ToolSet, UIMessage } from 'ai'
import type { Message, Role } from '../schemas/data.js'
import type { Abort, Delta, Finish, NewMessage } from '../schemas/inputs.js'
import { LIMITS } from '../schemas/limits.js'
import type { Part } from '../schemas/parts.js'

/** The key of a message's metadata under which the UIMessage's id, parts and metadata are kept. */
export const AI_SDK_METADATA_KEY = 'ai_sdk'

/**
 * The calls the adapter makes on messages: what `store.messages`, `store.forUser(id).messages`
 * and `client.messages` (chatkeep/client) all have. `path` (the library's) reads the active
 * branch; without it every live message is read in order.
 */
export interface ChatMessages {
  appendMany(conversation_id: string, messages: NewMessage[]): Promise<Message[]>
  list(
    conversation_id: string,
    options: { limit?: number; after?: string },
  ): Promise<{ data: Message[]; has_more: boolean; last_id: string | null }>
  path?(conversation_id: string): Promise<Message[]>
  start(conversation_id: string, message: Omit<NewMessage, 'status'>): Promise<Message>
  appendDelta(id: string, delta: Delta): Promise<void>
  finish(id: string, finish?: Finish): Promise<Message>
  abort(id: string, abort?: Abort): Promise<Message>
}

type Source = { readonly messages: ChatMessages }

interface Kept {
  id: string
  parts: unknown[]
  metadata?: unknown
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** The Chatkeep parts for a UIMessage's parts: text, reasoning, files and tool calls. */
function toParts(message: UIMessage, role: Role): Part[] {
  const parts: Part[] = []
  const callIds = new Set<string>()
  for (const part of message.parts as Array<Record<string, unknown> & { type: string }>) {
    if (part.type === 'text' && typeof part.text === 'string') {
      parts.push({ type: 'text', text: part.text })
    } else if (part.type === 'reasoning' && typeof part.text === 'string' && role === 'assistant') {
      parts.push({ type: 'reasoning', text: part.text })
    } else if (part.type === 'file' && typeof part.url === 'string' && role !== 'system') {
      parts.push({
        type: 'file',
        url: part.url,
        ...(typeof part.mediaType === 'string' ? { media_type: part.mediaType } : {}),
        ...(typeof part.filename === 'string' ? { filename: part.filename } : {}),
      })
    } else if (
      (part.type.startsWith('tool-') || part.type === 'dynamic-tool') &&
      role === 'assistant' &&
      typeof part.toolCallId === 'string' &&
      !callIds.has(part.toolCallId)
    ) {
      callIds.add(part.toolCallId)
      const name =
        part.type === 'dynamic-tool' ? String(part.toolName) : part.type.slice('tool-'.length)
      parts.push({
        type: 'tool_call',
        id: part.toolCallId,
        name,
        arguments: isObject(part.input) ? part.input : {},
      })
    }
  }
  return parts
}

const textOf = (message: UIMessage) =>
  message.parts
    .flatMap((part) => (part.type === 'text' ? [part.text] : []))
    .join('')
    .slice(0, LIMITS.content)

/**
 * The Chatkeep message to append for a UIMessage: the same role, its text as content, its
 * parts as Chatkeep parts, and its id as the request_id, so saving it again stores nothing new.
 */
export function toNewMessage(message: UIMessage): NewMessage {
  const kept: Kept = {
    id: message.id,
    parts: message.parts,
    ...(message.metadata === undefined ? {} : { metadata: message.metadata }),
  }
  const parts = toParts(message, message.role)
  return {
    role: message.role,
    content: textOf(message),
    parts: parts.length > 0 ? parts : null,
    request_id: message.id,
    metadata: { [AI_SDK_METADATA_KEY]: kept },
  }
}

/** The UIMessage for a Chatkeep message: as saved, or built from its parts and content. */
export function toUIMessage(message: Message): UIMessage {
  const kept = message.metadata?.[AI_SDK_METADATA_KEY]
  if (isObject(kept) && typeof kept.id === 'string' && Array.isArray(kept.parts)) {
    // An answer cut short keeps its start's metadata: its text is in content only.
    const parts =
      kept.parts.length === 0 && message.content !== ''
        ? [{ type: 'text' as const, text: message.content }]
        : (kept.parts as UIMessage['parts'])
    return {
      id: kept.id,
      role: message.role as UIMessage['role'],
      parts,
      ...(kept.metadata === undefined ? {} : { metadata: kept.metadata }),
    }
  }
  const parts: UIMessage['parts'] = []
  for (const part of message.parts ?? []) {
    if (part.type === 'text') parts.push({ type: 'text', text: part.text })
    else if (part.type === 'reasoning') parts.push({ type: 'reasoning', text: part.text })
    else if ((part.type === 'file' || part.type === 'image') && part.url !== undefined)
      parts.push({ type: 'file', url: part.url, mediaType: part.media_type ?? '' })
  }
  if (parts.length === 0 && message.content !== '')
    parts.push({ type: 'text', text: message.content })
  // A tool message has no UIMessage role of its own: the AI SDK keeps results on the assistant's part.
  const role = message.role === 'tool' ? 'assistant' : message.role
  return { id: message.request_id ?? message.id, role, parts }
}

async function readMessages(source: Source, conversation_id: string): Promise<Message[]> {
  const messages = source.messages
  if (messages.path !== undefined) return messages.path(conversation_id)
  const all: Message[] = []
  let after: string | undefined
  for (;;) {
    const page = await messages.list(conversation_id, {
      limit: LIMITS.page,
      ...(after === undefined ? {} : { after }),
    })
    all.push(...page.data)
    if (!page.has_more || page.last_id === null) return all
    after = page.last_id
  }
}

/**
 * The chat's UIMessages, oldest first: the conversation's active path (over the client, every
 * live message). What `useChat` gets as its initial `messages`.
 * @example
 * const messages = await loadChat(store.forUser(user.id), chat_id)
 */
export async function loadChat(source: Source, conversation_id: string): Promise<UIMessage[]> {
  return (await readMessages(source, conversation_id)).map(toUIMessage)
}

/**
 * Appends the UIMessages not stored yet (known by their id), in order, in one transaction. The
 * whole chat can be passed on every turn (as `onFinish` hands it over); a retried save stores
 * nothing twice, each message's id being its request_id. Returns the messages it appended.
 * @example
 * return result.toUIMessageStreamResponse({ originalMessages: messages,
 *   onFinish: ({ messages }) => saveChat(store.forUser(user.id), chat_id, messages) })
 */
export async function saveChat(
  source: Source,
  conversation_id: string,
  messages: UIMessage[],
): Promise<Message[]> {
  const stored = new Set(
    (await readMessages(source, conversation_id)).map((m) => toUIMessage(m).id),
  )
  const fresh = messages.filter((message) => !stored.has(message.id)).map(toNewMessage)
  if (fresh.length === 0) return []
  return source.messages.appendMany(conversation_id, fresh)
}

export interface PersistStreamOptions {
  /** The UIMessage id of the answer (its request_id): give the same to the UI stream. */
  message_id?: string
  /** The model's name, kept as the message's model_version. */
  model_version?: string
  /** Metadata kept with the answer; the UIMessage's id joins it under `ai_sdk`. */
  metadata?: Record<string, unknown>
}

/**
 * Keeps a `streamText` answer as a Chatkeep live reply while it streams: started at once
 * (status `streaming`), each text delta appended, finished with the total tokens and the
 * finish reason, or aborted (`aborted` when the stream was stopped, `error` when it failed),
 * keeping what arrived. Reads its own branch of the stream, so the UI stream is unaffected.
 * Resolves to the stored message once the stream has ended.
 * @example
 * const result = streamText({ model, messages: await convertToModelMessages(messages) })
 * void persistStream(store.forUser(user.id), chat_id, result, { message_id: 'answer-1' })
 */
export async function persistStream(
  source: Source,
  conversation_id: string,
  result: Pick<StreamTextResult<ToolSet, never>, 'fullStream'>,
  options: PersistStreamOptions = {},
): Promise<Message> {
  const message_id = options.message_id ?? `ai-${globalThis.crypto.randomUUID()}`
  const metadata = (parts: unknown[]) => ({
    ...options.metadata,
    [AI_SDK_METADATA_KEY]: { id: message_id, parts },
  })
  const messages = source.messages
  const answer = await messages.start(conversation_id, {
    role: 'assistant',
    content: '',
    request_id: message_id,
    ...(options.model_version === undefined ? {} : { model_version: options.model_version }),
    metadata: metadata([]),
  })
  let text = ''
  const calls: unknown[] = []
  let finish: Finish | null = null
  try {
    for await (const part of result.fullStream) {
      if (part.type === 'text-delta') {
        if (part.text === '') continue
        text += part.text
        await messages.appendDelta(answer.id, { content: part.text })
      } else if (part.type === 'tool-call') {
        // Stored as it is made, so a follower or a crash sees which tool the answer called.
        const input = isObject(part.input) ? part.input : {}
        await messages.appendDelta(answer.id, {
          parts: [
            { type: 'tool_call', id: part.toolCallId, name: part.toolName, arguments: input },
          ],
        })
        calls.push({
          type: part.dynamic === true ? 'dynamic-tool' : `tool-${part.toolName}`,
          ...(part.dynamic === true ? { toolName: part.toolName } : {}),
          toolCallId: part.toolCallId,
          state: 'input-available',
          input: part.input,
        })
      } else if (part.type === 'abort') {
        return await messages.abort(answer.id, { finish_reason: 'aborted' })
      } else if (part.type === 'error') {
        return await messages.abort(answer.id, { finish_reason: 'error' })
      } else if (part.type === 'finish') {
        const tokens = part.totalUsage.totalTokens
        finish = {
          ...(tokens === undefined ? {} : { tokens_used: tokens }),
          finish_reason: part.finishReason,
          metadata: metadata([...(text === '' ? [] : [{ type: 'text', text }]), ...calls]),
        }
      }
    }
  } catch (error) {
    await messages.abort(answer.id, { finish_reason: 'error' })
    throw error
  }
  if (finish === null) return messages.abort(answer.id, { finish_reason: 'aborted' })
  return messages.finish(answer.id, finish)
}
