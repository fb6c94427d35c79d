import type { Database } from './database.js'

/** Keys in one shared read at most. */
const MAX_KEYS_PER_READ = 256

interface Waiter<R> {
  resolve: (row: R | undefined) => void
  reject: (error: unknown) => void
}

/**
 * Looks rows up by id for many callers at once. Where every query is a round trip (not
 * `in_process`) and many callers want one at a time, a lookup asked for while another is on its
 * way waits for it to come back, then goes in one query with every other lookup that waited. In
 * process (SQLite) each one runs at once. Every lookup still reads after it was asked for; only
 * the round trips are shared.
 */
export class CoalescedLookup<R extends { id: string }> {
  readonly #shared: boolean
  #waiting = new Map<string, Waiter<R>[]>()
  #reading = false

  constructor(
    db: Database,
    private readonly one: (id: string) => Promise<R[]>,
    private readonly many: (ids: string[]) => Promise<R[]>,
  ) {
    this.#shared = !db.capabilities.in_process
  }

  async get(id: string): Promise<R | undefined> {
    if (!this.#shared) return (await this.one(id))[0]
    return new Promise((resolve, reject) => {
      const waiters = this.#waiting.get(id)
      if (waiters === undefined) this.#waiting.set(id, [{ resolve, reject }])
      else waiters.push({ resolve, reject })
      if (!this.#reading) void this.#readAll()
    })
  }

  async #readAll(): Promise<void> {
    this.#reading = true
    try {
      while (this.#waiting.size > 0) {
        const batch = new Map<string, Waiter<R>[]>()
        for (const [id, waiters] of this.#waiting) {
          if (batch.size >= MAX_KEYS_PER_READ) break
          batch.set(id, waiters)
          this.#waiting.delete(id)
        }
        const ids = [...batch.keys()]
        try {
          const rows = await (ids.length === 1 ? this.one(ids[0]!) : this.many(ids))
          const byId = new Map(rows.map((row) => [row.id, row]))
          for (const [id, waiters] of batch) for (const w of waiters) w.resolve(byId.get(id))
        } catch (error) {
          for (const waiters of batch.values()) for (const w of waiters) w.reject(error)
        }
      }
    } finally {
      this.#reading = false
    }
  }
}
