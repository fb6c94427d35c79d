// A LangChain.js chat history kept in one Chatkeep conversation, through the library (a store)
// or over HTTP (chatkeep/client): the same messages either way.
import { BaseListChatMessageHistory } from '@langchain/core/chat_history'
import type { BaseMessage } from '@langchain/core/messages'
import { isChatkeepError } from '../errors.js'
import { backoff, type BackoffPolicy, sleep } from '../lib/backoff.js'
import type { Message } from '../schemas/data.js'
import type { NewMessage } from '../schemas/inputs.js'
import { LIMITS } from '../schemas/limits.js'
import { toLangChainMessage, toNewMessage } from './message-mapping.js'

/**
 * The calls the history makes on messages: what `store.messages`, `store.forUser(id).messages`
 * and `client.messages` (chatkeep/client) all have.
 */
export interface HistoryMessages {
  append(conversation_id: string, message: NewMessage): Promise<Message>
  appendMany(conversation_id: string, messages: NewMessage[]): Promise<Message[]>
  list(
    conversation_id: string,
    options: { limit?: number; after?: string; order?: 'asc' | 'desc' },
  ): Promise<{ data: Message[]; has_more: boolean; last_id: string | null }>
  lastN(conversation_id: string, n: number): Promise<Message[]>
  delete(id: string): Promise<void>
}

export interface ChatkeepChatMessageHistoryOptions {
  /** Where the messages are: a store (or `store.forUser(id)`) or a ChatkeepClient. */
  source: { readonly messages: HistoryMessages }
  /** The conversation that holds the history; create it first (`conversations.create`). */
  conversation_id: string
  /** Read only the last this many messages: the context window handed to the model. */
  last_n?: number
  /**
   * How often a batch of messages is sent again after a connection that dropped before its
   * answer (over HTTP). Every message carries a request_id, so a batch stored the first time
   * is answered, not stored twice.
   */
  batch_retries?: number
  /** The waits between those attempts: exponential backoff with full jitter. */
  batch_backoff?: BackoffPolicy
}

/** How many times a batch whose answer was lost is sent again, by default. */
export const DEFAULT_BATCH_RETRIES = 3
const DEFAULT_BATCH_BACKOFF: BackoffPolicy = { base_delay_ms: 200, max_delay_ms: 5_000 }

/**
 * A `BaseListChatMessageHistory` over a Chatkeep conversation. Human, AI, System and Tool
 * messages round-trip with their tool_calls, additional_kwargs and response_metadata; an AI
 * message's usage becomes its tokens_used. Every append is idempotent (a request_id per
 * message) and `addMessages` stores all of its messages or none.
 * @example
 * const chat = await store.forUser(alice.id).conversations.create({ title: 'Support' })
 * const history = new ChatkeepChatMessageHistory({ source: store.forUser(alice.id), conversation_id: chat.id })
 * await history.addMessages([new HumanMessage('Hi'), new AIMessage('Hello!')])
 */
export class ChatkeepChatMessageHistory extends BaseListChatMessageHistory {
  lc_namespace = ['chatkeep', 'langchain', 'history']
  readonly conversation_id: string
  readonly #messages: HistoryMessages
  readonly #last_n: number | undefined
  readonly #batch_retries: number
  readonly #batch_backoff: BackoffPolicy

  constructor(options: ChatkeepChatMessageHistoryOptions) {
    super()
    this.#messages = options.source.messages
    this.conversation_id = options.conversation_id
    this.#last_n = options.last_n
    this.#batch_retries = options.batch_retries ?? DEFAULT_BATCH_RETRIES
    this.#batch_backoff = options.batch_backoff ?? DEFAULT_BATCH_BACKOFF
  }

  /** The conversation's live messages, oldest first (the last `last_n` when set). */
  async getMessages(): Promise<BaseMessage[]> {
    if (this.#last_n !== undefined) {
      const window = await this.#messages.lastN(this.conversation_id, this.#last_n)
      return window.map(toLangChainMessage)
    }
    const all: BaseMessage[] = []
    let after: string | undefined
    for (;;) {
      const page = await this.#messages.list(this.conversation_id, {
        limit: LIMITS.page,
        ...(after === undefined ? {} : { after }),
      })
      all.push(...page.data.map(toLangChainMessage))
      if (!page.has_more || page.last_id === null) return all
      after = page.last_id
    }
  }

  async addMessage(message: BaseMessage): Promise<void> {
    await this.#messages.append(this.conversation_id, toNewMessage(message, requestId()))
  }

  /**
   * Appends the messages in one transaction: all of them, in order, or none. Up to
   * LIMITS.batch (1000) at a time.
   */
  override async addMessages(messages: BaseMessage[]): Promise<void> {
    if (messages.length === 0) return
    const batch = messages.map((message) => toNewMessage(message, requestId()))
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#messages.appendMany(this.conversation_id, batch)
        return
      } catch (error) {
        // No answer came back: the same batch again is stored once or answered as stored.
        if (!isChatkeepError(error, 'unavailable') || attempt >= this.#batch_retries) throw error
        await sleep(backoff(this.#batch_backoff, attempt))
      }
    }
  }

  /**
   * Soft-deletes every message of the conversation, newest first, so that one cut short
   * leaves the history's beginning; calling it again finishes. The conversation stays.
   */
  override async clear(): Promise<void> {
    for (;;) {
      const page = await this.#messages.list(this.conversation_id, {
        limit: LIMITS.page,
        order: 'desc',
      })
      for (const message of page.data) await this.#messages.delete(message.id)
      if (!page.has_more) return
    }
  }
}

/** A fresh idempotency key for a message that has no id of its own. */
const requestId = () => `lc-${globalThis.crypto.randomUUID()}`
