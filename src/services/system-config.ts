import { Type } from '@sinclair/typebox'
import type { Cache } from '../cache/cache.js'
import { MemoryCache } from '../cache/memory-cache.js'
import { encodeJson } from '../db/codec.js'
import type { Database } from '../db/database.js'
import { isDriverError } from '../db/driver-errors.js'
import { ChatkeepError, notFound } from '../errors.js'
import { insertAuditEvents } from '../repositories/audit-events.js'
import * as configs from '../repositories/system-configs.js'
import {
  CONFIG_KEY,
  CONFIG_KEY_MAX,
  JsonValueSchema,
  KNOWN_CONFIG_KEYS,
  type SystemConfig,
} from '../schemas/system-config.js'
import { checkJsonSize, validator } from '../schemas/validate.js'
import { type AuditContext, auditRow } from './audit.js'

/** How long another instance may go on reading a value this one changed. */
export const CONFIG_CACHE_TTL_MS = 30_000

export interface SystemConfigOptions {
  /** Where reads are cached (the store's: Redis when configured); in process by default. */
  cache?: Cache
  ttl_ms?: number
}

const checkJson = validator(Type.Object({ value: JsonValueSchema }))
const checkKnown = new Map(
  Object.entries(KNOWN_CONFIG_KEYS).map(([key, known]) => [
    key,
    validator(Type.Object({ value: known.schema })),
  ]),
)

/**
 * System configuration (`store.config`): typed key/value settings with who changed them and when,
 * read through a cache. Every change is audited in its own transaction (`config.update`,
 * `config.delete`, with the old and new values). Keys starting with `_` are Chatkeep's own (the
 * generated JWT secret): no method here reads or writes them.
 */
export class SystemConfigService {
  readonly #cache: Cache
  readonly #ttl_ms: number
  /** Counts this process's writes: a read that raced one does not put what it read in the cache. */
  #writes = 0

  constructor(
    private readonly db: Database,
    options: SystemConfigOptions = {},
  ) {
    this.#cache = options.cache ?? new MemoryCache()
    this.#ttl_ms = options.ttl_ms ?? CONFIG_CACHE_TTL_MS
  }

  /** Every setting, in key order, straight from the database. */
  async list(): Promise<SystemConfig[]> {
    const rows = await configs.listSystemConfigs(this.db)
    return rows.filter((row) => isPublicKey(row.key)).map((row) => this.#decode(row))
  }

  /** A setting; `not_found` when the key is not set. */
  async get(key: string): Promise<SystemConfig> {
    const config = await this.find(key)
    if (config === null) throw notFound('config key', key)
    return config
  }

  /**
   * A setting or null, through the cache: a change made by this process is seen at once, one
   * made by another instance within the cache's time to live.
   */
  async find(key: string): Promise<SystemConfig | null> {
    checkKey(key)
    const cached = await this.#cache.get<SystemConfig | null>(cacheKey(key))
    if (cached !== undefined) return cached === null ? null : structuredClone(cached)
    const writes = this.#writes
    const row = await configs.getSystemConfig(this.db, key)
    const config = row === undefined ? null : this.#decode(row)
    if (this.#writes === writes) {
      await this.#cache.fill(cacheKey(key), structuredClone(config), this.#ttl_ms)
    }
    return config
  }

  /**
   * Sets a key (creating it or replacing its value). A known key's value must have its type.
   * `actor.user_id` becomes `updated_by`; the audit row (`config.update`, old and new value)
   * commits with the change.
   * @example
   * await store.config.set('chat.context_messages', 20, { user_id: admin.id })
   */
  async set(key: string, value: unknown, actor: AuditContext = {}): Promise<SystemConfig> {
    checkKey(key)
    checkValue(key, value)
    const at = new Date().toISOString()
    const next = {
      key,
      value: encodeJson(value),
      updated_at: at,
      updated_by: actor.user_id ?? null,
    }
    const row = await this.#change(key, actor, async (tx) => {
      for (let attempt = 0; attempt < 3; attempt++) {
        const old = await configs.lockSystemConfig(tx, key)
        const written =
          old === undefined
            ? await configs.insertNewSystemConfig(tx, next)
            : await configs.updateSystemConfig(tx, next)
        if (written === undefined) continue
        const before = old === undefined ? null : this.db.codec.json<unknown>(old.value)
        const details = { old: before, new: value }
        await insertAuditEvents(tx, auditRow('config.update', actor, target(key), details, at))
        return written
      }
      throw new ChatkeepError('conflict', `Config key ${key} changed while it was written; retry.`)
    })
    return this.#decode(row)
  }

  /** Removes a key; `not_found` when it is not set. Audited as `config.delete` with the old value. */
  async delete(key: string, actor: AuditContext = {}): Promise<void> {
    checkKey(key)
    const at = new Date().toISOString()
    const deleted = await this.#change(key, actor, async (tx) => {
      const old = await configs.deleteSystemConfig(tx, key)
      if (old === undefined) return false
      const details = { old: this.db.codec.json<unknown>(old.value) }
      await insertAuditEvents(tx, auditRow('config.delete', actor, target(key), details, at))
      return true
    })
    if (!deleted) throw notFound('config key', key)
  }

  /** One transaction for the change and its audit row; then this process's cache forgets the key. */
  async #change<T>(
    key: string,
    actor: AuditContext,
    work: (tx: Database) => Promise<T>,
  ): Promise<T> {
    try {
      return await this.db.transaction(work)
    } catch (error) {
      if (isDriverError(error, 'foreign_key_violation') && actor.user_id) {
        throw notFound('user', actor.user_id)
      }
      throw error
    } finally {
      this.#writes += 1
      await this.#cache.delete(cacheKey(key))
    }
  }

  #decode(row: configs.SystemConfigRow): SystemConfig {
    return {
      key: row.key,
      value: this.db.codec.json<unknown>(row.value),
      updated_at: row.updated_at,
      updated_by: row.updated_by,
    }
  }
}

const cacheKey = (key: string) => `config:${key}`
const target = (key: string) => ({ type: 'config', id: key })
const isPublicKey = (key: string) => CONFIG_KEY.test(key) && key.length <= CONFIG_KEY_MAX

function checkKey(key: unknown): asserts key is string {
  if (typeof key === 'string' && isPublicKey(key)) return
  const reserved = typeof key === 'string' && key.startsWith('_')
  throw new ChatkeepError(
    'validation_failed',
    reserved
      ? '/key: keys starting with `_` are kept by Chatkeep itself and cannot be read or changed here.'
      : `/key: use a letter, then letters, digits, '.', '_' or '-' (at most ${CONFIG_KEY_MAX}).`,
    { field: '/key' },
  )
}

function checkValue(key: string, value: unknown): void {
  if (value === undefined) {
    throw new ChatkeepError('validation_failed', '/value: required.', { field: '/value' })
  }
  checkJson({ value })
  checkJsonSize('value', value)
  checkKnown.get(key)?.({ value })
}
