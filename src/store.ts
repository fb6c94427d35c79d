import { resolveConfig, type StoreConfig } from './config/store-config.js'
import type { Database, Engine } from './db/database.js'
import { prepareSchema } from './db/migrator.js'
import { openDatabase } from './db/open.js'
import { ChatkeepError } from './errors.js'
import { isUuid } from './lib/uuid7.js'
import { LIMITS } from './schemas/limits.js'
import { AppendQueue } from './services/append-queue.js'
import { ConversationService } from './services/conversations.js'
import { DocumentService } from './services/documents.js'
import { SearchService } from './services/search.js'
import { MessageService } from './services/messages.js'
import { UserService } from './services/users.js'

/** What one user may reach: their own conversations and messages, nobody else's. */
export interface ScopedStore {
  readonly user_id: string
  readonly conversations: ConversationService
  readonly messages: MessageService
  /** Their own documents, plus the shared ones to read. */
  readonly documents: DocumentService
  /** Full-text and similarity search over their own messages and the documents they may read. */
  readonly search: SearchService
}

export interface Store extends AsyncDisposable {
  readonly engine: Engine
  readonly users: UserService
  /** Every user's conversations: an admin's view. Use `forUser` to act for one user. */
  readonly conversations: ConversationService
  readonly messages: MessageService
  /** Every document; ingesting without a user_id makes a shared one. */
  readonly documents: DocumentService
  /** Full-text and similarity search over every user's messages and every document. */
  readonly search: SearchService
  /** The same API, limited to one user: anyone else's ids answer `not_found`. */
  forUser(user_id: string): ScopedStore
  /** The database underneath, for the CLI and the server's health checks. */
  readonly database: Database
  close(): Promise<void>
}

/**
 * Opens a Chatkeep store: the embedded SQLite file by default, PostgreSQL for a postgres:// URL.
 * @example
 * await using store = await openStore({ migrate: true })
 * const alice = await store.users.create({ username: 'alice' })
 */
export async function openStore(config: StoreConfig = {}): Promise<Store> {
  const resolved = resolveConfig(config)
  const database = await openDatabase(resolved)
  try {
    await prepareSchema(database, resolved.migrate)
  } catch (error) {
    await database.close()
    throw error
  }
  return createStore(database)
}

/** A store over an already open database (the CLI opens one to migrate it first). */
export function createStore(database: Database): Store {
  const queue = new AppendQueue(database, LIMITS.batch)
  let closed = false
  const close = async () => {
    if (closed) return
    closed = true
    await database.close()
  }
  return {
    engine: database.engine,
    database,
    users: new UserService(database),
    conversations: new ConversationService(database, null),
    messages: new MessageService(database, null, queue),
    documents: new DocumentService(database, null),
    search: new SearchService(database, null),
    forUser(user_id: string): ScopedStore {
      if (typeof user_id !== 'string' || !isUuid(user_id)) {
        throw new ChatkeepError('validation_failed', '/user_id: must be a user id (UUID).', {
          field: '/user_id',
        })
      }
      return {
        user_id,
        conversations: new ConversationService(database, user_id),
        messages: new MessageService(database, user_id, queue),
        documents: new DocumentService(database, user_id),
        search: new SearchService(database, user_id),
      }
    },
    close,
    [Symbol.asyncDispose]: close,
  }
}
