import { type Cache, type CacheStats, INVALIDATION_HOLD_MS } from './cache.js'

export interface MemoryCacheOptions {
  /** Entries kept at most; the least recently used goes first. */
  max_entries?: number
  /** Bytes of keys and JSON values kept at most (UTF-16 size of the text, roughly). */
  max_bytes?: number
  /** The clock, in milliseconds; tests move it. */
  now?: () => number
}

export const MEMORY_CACHE_DEFAULTS = { max_entries: 10_000, max_bytes: 64 * 1024 * 1024 } as const

interface Entry {
  /** The value as JSON text; null for a deleted key still refusing fills. */
  json: string | null
  expires: number
  bytes: number
}

/**
 * An in-process cache, bounded by entries and by bytes (least recently used out first), with a
 * time to live per entry. Values are kept as JSON text: a caller can never change a cached value
 * through the object it got, and the byte bound counts what is really kept.
 * @example
 * const cache = new MemoryCache({ max_entries: 1000 })
 * await cache.set('greeting', { text: 'hi' }, 60_000)
 */
export class MemoryCache implements Cache {
  readonly shared = false
  readonly stats: CacheStats = { hits: 0, misses: 0 }
  /** In least-recently-used order: a Map iterates in insertion order, and a hit re-inserts. */
  readonly #entries = new Map<string, Entry>()
  readonly #max_entries: number
  readonly #max_bytes: number
  readonly #now: () => number
  #bytes = 0

  constructor(options: MemoryCacheOptions = {}) {
    this.#max_entries = options.max_entries ?? MEMORY_CACHE_DEFAULTS.max_entries
    this.#max_bytes = options.max_bytes ?? MEMORY_CACHE_DEFAULTS.max_bytes
    this.#now = options.now ?? Date.now
  }

  /** Entries held, deleted keys still refusing fills included. */
  get size(): number {
    return this.#entries.size
  }

  /** Bytes held, by the same count as `max_bytes`. */
  get bytes(): number {
    return this.#bytes
  }

  get<T = unknown>(key: string): Promise<T | undefined> {
    const entry = this.#live(key)
    if (entry === undefined || entry.json === null) {
      this.stats.misses += 1
      return Promise.resolve(undefined)
    }
    this.#entries.delete(key)
    this.#entries.set(key, entry)
    this.stats.hits += 1
    return Promise.resolve(JSON.parse(entry.json) as T)
  }

  set(key: string, value: unknown, ttl_ms: number): Promise<boolean> {
    return Promise.resolve(this.#put(key, JSON.stringify(value), ttl_ms))
  }

  fill(key: string, value: unknown, ttl_ms: number): Promise<void> {
    if (this.#live(key) === undefined) this.#put(key, JSON.stringify(value), ttl_ms)
    return Promise.resolve()
  }

  delete(key: string): Promise<void> {
    this.#put(key, null, INVALIDATION_HOLD_MS)
    return Promise.resolve()
  }

  deletePrefix(prefix: string): Promise<void> {
    const matching = [...this.#entries.keys()].filter((key) => key.startsWith(prefix))
    for (const key of matching) this.#put(key, null, INVALIDATION_HOLD_MS)
    return Promise.resolve()
  }

  close(): Promise<void> {
    this.#entries.clear()
    this.#bytes = 0
    return Promise.resolve()
  }

  /** The entry unless it has expired (an expired one is dropped on the way). */
  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined) return undefined
    if (entry.expires > this.#now()) return entry
    this.#remove(key, entry)
    return undefined
  }

  #put(key: string, json: string | null, ttl_ms: number): boolean {
    const bytes = 2 * (key.length + (json?.length ?? 0)) + ENTRY_OVERHEAD
    const old = this.#entries.get(key)
    if (old !== undefined) this.#remove(key, old)
    // A value that can never fit is refused, not allowed to empty the cache first.
    if (json !== null && bytes > this.#max_bytes) return false
    this.#entries.set(key, { json, expires: this.#now() + ttl_ms, bytes })
    this.#bytes += bytes
    for (const [oldest, entry] of this.#entries) {
      if (this.#entries.size <= this.#max_entries && this.#bytes <= this.#max_bytes) break
      this.#remove(oldest, entry)
    }
    return true
  }

  #remove(key: string, entry: Entry): void {
    this.#entries.delete(key)
    this.#bytes -= entry.bytes
  }
}

/** What an entry costs beyond its text: the map slot and the entry object, about. */
const ENTRY_OVERHEAD = 64
