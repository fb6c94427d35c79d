import { actingScopedStore, actingStore } from './acting-store.js'
import type { Cache } from './cache/cache.js'
import { MemoryCache } from './cache/memory-cache.js'
import { DEFAULT_OPERATIONS_CONFIG } from './config/operations-config.js'
import {
  encryptionKeyRing,
  resolveConfig,
  resolveMessageSearchOptions,
  resolveStreamOptions,
  type StoreConfig,
} from './config/store-config.js'
import { openCipher } from './crypto/open-cipher.js'
import { PrivacyService } from './services/privacy.js'
import type { Database, Engine } from './db/database.js'
import { prepareSchema } from './db/migrator.js'
import { openDatabase } from './db/open.js'
import { ChatkeepError } from './errors.js'
import { isUuid } from './lib/uuid7.js'
import { LIMITS } from './schemas/limits.js'
import { AppendQueue } from './services/append-queue.js'
import { type AuditActor, AuditService } from './services/audit.js'
import { ConversationService } from './services/conversations.js'
import { DocumentService } from './services/documents.js'
import { EventService } from './services/events.js'
import { SearchService, StoreSearchService } from './services/search.js'
import {
  type MessageSearchErrorHandler,
  MessageSearchIndex,
} from './services/message-search-index.js'
import { LegalHoldService } from './services/legal-holds.js'
import { RetentionService } from './services/retention.js'
import { SystemConfigService } from './services/system-config.js'
import { type LiveReplies, MessageService } from './services/messages.js'
import { MessageSignals } from './services/message-signals.js'
import { StreamWriter } from './services/stream-writer.js'
import { MetricService } from './services/metrics.js'
import { TranscriptService } from './services/transcripts.js'
import { UsageService } from './services/usage.js'
import { UserService } from './services/users.js'
import {
  TranscriptStorage,
  type TranscriptStorageConfig,
} from './transcripts/transcript-storage.js'

/** What one user may reach: their own conversations and messages, nobody else's. */
export interface ScopedStore {
  readonly user_id: string
  readonly conversations: ConversationService
  readonly messages: MessageService
  /** Their own documents, plus the shared ones to read. */
  readonly documents: DocumentService
  /** Full-text and similarity search over their own messages and the documents they may read. */
  readonly search: SearchService
  /** Transcripts of their own conversations. */
  readonly transcripts: TranscriptService
  /** The change feed of their own conversations, messages, documents and account. */
  readonly events: EventService
  /** This view with its reads of content audited as `actor`'s (see `Store.as`). */
  as(actor: AuditActor): ScopedStore
}

export interface Store extends AsyncDisposable {
  readonly engine: Engine
  readonly users: UserService
  /** Every user's conversations: an admin's view. Use `forUser` to act for one user. */
  readonly conversations: ConversationService
  readonly messages: MessageService
  /** Every document; ingesting without a user_id makes a shared one. */
  readonly documents: DocumentService
  /**
   * Full-text and similarity search over every user's messages and every document, and the
   * full-text index of messages: `status()` (mode and lag) and `catchUp()`.
   */
  readonly search: StoreSearchService
  /** Metrics apps and bots post (seed 004), read back raw or per UTC bucket. */
  readonly metrics: MetricService
  /** The change feed: every change of conversations, messages, documents and users, in commit order. */
  readonly events: EventService
  /** The audit trail: what the server's callers read, changed, exported and deleted. */
  readonly audit: AuditService
  /** System configuration, read through a cache; every change is audited. */
  readonly config: SystemConfigService
  /** Tokens and their cost per user, model or day, and per-user quotas that stop appends. */
  readonly usage: UsageService
  /** Retention policies: the default and each user's; `cleanup` applies them. */
  readonly retention: RetentionService
  /** Legal holds: what nobody may delete, purge or erase until released. */
  readonly legalHolds: LegalHoldService
  /** A person's data: everything of theirs as an archive, and its erasure. */
  readonly privacy: PrivacyService
  /** Every conversation's transcripts: files in `transcript_dir`, or in S3 when `s3` is set. */
  readonly transcripts: TranscriptService
  /** The same API, limited to one user: anyone else's ids answer `not_found`. */
  forUser(user_id: string): ScopedStore
  /**
   * The same API acting as `actor`: every read of content (message lists, the last N, the
   * context window, search, live streams, transcripts, exports, the audit log) writes an audit
   * row naming the actor, the rows the server writes for its callers, committed before the read
   * answers. Without `as`, the library's reads are not audited: an app that embeds Chatkeep is
   * its own actor, and audits its users' reads by acting through `as`.
   * @example
   * const support = store.as({ via: 'support-console', user_id: agent.id })
   * await support.messages.lastN(chat.id, 20) // audit row: messages.read by agent
   */
  as(actor: AuditActor): Store
  /** The database underneath, for the CLI and the server's health checks. */
  readonly database: Database
  /**
   * What users, sessions and settings are read through: the one given to openStore (the
   * server's is Redis with REDIS_URL), else an in-process MemoryCache. Also for ResponseCache.
   */
  readonly cache: Cache
  /**
   * Marks `aborted` every live reply that has had no delta for `stream_timeout_ms`, keeping its
   * content; each is aborted by exactly one store, however many sweep at once. The server sweeps
   * on its own; a library app with live replies calls this now and then. Returns their ids.
   */
  sweepStreams(): Promise<string[]>
  /** Stores the deltas of live replies accepted but not yet checkpointed. */
  flushStreams(): Promise<void>
  close(): Promise<void>
}

export interface RetentionOption {
  /**
   * RETENTION_DAYS: how long soft-deleted conversations and messages are kept while no default
   * retention policy is set (30 by default); `cleanup` takes its own.
   */
  retention_days?: number | undefined
}

export interface CacheOption {
  /** The cache to read through; the caller closes it (after the store). In-process by default. */
  cache?: Cache
}

export interface BackgroundErrorOption {
  /**
   * Where a failed catch-up of deferred message search is reported (it is tried again at the
   * next tick); a process warning by default. The server logs it.
   */
  on_message_search_error?: MessageSearchErrorHandler
}

/**
 * Opens a Chatkeep store: the embedded SQLite file by default, PostgreSQL for a postgres:// URL.
 * @example
 * await using store = await openStore({ migrate: true })
 * const alice = await store.users.create({ username: 'alice' })
 */
export async function openStore(
  config: StoreConfig &
    TranscriptStorageConfig &
    CacheOption &
    RetentionOption &
    BackgroundErrorOption = {},
): Promise<Store> {
  const resolved = resolveConfig(config)
  const database = await openDatabase(resolved)
  try {
    await prepareSchema(database, resolved.migrate)
  } catch (error) {
    await database.close()
    throw error
  }
  const store = createStore(database, config)
  try {
    // The mode is set (or read) now, so a database that refuses it fails the open.
    await store.search.status()
    return store
  } catch (error) {
    await store.close()
    throw error
  }
}

/**
 * A store over an already open database (the CLI opens one to migrate it first). Of the config,
 * only `encryption_keys` matters here: pass it (`envToStoreConfig(env)` has it) wherever
 * messages are read or written, or encrypted ones fail with `decryption_failed`. `transcript_dir`
 * and `s3` (as `envToOperationsConfig(env)` gives them) say where transcripts go.
 */
export function createStore(
  database: Database,
  config: Pick<
    StoreConfig,
    | 'encryption_keys'
    | 'stream_timeout_ms'
    | 'stream_checkpoint_ms'
    | 'stream_checkpoint_chars'
    | 'stream_poll_ms'
    | 'message_search'
    | 'message_search_interval_ms'
  > &
    TranscriptStorageConfig &
    CacheOption &
    RetentionOption &
    BackgroundErrorOption = {},
): Store {
  const cache = config.cache ?? new MemoryCache()
  const queue = new AppendQueue(database, LIMITS.batch)
  const ring = encryptionKeyRing(config.encryption_keys)
  const cipher = ring === null ? null : openCipher(database, ring)
  const transcripts = new TranscriptStorage(config)
  const streams = resolveStreamOptions(config)
  const messageIndex = new MessageSearchIndex(
    database,
    resolveMessageSearchOptions(config),
    config.on_message_search_error,
  )
  const signals = new MessageSignals(database, streams.poll_ms)
  const live: LiveReplies = {
    signals,
    writer: new StreamWriter(database, cipher, signals, streams),
  }
  let closed = false
  const close = async () => {
    if (closed) return
    closed = true
    try {
      await messageIndex.close()
      await live.writer.close()
    } finally {
      await signals.close()
      try {
        await cipher?.user_keys?.close()
      } finally {
        await database.close()
      }
    }
  }
  const systemConfig = new SystemConfigService(database, { cache })
  const usage = new UsageService(database, systemConfig)
  const audit = new AuditService(database)
  return {
    engine: database.engine,
    database,
    cache,
    users: new UserService(database, cache),
    conversations: new ConversationService(database, null, cipher),
    messages: new MessageService(database, null, queue, cipher, live, usage),
    documents: new DocumentService(database, null),
    search: new StoreSearchService(database, cipher, messageIndex),
    metrics: new MetricService(database),
    audit,
    events: new EventService(database, null),
    config: systemConfig,
    usage,
    retention: new RetentionService(
      database,
      config.retention_days ?? DEFAULT_OPERATIONS_CONFIG.retention_days,
    ),
    legalHolds: new LegalHoldService(database),
    get privacy() {
      return new PrivacyService(database, cipher, cache, () => this.transcripts, audit)
    },
    get transcripts() {
      return new TranscriptService(database, null, transcripts, this)
    },
    forUser(user_id: string): ScopedStore {
      if (typeof user_id !== 'string' || !isUuid(user_id)) {
        throw new ChatkeepError('validation_failed', '/user_id: must be a user id (UUID).', {
          field: '/user_id',
        })
      }
      const scoped: ScopedStore = {
        user_id,
        conversations: new ConversationService(database, user_id, cipher),
        messages: new MessageService(database, user_id, queue, cipher, live, usage),
        documents: new DocumentService(database, user_id),
        search: new SearchService(database, user_id, cipher, messageIndex),
        events: new EventService(database, user_id),
        get transcripts() {
          return new TranscriptService(database, user_id, transcripts, this)
        },
        as: (actor: AuditActor) => actingScopedStore(scoped, audit, actor),
      }
      return scoped
    },
    as(actor: AuditActor): Store {
      return actingStore(this, actor)
    },
    sweepStreams: () => live.writer.sweep(),
    flushStreams: () => live.writer.flush(),
    close,
    [Symbol.asyncDispose]: close,
  }
}
