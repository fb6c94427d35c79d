import { Type } from '@sinclair/typebox'
import type { MessageCipher, MessageIds } from '../crypto/message-cipher.js'
import { ChatkeepError, isChatkeepError, notFound } from '../errors.js'
import {
  type AppendRow,
  appendMessages,
  findAppended,
  type SealedMessage,
  MAX_PATH_DEPTH,
  pathMessages,
  siblingMessages,
  type MessageRow,
} from '../db/messages-table.js'
import type { Database } from '../db/database.js'
import { isDriverError, violatedUniqueKey } from '../db/driver-errors.js'
import { canonicalJson } from '../lib/canonical-json.js'
import { isUuid, uuid7 } from '../lib/uuid7.js'
import * as conversations from '../repositories/conversations.js'
import type { Owner } from '../repositories/conversations.js'
import { eventRow, insertEvents } from '../repositories/events.js'
import * as messages from '../repositories/messages.js'
import * as similarity from '../repositories/similarity.js'
import type { EventType } from '../schemas/events.js'
import { ROLES, type Message, type Page, type Role, type Sibling } from '../schemas/data.js'
import {
  type Abort,
  AbortSchema,
  type Delta,
  DeltaSchema,
  type Feedback,
  type FeedbackListOptions,
  FeedbackListSchema,
  FeedbackReasonSchema,
  FeedbackSchema,
  type SourceListOptions,
  SourceListSchema,
  type Finish,
  FinishSchema,
  type MessageEmbedding,
  MessageEmbeddingSchema,
  type MessageListOptions,
  MessageListSchema,
  type NewMessage,
  NewMessageSchema,
} from '../schemas/inputs.js'
import { LIMITS } from '../schemas/limits.js'
import { checkParts, type Part } from '../schemas/parts.js'
import { refuseIfConversationHeld } from './legal-holds.js'
import { checkJsonSize, validator } from '../schemas/validate.js'
import type { Citation } from '../schemas/citations.js'
import { announceAppend, announceAppended } from './append-events.js'
import type { AppendQueue } from './append-queue.js'
import { checkCitations } from './citations.js'
import { coverMessageVectors } from './message-embeddings.js'
import { finiteEmbedding } from '../lib/embedding.js'
import type { MessageSignals } from './message-signals.js'
import { type ContextOptions, type ContextWindow, contextWindow } from './context-window.js'
import { checkCursors, toPage } from './page.js'
import { type FollowOptions, followMessage, type StreamEvent } from './stream-follower.js'
import type { StreamEnding, StreamWriter } from './stream-writer.js'
import { tokenCounts } from './token-counts.js'
import type { UsageService } from './usage.js'

/** Which path a read follows. */
export interface PathOptions {
  /** The message the path ends at; absent: the conversation's active leaf. */
  leaf?: string
}

const validateNew = validator(NewMessageSchema)
const validateList = validator(MessageListSchema)
// Wrapped so that a bad value is named `/feedback`, as over HTTP.
const validateFeedback = validator(
  Type.Object({ feedback: FeedbackSchema, feedback_reason: FeedbackReasonSchema }),
)
const validateFeedbackList = validator(FeedbackListSchema)
const validateSourceList = validator(SourceListSchema)
const validateRequestId = validator(
  Type.Object({ request_id: Type.String({ minLength: 1, maxLength: LIMITS.short_text }) }),
)
const validateSource = validator(
  Type.Object({ source: Type.String({ minLength: 1, maxLength: LIMITS.short_text }) }),
)
const validateDelta = validator(DeltaSchema)
const validateFinish = validator(FinishSchema)
const validateAbort = validator(AbortSchema)
const validateEmbedding = validator(MessageEmbeddingSchema)

/** What a store's message services share for live replies. */
export interface LiveReplies {
  writer: StreamWriter
  signals: MessageSignals
}

/** What the seed's save_*_message calls take besides the text; latency_ms goes to metadata. */
export type SaveOptions = Omit<NewMessage, 'role' | 'content'> & { latency_ms?: number }

function saveInput(role: Role, content: string, options: SaveOptions): NewMessage {
  const { latency_ms, ...rest } = options
  if (latency_ms === undefined) return { ...rest, role, content }
  return { ...rest, role, content, metadata: { ...rest.metadata, latency_ms } }
}

/**
 * Messages are append-only: after the insert only feedback (and its reason), deleted_at and
 * the embedding (`setEmbedding`, for semantic recall) ever change. With a
 * cipher (encryption at rest), content is sealed just before the write and opened on every read.
 */
export class MessageService {
  constructor(
    private readonly db: Database,
    private readonly owner: Owner,
    private readonly queue: AppendQueue,
    private readonly cipher: MessageCipher | null,
    private readonly live: LiveReplies,
    private readonly usage: UsageService,
  ) {}

  /**
   * Adds text, parts or both to a live reply. Text is accepted at once and checkpointed with
   * others within `stream_checkpoint_ms`; `finish` stores every delta accepted before it. Parts
   * (a tool call, an image: few and each one whole) are stored before this answers. Fails with
   * `message_not_streaming` once the message has ended.
   * @example
   * for await (const chunk of llm) await store.messages.appendDelta(answer.id, { content: chunk })
   */
  async appendDelta(id: string, delta: Delta): Promise<void> {
    const data = validateDelta(delta)
    if (!isUuid(id)) throw notFound('message', id)
    if (data.parts !== undefined && data.parts.length > 0) {
      await this.live.writer.addParts(id, this.owner, data.parts)
    }
    await this.live.writer.add(id, this.owner, data.content ?? '')
  }

  /**
   * Ends a live reply as `complete`, in one transaction with its last deltas, its tokens_used,
   * finish_reason and metadata, and its conversation's total_tokens.
   * @example
   * await store.messages.finish(answer.id, { tokens_used: 812, finish_reason: 'stop' })
   */
  async finish(id: string, finish: Finish = {}): Promise<Message> {
    const data = validateFinish(finish)
    checkJsonSize('metadata', data.metadata)
    const { prompt_tokens, completion_tokens, tokens_used, ...rest } = data
    const given = tokens_used ?? prompt_tokens ?? completion_tokens
    const tokens = given === undefined ? {} : tokenCounts(data)
    return this.end(id, { status: 'complete', ...rest, ...tokens })
  }

  /** Ends a live reply as `aborted`, keeping the content that arrived. */
  async abort(id: string, abort: Abort = {}): Promise<Message> {
    const data = validateAbort(abort)
    return this.end(id, { status: 'aborted', finish_reason: data.finish_reason ?? null })
  }

  /**
   * Follows a message until it ends: its content so far, each checkpoint's delta, then the
   * end, from whichever process writes it. `after` resumes at an offset already received.
   * @example
   * for await (const event of store.messages.follow(answer.id)) {
   *   if (event.type !== 'end') process.stdout.write(event.content)
   * }
   */
  follow(id: string, options: FollowOptions = {}): AsyncGenerator<StreamEvent, void, undefined> {
    const after = options.after ?? 0
    if (!Number.isSafeInteger(after) || after < 0) {
      throw new ChatkeepError('validation_failed', '/after: must be a whole number, 0 or more.', {
        field: '/after',
      })
    }
    return followMessage(id, () => this.get(id), this.live.signals, options)
  }

  private async end(id: string, ending: StreamEnding): Promise<Message> {
    if (!isUuid(id)) throw notFound('message', id)
    const row = await this.live.writer.end(id, this.owner, ending)
    return this.#decodeOne(row)
  }

  /**
   * The sealed content of a message written outside `append` (imports keep their own times
   * and sequences), bound to the row's ids; null when encryption at rest is off.
   */
  sealFor(content: string, ids: MessageIds, parts: unknown[] | null = null): SealedMessage | null {
    return this.cipher === null ? null : sealMessage(this.cipher, content, parts, ids)
  }

  /**
   * Makes sure `sealFor` can seal messages of `user_id`: with encryption at rest, creates their
   * data key when they have none, committed on its own. Call it before the transaction that
   * writes what `sealFor` sealed.
   */
  async prepareSeal(user_id: string): Promise<void> {
    await this.cipher?.ensure(user_id)
  }

  /**
   * Appends one message; its sequence is the conversation's next. With a `request_id`, replaying
   * the same append returns the first message and stores nothing; the same key with another
   * body is a `conflict`.
   * @example
   * await store.messages.append(chat.id, { role: 'user', content: 'Hello', request_id: 'turn-1' })
   */
  async append(conversationId: string, input: NewMessage): Promise<Message> {
    const row = this.toRow(input, '')
    if (!isUuid(conversationId)) throw notFound('conversation', conversationId)
    await this.checkParent(conversationId, row)
    await this.checkQuota(conversationId, [row])
    await coverMessageVectors(this.db, [row.embedding])
    const owner = this.cipher === null ? this.owner : await this.seal(conversationId, [row])
    let outcome
    try {
      outcome = await this.queue.append(conversationId, owner, row)
    } catch (error) {
      return announceAppend(this.db, row, await this.replayed(conversationId, row, error))
    }
    if (outcome.result === undefined) throw await this.whyNotAppended(conversationId)
    return announceAppend(
      this.db,
      row,
      built(conversationId, outcome.result.user_id, outcome.sequence, outcome.created_at, {
        ...row,
        parent_id: outcome.parent_id,
      }),
    )
  }

  /**
   * Starts a live reply: a message with status `streaming` whose id and sequence are fixed at
   * once, which `appendDelta` extends and `finish` or `abort` ends. Idempotent by request_id,
   * as `append` is: a replayed start returns the message as it stands.
   * @example
   * const answer = await store.messages.start(chat.id, { role: 'assistant', request_id: 'turn-1' })
   */
  start(conversationId: string, input: Omit<NewMessage, 'status'>): Promise<Message> {
    return this.append(conversationId, { ...input, status: 'streaming' })
  }

  /** Appends several messages in one transaction: all of them, in order, or none. */
  async appendMany(conversationId: string, inputs: NewMessage[]): Promise<Message[]> {
    if (!Array.isArray(inputs) || inputs.length === 0 || inputs.length > LIMITS.batch) {
      throw new ChatkeepError(
        'validation_failed',
        `/: give between 1 and ${LIMITS.batch} messages.`,
        { field: '/' },
      )
    }
    const rows = inputs.map((input, i) => this.toRow(input, `/${i}`))
    if (!isUuid(conversationId)) throw notFound('conversation', conversationId)
    for (const [i, row] of rows.entries())
      await this.checkParent(conversationId, row, `/${i}`, rows)
    await this.checkQuota(conversationId, rows)
    await coverMessageVectors(
      this.db,
      rows.map((row) => row.embedding),
    )
    const owner = this.cipher === null ? this.owner : await this.seal(conversationId, rows)
    const created_at = new Date().toISOString()
    let result
    try {
      result = await appendMessages(this.db, {
        conversation_id: conversationId,
        owner,
        created_at,
        rows,
      })
    } catch (error) {
      // A replay of the whole batch returns what the first one stored.
      const replays = await Promise.all(
        rows.map((row) => this.replayed(conversationId, row, error)),
      )
      return announceAppended(this.db, rows, replays)
    }
    if (result === undefined) throw await this.whyNotAppended(conversationId)
    return announceAppended(
      this.db,
      rows,
      rows.map((row, i) =>
        built(conversationId, result.user_id, result.first_sequence + i, created_at, {
          ...row,
          parent_id: result.parents[i] ?? null,
        }),
      ),
    )
  }

  /**
   * Edits a message the way chat apps do: appends a new message beside it (same parent, same
   * role unless given), which becomes the active leaf; the original stays, as an alternative.
   * @example
   * const edited = await store.messages.edit(question.id, { content: 'What about Porto?' })
   */
  async edit(id: string, input: Omit<NewMessage, 'parent_id' | 'role'> & { role?: Role }) {
    const original = await this.get(id)
    return this.append(original.conversation_id, {
      ...input,
      role: input.role ?? original.role,
      parent_id: original.parent_id,
    })
  }

  /**
   * Regenerates an answer: appends another answer to the same question (a sibling of `id`,
   * an assistant message unless `role` says otherwise), which becomes the active leaf.
   * @example
   * const again = await store.messages.regenerate(answer.id, { content: 'Lisbon has…' })
   */
  async regenerate(id: string, input: Omit<NewMessage, 'parent_id' | 'role'> & { role?: Role }) {
    const original = await this.get(id)
    return this.append(original.conversation_id, {
      ...input,
      role: input.role ?? 'assistant',
      parent_id: original.parent_id,
    })
  }

  /**
   * The alternatives at a message's point of the tree (it and the live messages sharing its
   * parent), oldest first, each with its position and the newest leaf under it.
   * @example
   * const alternatives = await store.messages.siblings(answer.id) // "2 / 3"
   */
  async siblings(id: string): Promise<Sibling[]> {
    const message = await this.get(id)
    const rows = await siblingMessages(this.db, message.conversation_id, message.parent_id)
    await this.#prepare(rows)
    return rows.map(({ newest_leaf_id, ...row }, i) => ({
      position: i + 1,
      message: messages.decodeMessage(this.db.codec, row, this.cipher),
      newest_leaf_id,
    }))
  }

  /**
   * Sets, replaces or (null) removes a live message's embedding, for semantic recall
   * (`search.similarMessages`); the app embeds the text, often after the append. The vector is
   * indexed in the same transaction. Another user's message answers `not_found`.
   * @example
   * await store.forUser(id).messages.setEmbedding(message.id, { embedding: await embed(text) })
   */
  async setEmbedding(id: string, input: MessageEmbedding): Promise<void> {
    const data = validateEmbedding(input)
    if (!isUuid(id)) throw notFound('message', id)
    const embedding = data.embedding === null ? null : finiteEmbedding(data.embedding, '/embedding')
    await coverMessageVectors(this.db, [embedding])
    const row = await this.db.transaction((tx) =>
      similarity.setMessageEmbedding(tx, id, this.owner, embedding),
    )
    if (row === undefined) throw notFound('message', id)
  }

  async get(id: string): Promise<Message> {
    const row = isUuid(id) ? await messages.getMessage(this.db, id, this.owner) : undefined
    if (row === undefined) throw notFound('message', id)
    return this.#decodeOne(row)
  }

  /**
   * RAG provenance: for each chunk the message cites in context_documents (`{ chunk_id,
   * content_hash, score }`), whether it is still `current`, has `changed` or was `deleted`.
   * @example
   * const stale = (await store.messages.citations(id)).filter((c) => c.status !== 'current')
   */
  async citations(id: string): Promise<Citation[]> {
    return checkCitations(this.db, await this.get(id))
  }

  /** Live messages in sequence order (`asc` by default), keyset-paginated by message id. */
  async list(conversationId: string, options: MessageListOptions = {}): Promise<Page<Message>> {
    const data = validateList(options)
    checkCursors(data, 'message')
    await this.conversation(conversationId)
    const limit = data.limit ?? LIMITS.default_page
    const rows = await messages.listMessages(this.db, {
      conversation_id: conversationId,
      owner: this.owner,
      limit,
      order: data.order ?? 'asc',
      after: data.after,
      before: data.before,
      role: data.role,
    })
    await this.#prepare(rows)
    return toPage(rows, limit, data.before !== undefined, (row) =>
      messages.decodeMessage(this.db.codec, row, this.cipher),
    )
  }

  /**
   * The last `n` live messages of the active path (root → active leaf), oldest first: the
   * context window to hand an LLM. `leaf` reads the path that ends at that message instead.
   * @example
   * const context = await store.messages.lastN(chat.id, 20)
   */
  async lastN(
    conversationId: string,
    n: number = LIMITS.default_page,
    options: PathOptions = {},
  ): Promise<Message[]> {
    checkWindow(n)
    const rows = await this.#pathRows(conversationId, n, options.leaf)
    return this.#decode(rows)
  }

  /**
   * The last `n` live messages of the active path (or of the path to `leaf`) as a page, oldest
   * first: `has_more` says whether live messages of the path come before them (soft-deleted
   * ones do not count).
   * @example
   * const { data, has_more } = await store.messages.lastPage(chat.id, 20)
   */
  async lastPage(
    conversationId: string,
    n: number = LIMITS.default_page,
    options: PathOptions = {},
  ): Promise<Page<Message>> {
    checkWindow(n)
    // One more than asked for, oldest first: when it comes, there is more before the page.
    const rows = await this.#pathRows(conversationId, n + 1, options.leaf)
    const kept = rows.length > n ? rows.slice(1) : rows
    const data = await this.#decode(kept)
    return {
      data,
      has_more: rows.length > n,
      first_id: data[0]?.id ?? null,
      last_id: data.at(-1)?.id ?? null,
    }
  }

  /**
   * Every live message of the active path (or of the path to `leaf`), root first: what a person
   * or an LLM reads as the conversation.
   * @example
   * const shown = await store.messages.path(chat.id)
   */
  async path(conversationId: string, options: PathOptions = {}): Promise<Message[]> {
    const rows = await this.#pathRows(conversationId, MAX_PATH_DEPTH, options.leaf)
    return this.#decode(rows)
  }

  /**
   * What to send an LLM: the newest messages of the active path (or the path to `leaf`) that
   * fit `max_tokens` and `max_messages`, oldest first, with the system prompt always at the
   * head, tool calls never parted from their results, and the latest compaction summary in
   * place of what it covers.
   * @example
   * const { messages } = await store.messages.context(chat.id, { max_tokens: 8000 })
   */
  async context(conversationId: string, options: ContextOptions = {}): Promise<ContextWindow> {
    for (const key of ['max_tokens', 'max_messages'] as const) {
      const value = options[key]
      if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
        throw new ChatkeepError('validation_failed', `/${key}: must be a non-negative integer.`, {
          field: `/${key}`,
        })
      }
    }
    // The whole path in the one bounded read: which messages fit is decided here, not in SQL.
    const path = await this.path(
      conversationId,
      options.leaf === undefined ? {} : { leaf: options.leaf },
    )
    return contextWindow(path, options)
  }

  async #pathRows(conversationId: string, n: number, leaf: string | undefined) {
    if (leaf !== undefined && !isUuid(leaf)) {
      await this.conversation(conversationId)
      throw notFound('message', leaf)
    }
    const rows = isUuid(conversationId)
      ? await pathMessages(this.db, {
          conversation_id: conversationId,
          owner: this.owner,
          leaf: leaf ?? null,
          n,
        })
      : []
    // An empty window may mean no such conversation (or leaf); only then is it worth asking.
    if (rows.length === 0) {
      await this.conversation(conversationId)
      if (leaf !== undefined) {
        const row = await messages.getMessageAnyState(this.db, leaf)
        if (row?.conversation_id !== conversationId) throw notFound('message', leaf)
      }
    }
    return rows
  }

  /**
   * Thumbs up (1), down (-1) or clear (null), with the user's reason for it; clearing the
   * rating clears the reason.
   * @example
   * await store.messages.setFeedback(answer.id, -1, 'It made up the opening hours')
   */
  async setFeedback(
    id: string,
    feedback: Feedback,
    reason: string | null = null,
  ): Promise<Message> {
    const value = validateFeedback({ feedback, feedback_reason: reason })
    if (value.feedback === null && value.feedback_reason !== null) {
      throw new ChatkeepError(
        'validation_failed',
        '/feedback_reason: give a reason only with a rating (1 or -1).',
        { field: '/feedback_reason' },
      )
    }
    const rating = { feedback: value.feedback, feedback_reason: value.feedback_reason ?? null }
    const row = isUuid(id)
      ? await this.withEvent('message.feedback', rating, (tx) =>
          messages.setMessageFeedback(tx, id, this.owner, rating),
        )
      : undefined
    if (row === undefined) throw notFound('message', id)
    return this.#decodeOne(row)
  }

  /**
   * Rated messages, newest first: the caller's, or everyone's for an admin; `rating` keeps only
   * thumbs down (-1) or up (1).
   * @example
   * const { data } = await store.messages.listFeedback({ rating: -1 })
   */
  async listFeedback(options: FeedbackListOptions = {}): Promise<Page<Message>> {
    const data = validateFeedbackList(options)
    checkCursors(data, 'message')
    const limit = data.limit ?? LIMITS.default_page
    const rows = await messages.listRatedMessages(this.db, { ...data, limit, owner: this.owner })
    await this.#prepare(rows)
    return toPage(rows, limit, data.before !== undefined, (row) =>
      messages.decodeMessage(this.db.codec, row, this.cipher),
    )
  }

  /**
   * The live messages of one turn (a user message and its answer share a request_id), oldest
   * first, in any of the caller's conversations or in `conversation_id` only; empty when none.
   * @example
   * const [question, answer] = await store.messages.getByRequestId('req_123')
   */
  async getByRequestId(
    request_id: string,
    options: { conversation_id?: string } = {},
  ): Promise<Message[]> {
    const key = validateRequestId({ request_id }).request_id
    const { conversation_id } = options
    if (conversation_id !== undefined && !isUuid(conversation_id)) return []
    const rows = await messages.listMessagesByRequestId(this.db, {
      owner: this.owner,
      request_id: key,
      conversation_id,
    })
    return this.#decode(rows)
  }

  /**
   * Live messages whose `metadata.source` is `source` (a string: the bot, channel or feed a
   * message came from), oldest first, in all of the caller's conversations.
   * @example
   * const { data } = await store.messages.listBySource('discord')
   */
  async listBySource(source: string, options: SourceListOptions = {}): Promise<Page<Message>> {
    const data = validateSourceList(options)
    const key = validateSource({ source }).source
    checkCursors(data, 'message')
    const limit = data.limit ?? LIMITS.default_page
    const rows = await messages.listMessagesBySource(this.db, {
      ...data,
      limit,
      owner: this.owner,
      source: key,
    })
    await this.#prepare(rows)
    return toPage(rows, limit, data.before !== undefined, (row) =>
      messages.decodeMessage(this.db.codec, row, this.cipher),
    )
  }

  /**
   * Seed 002's `save_user_message`: appends a user message.
   * @example
   * await store.messages.saveUserMessage(chat.id, 'Hello!', { request_id: 'req_123' })
   */
  saveUserMessage(conversationId: string, content: string, options: SaveOptions = {}) {
    return this.append(conversationId, saveInput('user', content, options))
  }

  /**
   * Seed 002's `save_assistant_message`: appends the answer, `latency_ms` kept in metadata.
   * @example
   * await store.messages.saveAssistantMessage(chat.id, answer, {
   *   request_id: 'req_123', tokens_used: 42, model_version: 'gpt-4o', latency_ms: 830,
   * })
   */
  saveAssistantMessage(conversationId: string, content: string, options: SaveOptions = {}) {
    return this.append(conversationId, saveInput('assistant', content, options))
  }

  /** Seed 002's `save_system_message`: appends a system message (a prompt, a notice). */
  saveSystemMessage(conversationId: string, content: string, options: SaveOptions = {}) {
    return this.append(conversationId, saveInput('system', content, options))
  }

  /** Soft delete: the message leaves every read; its sequence number stays taken. */
  /** Soft delete; refused with `legal_hold` while a hold covers its conversation or user. */
  async delete(id: string): Promise<void> {
    const at = new Date().toISOString()
    const row = isUuid(id)
      ? await this.withEvent('message.deleted', {}, async (tx) => {
          const deleted = await messages.setMessageDeletedAt(tx, id, this.owner, at)
          if (deleted !== undefined) await refuseIfConversationHeld(tx, deleted.conversation_id)
          return deleted
        })
      : undefined
    if (row === undefined) throw notFound('message', id)
  }

  async restore(id: string): Promise<Message> {
    const row = isUuid(id)
      ? await this.withEvent('message.restored', {}, (tx) =>
          messages.setMessageDeletedAt(tx, id, this.owner, null),
        )
      : undefined
    if (row === undefined) throw notFound('deleted message', id)
    return this.#decodeOne(row)
  }

  /** Live messages of a conversation per role; roles without any count 0. */
  async countByRole(conversationId: string): Promise<Record<Role, number>> {
    await this.conversation(conversationId)
    const rows = await messages.countMessagesByRole(this.db, conversationId, this.owner)
    const counts = Object.fromEntries(ROLES.map((r) => [r, 0])) as Record<Role, number>
    for (const { role, count } of rows) counts[role as Role] = count
    return counts
  }

  /** A change of one message and its event in the feed, in one transaction. */
  private withEvent(
    type: EventType,
    data: Record<string, unknown>,
    change: (tx: Database) => Promise<MessageRow | undefined>,
  ): Promise<MessageRow | undefined> {
    return this.db.transaction(async (tx) => {
      const row = await change(tx)
      if (row !== undefined) {
        const subject = {
          user_id: row.user_id,
          conversation_id: row.conversation_id,
          message_id: row.id,
        }
        await insertEvents(tx, eventRow(type, subject, data))
      }
      return row
    })
  }

  private toRow(input: NewMessage, at: string): AppendRow {
    let data
    let tokens
    try {
      data = validateNew(input)
      checkJsonSize('metadata', data.metadata)
      checkJsonSize('context_documents', data.context_documents)
      checkParts(data.parts, data.role)
      tokens = tokenCounts(data)
    } catch (error) {
      if (at === '' || !(error instanceof ChatkeepError)) throw error
      // The item's pointer (`/2`) goes before the field within it (`/content`, or `/` for all of it).
      const field = `${at}${error.field === '/' ? '' : (error.field ?? '')}`
      const reason = error.message.slice(error.field?.length ?? 0)
      throw new ChatkeepError(error.code, `${field}${reason}`, { field })
    }
    const streaming = data.status === 'streaming'
    if (data.content === undefined && !streaming) {
      throw new ChatkeepError('validation_failed', `${at}/content: is required.`, {
        field: `${at}/content`,
      })
    }
    return {
      id: uuid7(),
      parent_id: data.parent_id ?? null,
      root: data.parent_id === null,
      activate: data.activate ?? true,
      role: data.role,
      content: data.content ?? '',
      parts: data.parts ?? null,
      ...(streaming ? { status: 'streaming' as const } : {}),
      request_id: data.request_id ?? null,
      ...tokens!,
      model_version: data.model_version ?? null,
      context_documents: data.context_documents ?? [],
      metadata: data.metadata ?? {},
      embedding:
        data.embedding === undefined || data.embedding === null
          ? null
          : finiteEmbedding(data.embedding, `${at}/embedding`),
      sealed: null,
    }
  }

  /** Loads the data keys of the owners of `rows` (encryption at rest), so that they decode. */
  async #prepare(rows: readonly MessageRow[]): Promise<void> {
    await this.cipher?.prepare(this.db, rows)
  }

  /** Rows as the Messages handed out, opened with their owners' data keys. */
  async #decode(rows: MessageRow[]): Promise<Message[]> {
    await this.#prepare(rows)
    return rows.map((row) => messages.decodeMessage(this.db.codec, row, this.cipher))
  }

  async #decodeOne(row: MessageRow): Promise<Message> {
    return (await this.#decode([row]))[0]!
  }

  /**
   * Encryption at rest: seals each row's content to its message, conversation and user ids.
   * The user is the conversation's owner; an admin's store looks it up and appends as that
   * owner, so the row written is bound to the user the seal names. Returns the owner to append as.
   */
  private async seal(conversationId: string, rows: AppendRow[]): Promise<string> {
    const cipher = this.cipher!
    const user_id = this.owner ?? (await this.conversation(conversationId)).user_id
    // The owner's data key is committed before any message sealed with it.
    await cipher.ensure(user_id)
    for (const row of rows) {
      row.sealed = sealMessage(cipher, row.content, row.parts, {
        id: row.id,
        conversation_id: conversationId,
        user_id,
      })
    }
    return user_id
  }

  /** A parent must be a message of the same conversation (or one earlier in the same batch). */
  private async checkParent(
    conversationId: string,
    row: AppendRow,
    at = '',
    batch: AppendRow[] = [],
  ) {
    if (row.parent_id === null || batch.some((other) => other.id === row.parent_id)) return
    const parent = isUuid(row.parent_id)
      ? await messages.getMessageAnyState(this.db, row.parent_id)
      : undefined
    if (parent === undefined || parent.conversation_id !== conversationId) {
      // The parent is judged only within a conversation the caller can see; otherwise the
      // answer would tell whether a message of someone else's belongs to their conversation.
      await this.conversation(conversationId)
      throw new ChatkeepError(
        'validation_failed',
        `${at}/parent_id: must be the id of a message in the same conversation.`,
        { field: `${at}/parent_id` },
      )
    }
  }

  /**
   * An append failed. On a lost connection the write may have committed before its answer was
   * lost: the message's id was chosen before writing, so a look settles it, and a stored
   * message is answered as a success. On a unique key, either an earlier attempt of this very
   * call committed (its id is there), or the idempotency key was used before: same body, same
   * answer; another body, a conflict.
   */
  private async replayed(conversationId: string, row: AppendRow, error: unknown): Promise<Message> {
    const lost = isDriverError(error, 'connection')
    if (!lost && violatedUniqueKey(error) === undefined) throw error
    let mine
    try {
      mine = lost
        ? await findAppended(this.db, conversationId, row.id)
        : await messages.getMessageAnyState(this.db, row.id)
    } catch {
      throw error // the database is still out of reach: the outcome stays unknown
    }
    if (mine !== undefined) return this.#decodeOne(mine)
    if (lost) throw notStored(error)
    const first =
      row.request_id === null
        ? undefined
        : await messages.getMessageByIdempotencyKey(this.db, {
            conversation_id: conversationId,
            role: row.role,
            request_id: row.request_id,
          })
    if (first === undefined) throw error
    const original = await this.#decodeOne(first)
    if (this.owner !== null && original.user_id !== this.owner)
      throw notFound('conversation', conversationId)
    if (!sameBody(original, row)) {
      throw new ChatkeepError(
        'conflict',
        `/request_id: ${row.request_id} was already used for a different ${row.role} message in this conversation.`,
        { field: '/request_id' },
      )
    }
    return original
  }

  /**
   * `quota_exceeded` when the conversation's user has reached a limit of their quota. A retry of
   * an append stored before the limit was reached (every row's request_id already stored) goes
   * on, to be answered with what was stored.
   */
  private async checkQuota(conversationId: string, rows: AppendRow[]): Promise<void> {
    if (!this.usage.mayRefuse()) return
    const user_id = this.owner ?? (await this.conversation(conversationId)).user_id
    try {
      await this.usage.assertWithinQuota(user_id)
    } catch (error) {
      if (!isChatkeepError(error, 'quota_exceeded')) throw error
      for (const row of rows) {
        const stored =
          row.request_id !== null &&
          (await messages.getMessageByIdempotencyKey(this.db, {
            conversation_id: conversationId,
            role: row.role,
            request_id: row.request_id,
          })) !== undefined
        if (!stored) throw error
      }
    }
  }

  private async whyNotAppended(conversationId: string): Promise<ChatkeepError> {
    const conversation = isUuid(conversationId)
      ? await conversations.getConversation(this.db, conversationId, this.owner)
      : undefined
    if (conversation?.status === 'closed') {
      return new ChatkeepError(
        'conversation_closed',
        `Conversation ${conversationId} is closed; reopen it (status active) to append.`,
      )
    }
    return notFound('conversation', conversationId)
  }

  private async conversation(id: string) {
    const row = isUuid(id)
      ? await conversations.getConversation(this.db, id, this.owner)
      : undefined
    if (row === undefined) throw notFound('conversation', id)
    return row
  }
}

/** A lost connection, and a look afterwards found that the append was not stored. */
const notStored = (cause: unknown) =>
  new ChatkeepError(
    'unavailable',
    'The connection to the database was lost during the append, and the message was not ' +
      'stored; retry it (with the same request_id it is stored once).',
    { cause, retriable: true },
  )

/** A live reply is streaming, or has ended; a message appended whole never had completed_at. */
const startedStreaming = (message: Message) =>
  message.status !== 'complete' || message.completed_at !== null

function checkWindow(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > 10_000) {
    throw new ChatkeepError('validation_failed', '/n: must be a whole number from 1 to 10000.', {
      field: '/n',
    })
  }
}

function built(
  conversationId: string,
  userId: string,
  sequence: number,
  created_at: string,
  row: AppendRow,
): Message {
  return {
    id: row.id,
    conversation_id: conversationId,
    user_id: userId,
    sequence,
    parent_id: row.parent_id,
    role: row.role as Role,
    content: row.content,
    parts: row.parts as Part[] | null,
    request_id: row.request_id,
    tokens_used: row.tokens_used,
    prompt_tokens: row.prompt_tokens,
    completion_tokens: row.completion_tokens,
    model_version: row.model_version,
    context_documents: row.context_documents,
    metadata: row.metadata,
    feedback: null,
    feedback_reason: null,
    created_at,
    deleted_at: null,
    status: row.status ?? 'complete',
    finish_reason: null,
    completed_at: null,
  }
}

/**
 * Whether a replayed append asks for what the first one stored. A live reply's content, tokens
 * and metadata grow after its start, so a replayed start matches when the stored message began
 * as a stream with the same start.
 */
function sameBody(message: Message, row: AppendRow): boolean {
  // Without a parent of its own the append continued the leaf of its time, whatever that was.
  const sameParent = row.root || row.parent_id !== null ? message.parent_id === row.parent_id : true
  if (row.status === 'streaming') {
    return (
      startedStreaming(message) &&
      message.content.startsWith(row.content) &&
      message.model_version === row.model_version &&
      sameParent &&
      canonicalJson(message.context_documents) === canonicalJson(row.context_documents)
    )
  }
  return (
    !startedStreaming(message) &&
    message.content === row.content &&
    canonicalJson(message.parts) === canonicalJson(row.parts) &&
    message.tokens_used === row.tokens_used &&
    message.prompt_tokens === row.prompt_tokens &&
    message.completion_tokens === row.completion_tokens &&
    message.model_version === row.model_version &&
    sameParent &&
    canonicalJson(message.metadata) === canonicalJson(row.metadata) &&
    canonicalJson(message.context_documents) === canonicalJson(row.context_documents)
  )
}

/** Content and parts sealed together: the parts under the key the content took, bound to the row. */
export function sealMessage(
  cipher: MessageCipher,
  content: string,
  parts: unknown[] | null,
  ids: MessageIds,
): SealedMessage {
  const sealed = cipher.seal(content, ids)
  return {
    ...sealed,
    encrypted_parts: parts === null ? null : cipher.sealParts(parts, sealed.key_id, ids),
  }
}
