import type { MessageSearchOptions } from '../config/store-config.js'
import type { Database } from '../db/database.js'
import {
  catchUpMessageSearch,
  getMessageSearchMode,
  type MessageSearchMode,
  messageSearchBacklog,
  setMessageSearchMode,
} from '../db/message-search.js'
import { ChatkeepError, isChatkeepError } from '../errors.js'

/** Pending messages indexed per transaction: short enough not to hold appends up for long. */
const BATCH = 500

/** How far the full-text index of messages is behind. */
export interface MessageSearchStatus {
  mode: MessageSearchMode
  /** Messages written and not yet indexed (while off: what a switch back would index). */
  lag_messages: number
  /** Age of the oldest of them in milliseconds, 0 when none is pending. */
  lag_ms: number
}

/** Where a failed catch-up in the background is reported; it is tried again at the next tick. */
export type MessageSearchErrorHandler = (error: ChatkeepError) => void

const warn: MessageSearchErrorHandler = (error) =>
  process.emitWarning(`Chatkeep message search catch-up failed: ${error.message}`, {
    code: `CHATKEEP_${error.code.toUpperCase()}`,
  })

/**
 * The store's side of message search modes. On open it makes the configured mode the
 * database's (or reads the database's); in deferred mode it indexes pending messages every
 * `interval_ms`, and in immediate mode it back-fills what an earlier deferred or off left
 * pending, every `interval_ms` until nothing is left. The timer never keeps the process alive;
 * close stops it and waits for a batch in flight. A failed run is reported to `on_error` as a
 * ChatkeepError and never throws.
 */
export class MessageSearchIndex {
  #mode: Promise<MessageSearchMode> | undefined
  #timer: NodeJS.Timeout | undefined
  #run: Promise<void> | undefined
  #closed = false
  /** Reported once per failing streak, not at every tick while the database is away. */
  #failing = false

  constructor(
    private readonly db: Database,
    private readonly options: MessageSearchOptions,
    private readonly on_error: MessageSearchErrorHandler = warn,
  ) {}

  /**
   * The store's mode, set on the database the first time it is asked for; a failure (the
   * database away) is not kept, so the next call tries again.
   */
  mode(): Promise<MessageSearchMode> {
    this.#mode ??= this.#open().catch((error: unknown) => {
      this.#mode = undefined
      throw error
    })
    return this.#mode
  }

  async #open(): Promise<MessageSearchMode> {
    const configured = this.options.mode
    if (configured !== undefined) await setMessageSearchMode(this.db, configured)
    const mode = configured ?? (await getMessageSearchMode(this.db))
    // Immediate mode runs until one back-fill has finished, so a failed one is tried again.
    if (!this.#closed && mode !== 'off') {
      this.#timer = setInterval(() => this.#tick(mode), this.options.interval_ms)
      this.#timer.unref()
    }
    if (!this.#closed && mode === 'immediate') this.#tick(mode)
    return mode
  }

  /** Starts a run unless one is going: every pending message, batch by batch. */
  #tick(mode: MessageSearchMode): void {
    if (this.#run !== undefined || this.#closed) return
    this.#run = this.#indexPending()
      .then(async () => {
        this.#failing = false
        // Not done while a row is left: on PostgreSQL a batch skips rows another transaction
        // has locked (an append updating its parent), and they stay pending until a later run.
        if (mode === 'immediate' && (await messageSearchBacklog(this.db)).pending === 0) {
          clearInterval(this.#timer)
        }
      })
      .catch((error: unknown) => {
        if (this.#closed || this.#failing) return
        this.#failing = true
        this.on_error(asChatkeepError(error))
      })
      .finally(() => {
        this.#run = undefined
      })
  }

  /**
   * Batch after batch until one finds nothing to take; in the background, also until the store
   * closes. A short batch does not mean none is left: rows locked by another transaction were
   * skipped, and may be free by the next one.
   */
  async #indexPending(background = true): Promise<number> {
    let total = 0
    for (;;) {
      const n = await catchUpMessageSearch(this.db, BATCH)
      total += n
      if (n === 0 || (background && this.#closed)) return total
    }
  }

  /**
   * Indexes every pending message now, whatever the mode, and returns how many there were.
   * @example
   * await store.search.catchUp() // 42: those messages are found from now on
   */
  async catchUp(): Promise<number> {
    await this.mode()
    return this.#indexPending(false)
  }

  /**
   * The mode and how far the index is behind.
   * @example
   * await store.search.status() // { mode: 'deferred', lag_messages: 12, lag_ms: 840 }
   */
  async status(): Promise<MessageSearchStatus> {
    return readMessageSearchStatus(this.db, await this.mode())
  }

  /** Refuses a full-text search of messages while the mode is off. */
  async assertSearchable(): Promise<void> {
    if ((await this.mode()) !== 'off') return
    throw new ChatkeepError(
      'search_disabled',
      'Message search is off on this database; set MESSAGE_SEARCH=immediate or deferred ' +
        '(message_search in the store config) to search messages.',
    )
  }

  /** Stops the timer and waits for a run in flight, before the database closes. */
  async close(): Promise<void> {
    this.#closed = true
    // Once the mode is known no timer can start any more (#open looks at #closed).
    await this.#mode?.catch(() => {})
    clearInterval(this.#timer)
    await this.#run
  }
}

/**
 * The mode (the database's, unless given) and the lag, read from the database: what stats and
 * the metrics report for any process. Counting walks only the pending messages.
 */
export async function readMessageSearchStatus(
  db: Database,
  mode?: MessageSearchMode,
  now: Date = new Date(),
): Promise<MessageSearchStatus> {
  const [current, backlog] = await Promise.all([
    mode ?? getMessageSearchMode(db),
    messageSearchBacklog(db),
  ])
  const oldest = backlog.oldest_at === null ? null : Date.parse(backlog.oldest_at)
  return {
    mode: current,
    lag_messages: backlog.pending,
    lag_ms: oldest === null ? 0 : Math.max(0, now.getTime() - oldest),
  }
}

const asChatkeepError = (error: unknown): ChatkeepError =>
  isChatkeepError(error)
    ? error
    : new ChatkeepError('internal', `Indexing pending messages failed: ${String(error)}`, {
        cause: error,
      })
