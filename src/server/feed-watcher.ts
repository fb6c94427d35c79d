import { EventEmitter, once } from 'node:events'
import type { Database } from '../db/database.js'
import { feedHead } from '../db/event-feed.js'
import { listenForEvents } from '../db/feed-notifications.js'
import type { Listener } from '../db/notifications.js'

/**
 * One per server: watches the change feed's head and wakes the instance's event streams when
 * it moves. It polls every `poll_ms` (which also numbers new events on PostgreSQL, for every
 * reader), and on PostgreSQL wakes at once when any instance numbered some (LISTEN/NOTIFY).
 * So however many clients follow the feed, the database is asked once per interval.
 */
export class FeedWatcher {
  readonly #changes = new EventEmitter()
  #head = 0
  #timer: NodeJS.Timeout | undefined
  #listener: Listener | null = null
  #polling = false

  constructor(
    private readonly db: Database,
    private readonly poll_ms: number,
  ) {
    this.#changes.setMaxListeners(0)
  }

  async start(): Promise<void> {
    this.#listener = listenForEvents(this.db, () => this.#wake())
    this.#timer = setInterval(() => void this.#poll(), this.poll_ms)
    this.#timer.unref()
  }

  /** Resolves at the next change of the feed, or after `ms`, or when `signal` aborts. */
  async next(ms: number, signal: AbortSignal): Promise<void> {
    const timeout = AbortSignal.timeout(ms)
    try {
      await once(this.#changes, 'change', { signal: AbortSignal.any([signal, timeout]) })
    } catch {
      // Timed out or aborted: the caller looks at the feed (or at its signal) either way.
    }
  }

  /** Calls `listener` at every change of the feed; returns what stops it. */
  onChange(listener: () => void): () => void {
    this.#changes.on('change', listener)
    return () => this.#changes.off('change', listener)
  }

  async close(): Promise<void> {
    clearInterval(this.#timer)
    await this.#listener?.close()
  }

  #wake(): void {
    this.#changes.emit('change')
  }

  async #poll(): Promise<void> {
    if (this.#polling) return
    this.#polling = true
    try {
      const head = await feedHead(this.db)
      if (head !== this.#head) {
        this.#head = head
        this.#wake()
      }
    } catch {
      // The database is away: streams keep their clients and read again when it is back.
    } finally {
      this.#polling = false
    }
  }
}
