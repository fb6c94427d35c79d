/**
 * The single SQLite connection is shared by Kysely and the prepared-statement fast path; this lock
 * keeps a statement from running inside somebody else's open transaction.
 */
export class Mutex {
  #held = false
  #waiters: (() => void)[] = []

  get held(): boolean {
    return this.#held
  }

  /** Callers queued for the lock. */
  get waiting(): number {
    return this.#waiters.length
  }

  /** Takes the lock now if it is free, without waiting for a turn of the event loop. */
  tryLock(): boolean {
    if (this.#held) return false
    this.#held = true
    return true
  }

  lock(): Promise<void> {
    if (this.tryLock()) return Promise.resolve()
    return new Promise((resolve) => this.#waiters.push(resolve))
  }

  unlock(): void {
    const next = this.#waiters.shift()
    if (next) next()
    else this.#held = false
  }
}
