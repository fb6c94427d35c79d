export { openStore, createStore, type Store, type ScopedStore } from './store.js'
export { type StoreConfig, resolveConfig } from './config/store-config.js'
export { ChatkeepError, ERROR_CODES, type ErrorCode, isChatkeepError } from './errors.js'
export type { Database, Engine, PoolStatus } from './db/database.js'
export { schemaStatus, type SchemaStatus, type MigrationState } from './db/migrator.js'
export * from './schemas/data.js'
export type {
  NewUser,
  UserUpdate,
  NewConversation,
  ConversationUpdate,
  ConversationListOptions,
  NewMessage,
  MessageListOptions,
  Feedback,
} from './schemas/inputs.js'
export { LIMITS } from './schemas/limits.js'
export type {
  Document,
  DocumentChunk,
  DocumentWithChunks,
  DocumentUpdate,
  DocumentListOptions,
  ChunkOutcome,
  IngestResult,
  NewDocument,
  NewChunk,
} from './schemas/documents.js'
export type {
  SearchHit,
  SearchPage,
  SearchQuery,
  SearchScope,
  SimilarHit,
  SimilarQuery,
} from './schemas/search.js'
export type { Citation } from './schemas/citations.js'
