import type { MessageCipher } from '../crypto/message-cipher.js'
import { encodeJson } from '../db/codec.js'
import type { Database } from '../db/database.js'
import type { MessageRow } from '../db/messages-table.js'
import { notifyMessagesChanged } from '../db/message-notifications.js'
import { ChatkeepError, notFound } from '../errors.js'
import { backoff } from '../lib/backoff.js'
import * as streams from '../repositories/message-streams.js'
import { decodeMessage } from '../repositories/messages.js'
import type { StreamOptions } from '../config/store-config.js'
import { LIMITS } from '../schemas/limits.js'
import { checkParts, type Part } from '../schemas/parts.js'
import type { MessageSignals } from './message-signals.js'

/** One streaming message this process writes deltas for. */
interface Entry {
  id: string
  conversation_id: string
  user_id: string
  encrypted: boolean
  /** Code points of content stored, as this process last wrote or read it. */
  stored: number
  /** UTF-16 units stored plus waiting: what the content limit is checked against. */
  length: number
  /** Deltas accepted and not yet checkpointed, oldest first, as one text. */
  pending: string
  /** Why the latest checkpoint failed; cleared by the next that succeeds. */
  error: unknown
  /** Set once the message takes no more deltas (ended here, elsewhere, or by the sweeper). */
  ended: ChatkeepError | null
}

/** How a streaming message ends. */
export interface StreamEnding {
  status: 'complete' | 'aborted'
  tokens_used?: number | undefined
  prompt_tokens?: number | null | undefined
  completion_tokens?: number | null | undefined
  finish_reason?: string | null | undefined
  metadata?: Record<string, unknown> | undefined
}

/** While checkpoints keep failing, a message takes this many characters more, then refuses. */
const MAX_WAITING = 1 << 20
const RETRY = { base_delay_ms: 50, max_delay_ms: 2000 }

/**
 * The deltas of live replies, checkpointed in groups. A delta is accepted into memory at once;
 * every `checkpoint_ms`, or as soon as one message has `checkpoint_chars` waiting, every waiting
 * delta of every message is written in one transaction (one commit for all of them). A crash
 * loses what arrived since the last checkpoint, never more. A checkpoint that fails keeps its
 * deltas and is tried again with backoff; meanwhile a message takes up to MAX_WAITING more
 * characters, then its deltas fail with the database's error, and `end` fails until the tail is
 * stored: nothing is dropped without being reported. A checkpoint whose commit answer was lost
 * is recognised on the next attempt (the stored content already ends with it), never doubled.
 */
export class StreamWriter {
  readonly #entries = new Map<string, Entry>()
  readonly #loading = new Map<string, Promise<Entry>>()
  #timer: NodeJS.Timeout | null = null
  #running: Promise<void> | null = null
  #again = false
  #failures = 0

  constructor(
    private readonly db: Database,
    private readonly cipher: MessageCipher | null,
    private readonly signals: MessageSignals,
    private readonly options: StreamOptions,
  ) {}

  /** Accepts a delta of streaming message `id` (of `owner`, or anyone's for null). */
  async add(id: string, owner: string | null, text: string): Promise<void> {
    const entry = await this.#entry(id, owner)
    if (entry.ended !== null) throw entry.ended
    if (entry.error !== null && entry.pending.length > MAX_WAITING) throw entry.error
    if (entry.length + text.length > LIMITS.content) {
      throw new ChatkeepError(
        'payload_too_large',
        `/content: message ${id} would grow beyond ${LIMITS.content} characters; finish it and continue in a new message.`,
        { field: '/content' },
      )
    }
    if (text === '') return
    entry.pending += text
    entry.length += text.length
    if (entry.pending.length >= this.options.checkpoint_chars) void this.flush()
    else this.#schedule(this.options.checkpoint_ms)
  }

  /**
   * Adds `parts` after streaming message `id`'s parts, stored before this answers: parts are few
   * and each one whole, so they skip the checkpoint's grouping. Text accepted before them is
   * checkpointed first.
   */
  async addParts(id: string, owner: string | null, parts: Part[]): Promise<void> {
    const entry = await this.#entry(id, owner)
    if (entry.ended !== null) throw entry.ended
    if (entry.pending !== '') await this.flush()
    const changed = await this.db.transaction(async (tx) => {
      const locked = await streams.lockStreaming(tx, id)
      if (locked === undefined) return false
      const message = decodeMessage(this.db.codec, locked, this.cipher)
      const all = [...(message.parts ?? []), ...parts]
      if (all.length > LIMITS.parts) {
        throw new ChatkeepError(
          'payload_too_large',
          `/parts: message ${id} would hold more than ${LIMITS.parts} parts; finish it and continue in a new message.`,
          { field: '/parts' },
        )
      }
      checkParts(all, message.role)
      const ids = { id, conversation_id: entry.conversation_id, user_id: entry.user_id }
      const sealed = locked.key_id !== null && this.cipher !== null
      await streams.replaceStreamingParts(tx, {
        id,
        parts: sealed ? null : encodeJson(all),
        encrypted_parts: sealed ? this.cipher!.sealParts(all, locked.key_id!, ids) : null,
        at: new Date().toISOString(),
      })
      await notifyMessagesChanged(tx, [id])
      return true
    })
    if (!changed) {
      entry.ended = notStreaming(id, 'not streaming')
      this.#entries.delete(id)
      throw entry.ended
    }
    this.signals.changed([id])
  }

  /**
   * Ends streaming message `id` in one transaction with its last deltas: status, tokens,
   * finish_reason and metadata of the message, total_tokens and last_activity of its
   * conversation. Ending it again the same way answers the message as it was ended.
   */
  async end(id: string, owner: string | null, ending: StreamEnding): Promise<MessageRow> {
    let entry
    try {
      entry = await this.#entry(id, owner)
      if (entry.ended !== null) throw entry.ended
    } catch (error) {
      return this.#endedAlready(id, ending, error)
    }
    entry.ended = notStreaming(id, 'ending')
    try {
      while (this.#running !== null) await this.#running
      const text = entry.pending
      const at = new Date().toISOString()
      const row = await this.db.transaction(async (tx) => {
        const locked = await streams.lockStreaming(tx, id)
        if (locked === undefined) return undefined
        const content = this.#open(locked)
        const stored = this.#stored(entry, content + unwritten(content, entry.stored, text), locked)
        const ended = await streams.endStreaming(tx, {
          id,
          conversation_id: locked.conversation_id,
          status: ending.status,
          stored,
          tokens_used: ending.tokens_used ?? locked.tokens_used,
          // A finish that reports no tokens keeps what the start gave.
          prompt_tokens:
            ending.tokens_used === undefined
              ? locked.prompt_tokens
              : (ending.prompt_tokens ?? null),
          completion_tokens:
            ending.tokens_used === undefined
              ? locked.completion_tokens
              : (ending.completion_tokens ?? null),
          previous_tokens: locked.tokens_used,
          finish_reason: ending.finish_reason ?? null,
          metadata: encodeJson(ending.metadata ?? this.db.codec.json(locked.metadata)),
          at,
        })
        await notifyMessagesChanged(tx, [id])
        return ended
      })
      this.#entries.delete(id)
      this.signals.changed([id])
      if (row !== undefined) return row
      return this.#endedAlready(id, ending, notStreaming(id, 'not streaming'))
    } catch (error) {
      if (this.#entries.get(id) === entry) entry.ended = null
      throw error
    }
  }

  /**
   * Aborts every streaming message silent for `timeout_ms` (of every process: the database
   * decides, in one statement), wakes its followers, and refuses its deltas here from now on.
   */
  async sweep(): Promise<string[]> {
    const at = new Date()
    const before = new Date(at.getTime() - this.options.timeout_ms).toISOString()
    const ids = await this.db.transaction(async (tx) => {
      const aborted = await streams.abortSilentStreams(tx, { before, at: at.toISOString() })
      await notifyMessagesChanged(tx, aborted)
      return aborted
    })
    this.#swept(ids)
    return ids
  }

  #swept(ids: readonly string[]): void {
    for (const id of ids) {
      const entry = this.#entries.get(id)
      if (entry === undefined) continue
      entry.ended = notStreaming(id, 'aborted')
      this.#entries.delete(id)
    }
    this.signals.changed(ids)
  }

  /** Writes every waiting delta now; resolves once they are stored (or the attempt failed). */
  flush(): Promise<void> {
    this.#again = true
    this.#running ??= this.#run()
    return this.#running
  }

  /** Stores what is waiting (one attempt) and stops the timer. */
  async close(): Promise<void> {
    await this.flush()
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
  }

  async #run(): Promise<void> {
    try {
      while (this.#again) {
        this.#again = false
        await this.#checkpoint()
      }
    } finally {
      this.#running = null
    }
  }

  #schedule(ms: number) {
    if (this.#timer !== null) return
    this.#timer = setTimeout(() => {
      this.#timer = null
      void this.flush()
    }, ms)
  }

  async #checkpoint(): Promise<void> {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
    const batch = [...this.#entries.values()]
      .filter((e) => e.pending !== '' && e.ended === null)
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((entry) => ({ entry, text: entry.pending }))
    if (batch.length === 0) return
    for (const item of batch) item.entry.pending = ''
    const at = new Date().toISOString()
    let outcomes
    try {
      outcomes = await this.db.transaction(async (tx) => {
        const written: (number | undefined)[] = []
        for (const { entry, text } of batch) written.push(await this.#write(tx, entry, text, at))
        await notifyMessagesChanged(
          tx,
          batch.filter((_, i) => written[i] !== undefined).map(({ entry }) => entry.id),
        )
        return written
      })
    } catch (error) {
      for (const { entry, text } of batch) {
        entry.pending = text + entry.pending
        entry.error = error
      }
      this.#schedule(backoff(RETRY, this.#failures++))
      return
    }
    this.#failures = 0
    batch.forEach(({ entry }, i) => {
      const stored = outcomes[i]
      entry.error = null
      if (stored === undefined) {
        entry.ended = notStreaming(entry.id, 'not streaming')
        this.#entries.delete(entry.id)
      } else {
        entry.stored = stored
      }
    })
    this.signals.changed(batch.map(({ entry }) => entry.id))
  }

  /**
   * One message's checkpoint within the transaction; its stored length in code points after,
   * or undefined when it is no longer streaming. A plain message whose stored length is the
   * expected one takes one statement; otherwise the row is read, and only what it lacks of
   * `text` is added.
   */
  async #write(tx: Database, entry: Entry, text: string, at: string) {
    const length = streams.codePoints(text)
    if (!entry.encrypted) {
      const p = { id: entry.id, text, length: entry.stored, at }
      if (await streams.appendToStreaming(tx, p)) return entry.stored + length
    }
    const locked = await streams.lockStreaming(tx, entry.id)
    if (locked === undefined) return undefined
    const content = this.#open(locked)
    const next = content + unwritten(content, entry.stored, text)
    await streams.replaceStreamingContent(tx, {
      id: entry.id,
      stored: this.#stored(entry, next, locked),
      at,
    })
    return streams.codePoints(next)
  }

  #open(row: MessageRow): string {
    return decodeMessage(this.db.codec, row, this.cipher).content
  }

  /**
   * Sealed again under the key the row was sealed with: its parts were sealed under that key at
   * the start, and a key ring rotated mid-stream must not part the two.
   */
  #stored(entry: Entry, content: string, row: MessageRow): streams.StoredContent {
    if (!entry.encrypted || this.cipher === null) return { content, sealed: null }
    const ids = { id: entry.id, conversation_id: entry.conversation_id, user_id: entry.user_id }
    return { content, sealed: this.cipher.seal(content, ids, row.key_id ?? undefined) }
  }

  async #entry(id: string, owner: string | null): Promise<Entry> {
    const entry = this.#entries.get(id) ?? (await this.#load(id, owner))
    if (owner !== null && entry.user_id !== owner) throw notFound('message', id)
    return entry
  }

  #load(id: string, owner: string | null): Promise<Entry> {
    let loading = this.#loading.get(id)
    if (loading === undefined) {
      loading = (async () => {
        const row = await streams.getStreamRow(this.db, id)
        // Someone else's message answers exactly as a missing one, whatever its status.
        const mine = row !== undefined && (owner === null || row.user_id === owner)
        if (!mine || row.deleted_at !== null) throw notFound('message', id)
        if (row.status !== 'streaming') throw notStreaming(id, row.status)
        // Checkpoints open and seal synchronously inside their transactions: the owner's data
        // key is loaded (or, for a message sealed before crypto-shredding, created) first.
        if (this.cipher !== null && row.content === null) await this.cipher.ensure(row.user_id)
        const content = this.#open(row)
        const entry: Entry = {
          id,
          conversation_id: row.conversation_id,
          user_id: row.user_id,
          encrypted: row.content === null,
          stored: streams.codePoints(content),
          length: content.length,
          pending: '',
          error: null,
          ended: null,
        }
        this.#entries.set(id, entry)
        return entry
      })().finally(() => this.#loading.delete(id))
      this.#loading.set(id, loading)
    }
    return loading
  }

  /** `end` found the message ended: the same ending again is answered; another is refused. */
  async #endedAlready(id: string, ending: StreamEnding, error: unknown): Promise<MessageRow> {
    if (!(error instanceof ChatkeepError) || error.code !== 'message_not_streaming') throw error
    const row = await streams.getStreamRow(this.db, id)
    if (row !== undefined && row.deleted_at === null && row.status === ending.status) return row
    throw notStreaming(id, row?.status ?? 'not streaming')
  }
}

/**
 * The part of `text` that `content` lacks, given that `stored` code points of it were stored
 * before `text`: an attempt whose answer was lost may have stored a first part of `text`
 * already (its content then ends with it). Anything else there came from another writer, and
 * the whole `text` follows it.
 */
function unwritten(content: string, stored: number, text: string): string {
  const extra = streams.codePoints(content) - stored
  if (extra <= 0) return text
  let units = 0
  for (let points = 0; points < extra && units < text.length; points++) {
    const unit = text.charCodeAt(units)
    units += unit >= 0xd800 && unit <= 0xdbff ? 2 : 1
  }
  const head = text.slice(0, units)
  return streams.codePoints(head) === extra && content.endsWith(head) ? text.slice(units) : text
}

const notStreaming = (id: string, status: string) =>
  new ChatkeepError(
    'message_not_streaming',
    `Message ${id} is ${status}, not streaming: it takes no more deltas. Read it for its content and status; start a new message to say more.`,
  )
