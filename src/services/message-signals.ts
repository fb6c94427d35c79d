import type { Database } from '../db/database.js'
import { listenForMessageChanges } from '../db/message-notifications.js'
import type { Listener } from '../db/notifications.js'

/**
 * Wakes the followers of live replies in this process: at once for checkpoints written here,
 * by the database's notifications for those written by other instances (PostgreSQL), and by a
 * poll otherwise, so that a missed notification, or a writer in another process on the same
 * SQLite file, only delays a follower by `poll_ms`.
 */
export class MessageSignals {
  readonly #waiting = new Map<string, Set<() => void>>()
  #listener: Listener | null | undefined
  #closed = false

  constructor(
    private readonly db: Database,
    /** How long a follower waits before it looks again without being woken. */
    readonly poll_ms: number,
  ) {}

  /** Wakes whoever waits for these messages. */
  changed(ids: Iterable<string>): void {
    for (const id of ids) {
      const wakers = this.#waiting.get(id)
      if (wakers === undefined) continue
      this.#waiting.delete(id)
      for (const wake of wakers) wake()
    }
  }

  /** Resolves when message `id` changes, after `poll_ms` at most, or when `signal` aborts. */
  wait(id: string, signal?: AbortSignal): Promise<void> {
    if (this.#listener === undefined && !this.#closed) {
      this.#listener = listenForMessageChanges(this.db, (ids) => this.changed(ids))
    }
    return new Promise((resolve) => {
      let wakers = this.#waiting.get(id)
      if (wakers === undefined) this.#waiting.set(id, (wakers = new Set()))
      const done = () => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', done)
        wakers.delete(done)
        if (wakers.size === 0 && this.#waiting.get(id) === wakers) this.#waiting.delete(id)
        resolve()
      }
      const timer = setTimeout(done, this.poll_ms)
      wakers.add(done)
      signal?.addEventListener('abort', done, { once: true })
    })
  }

  async close(): Promise<void> {
    this.#closed = true
    this.changed([...this.#waiting.keys()])
    await this.#listener?.close()
  }
}
