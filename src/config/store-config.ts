import { resolve } from 'node:path'
import { KeyRing } from '../crypto/key-ring.js'
import { ChatkeepError } from '../errors.js'
import { MESSAGE_SEARCH_MODES, type MessageSearchMode } from './message-search-mode.js'
import type { SqliteSynchronous } from '../db/sqlite.js'

/** How to open a store. Every field is optional; the defaults give the embedded SQLite file. */
export interface StoreConfig {
  /** `postgres://…` for PostgreSQL; a file path, `sqlite:PATH` or `:memory:` for SQLite. */
  database_url?: string
  /** Overrides what the URL implies. */
  database_type?: 'sqlite' | 'postgresql'
  /** Seconds to keep trying to reach the database on open (DATABASE_TIMEOUT). */
  database_timeout?: number
  pool_size?: number
  max_overflow?: number
  /** Seconds a query waits for a free pooled connection. */
  pool_timeout?: number
  /** Seconds after which a pooled connection is replaced; 0 never. */
  pool_recycle?: number
  /** Attempts to connect on open before giving up. */
  init_retry_count?: number
  init_retry_delay_ms?: number
  /** Log every SQL statement. */
  echo?: boolean
  /** SQLite durability: `full` (default) survives power loss; `normal` only a crash of the process. */
  sqlite_synchronous?: SqliteSynchronous
  /** Milliseconds SQLite waits for another process's write lock. */
  sqlite_busy_timeout_ms?: number
  /** Attempts after the first for a write that met a retriable failure. */
  write_retries?: number
  /** Apply pending migrations on open. Without it, a database behind the code fails to open. */
  migrate?: boolean
  /**
   * Encryption at rest of message content (off when absent or blank): `ID:BASE64_KEY`, comma
   * separated, the active key first, every key 32 random bytes. See docs/encryption.md.
   */
  encryption_keys?: string
  /** Live replies: a streaming message without a delta for this long is aborted by the sweeper. */
  stream_timeout_ms?: number
  /** Live replies: deltas are checkpointed at least this often (milliseconds)… */
  stream_checkpoint_ms?: number
  /** …and as soon as this many characters of one message are waiting. */
  stream_checkpoint_chars?: number
  /** How often a follower looks again when nothing woke it (milliseconds). */
  stream_poll_ms?: number
  /**
   * Full-text indexing of messages (MESSAGE_SEARCH), made the database's mode for every process:
   * `immediate` in the append's transaction, `deferred` by catch-up every
   * `message_search_interval_ms` (a message is found once indexed), `off` (message search
   * answers `search_disabled`). Absent: the database's mode, `immediate` on a new one.
   */
  message_search?: MessageSearchMode
  /** Deferred search: how often pending messages are indexed (MESSAGE_SEARCH_INTERVAL_MS). */
  message_search_interval_ms?: number
}

/** How messages are indexed: the mode to set (undefined keeps the database's) and the pace. */
export interface MessageSearchOptions {
  mode: MessageSearchMode | undefined
  interval_ms: number
}

/** The message search settings with their defaults: catch-up every second. */
export function resolveMessageSearchOptions(config: StoreConfig = {}): MessageSearchOptions {
  const mode = config.message_search
  if (mode !== undefined && !MESSAGE_SEARCH_MODES.includes(mode)) {
    throw invalid(
      'message_search',
      `message_search must be one of ${MESSAGE_SEARCH_MODES.join(', ')}; got ${String(mode)}.`,
    )
  }
  return { mode, interval_ms: count(config, 'message_search_interval_ms', 1000, 1) }
}

/** How live replies are written, swept and followed. */
export interface StreamOptions {
  timeout_ms: number
  checkpoint_ms: number
  checkpoint_chars: number
  poll_ms: number
}

/**
 * The live-reply settings with their defaults: a checkpoint every 50 ms (or 2048 characters),
 * so a crash loses at most that much of an answer; followers look again every 200 ms at most.
 */
export function resolveStreamOptions(config: StoreConfig = {}): StreamOptions {
  return {
    timeout_ms: count(config, 'stream_timeout_ms', 120_000, 1),
    checkpoint_ms: count(config, 'stream_checkpoint_ms', 50, 1),
    checkpoint_chars: count(config, 'stream_checkpoint_chars', 2048, 1),
    poll_ms: count(config, 'stream_poll_ms', 200, 1),
  }
}

export const DEFAULT_SQLITE_PATH = './data/chatkeep.db'

export type ResolvedConfig =
  ({ engine: 'sqlite'; path: string } & Common) | ({ engine: 'postgres'; url: string } & Common)

interface Common {
  database_timeout: number
  pool_size: number
  max_overflow: number
  pool_timeout: number
  pool_recycle: number
  init_retry_count: number
  init_retry_delay_ms: number
  echo: boolean
  sqlite_synchronous: SqliteSynchronous
  sqlite_busy_timeout_ms: number
  write_retries: number
  migrate: boolean
}

const invalid = (field: string, message: string) =>
  new ChatkeepError('invalid_config', message, { field: `/${field}` })

function count(config: StoreConfig, field: keyof StoreConfig, fallback: number, min = 0): number {
  const value = config[field] ?? fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw invalid(field, `${field} must be a number of at least ${min}; got ${String(value)}.`)
  }
  return value
}

const SYNCHRONOUS: readonly SqliteSynchronous[] = ['off', 'normal', 'full', 'extra']

/** Applies defaults and checks every field; a bad one stops with a message naming it. */
export function resolveConfig(config: StoreConfig = {}): ResolvedConfig {
  const url = config.database_url?.trim() || undefined
  const looksPostgres = url !== undefined && /^postgres(ql)?:\/\//i.test(url)
  const type = config.database_type ?? (looksPostgres ? 'postgresql' : 'sqlite')
  if (type !== 'sqlite' && type !== 'postgresql') {
    throw invalid('database_type', `database_type must be sqlite or postgresql; got ${type}.`)
  }
  if (type === 'postgresql' && !looksPostgres) {
    throw invalid(
      'database_url',
      'database_type is postgresql, so database_url must be a postgres:// URL.',
    )
  }
  if (type === 'sqlite' && looksPostgres) {
    throw invalid('database_type', 'database_url is a postgres:// URL but database_type is sqlite.')
  }
  const synchronous = config.sqlite_synchronous ?? 'full'
  if (!SYNCHRONOUS.includes(synchronous)) {
    throw invalid(
      'sqlite_synchronous',
      `sqlite_synchronous must be one of ${SYNCHRONOUS.join(', ')}.`,
    )
  }
  // Checked here so a bad ring stops the open before any connection; createStore builds its own.
  encryptionKeyRing(config.encryption_keys)
  resolveStreamOptions(config)
  resolveMessageSearchOptions(config)
  const common: Common = {
    database_timeout: count(config, 'database_timeout', 30),
    pool_size: count(config, 'pool_size', 5, 1),
    max_overflow: count(config, 'max_overflow', 5),
    pool_timeout: count(config, 'pool_timeout', 30),
    pool_recycle: count(config, 'pool_recycle', 3600),
    init_retry_count: count(config, 'init_retry_count', 3),
    init_retry_delay_ms: count(config, 'init_retry_delay_ms', 100),
    echo: config.echo ?? false,
    sqlite_synchronous: synchronous,
    sqlite_busy_timeout_ms: count(config, 'sqlite_busy_timeout_ms', 5000),
    write_retries: count(config, 'write_retries', 5),
    migrate: config.migrate ?? false,
  }
  if (type === 'postgresql') return { engine: 'postgres', url: url!, ...common }
  return { engine: 'sqlite', path: sqlitePath(url), ...common }
}

/** The key ring, when encryption at rest is on; a bad one is invalid_config, never echoed. */
export function encryptionKeyRing(value: unknown): KeyRing | null {
  if (value === undefined) return null
  if (typeof value !== 'string') {
    throw invalid('encryption_keys', 'encryption_keys must be a string of ID:BASE64_KEY entries.')
  }
  return value.trim() === '' ? null : KeyRing.parse(value)
}

function sqlitePath(url: string | undefined): string {
  if (url === undefined) return resolve(DEFAULT_SQLITE_PATH)
  if (url === ':memory:' || url === 'sqlite::memory:') return ':memory:'
  const path = url.replace(/^sqlite:(\/\/)?/i, '').replace(/^file:(\/\/)?/i, '')
  return resolve(path)
}
