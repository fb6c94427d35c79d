export {
  openStore,
  createStore,
  type Store,
  type ScopedStore,
  type RetentionOption,
} from './store.js'
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
  MessageEmbedding,
  MessageListOptions,
  Feedback,
  FeedbackListOptions,
  SourceListOptions,
  Delta,
  Finish,
  Abort,
} from './schemas/inputs.js'
export type { Part } from './schemas/parts.js'
export type { SaveOptions } from './services/messages.js'
export type {
  ContextMessage,
  ContextOptions,
  ContextWindow,
  TokenSource,
} from './services/context-window.js'
export type { ReconcileOptions, ReconcileReport } from './services/documents.js'
export type { StreamEvent, FollowOptions } from './services/stream-follower.js'
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
  SimilarMessageHit,
  SimilarMessagesQuery,
  SimilarQuery,
} from './schemas/search.js'
export type { Citation } from './schemas/citations.js'
export {
  METRIC_LIMITS,
  type Bucket,
  type Metric,
  type NewMetric,
  type MetricBatch,
  type MetricIngestResult,
  type MetricBucket,
  type MetricSummary,
  type MetricSummaryQuery,
  type MetricListOptions,
} from './schemas/metrics.js'
export type { MetricService } from './services/metrics.js'
export type {
  Transcript,
  TranscriptFormat,
  TranscriptStorageKind,
  NewTranscript,
  TranscriptListOptions,
} from './schemas/transcripts.js'
export type { TranscriptFile, RenderedTranscript, RenderOptions } from './services/transcripts.js'
export type { TranscriptStorageConfig } from './transcripts/transcript-storage.js'
export {
  seed,
  seedPlanFromEnv,
  DEFAULT_ADMIN_USERNAME,
  type SeedUser,
  type SeededUser,
  type SeedResult,
} from './operations/seed.js'
export {
  cleanup,
  CLEANUP_KINDS,
  DEFAULT_CLEANUP_BATCH,
  DEFAULT_CREDENTIAL_GRACE_DAYS,
  type CleanupKind,
  type CleanupOptions,
  type CleanupReport,
} from './operations/cleanup.js'
export type { RetentionCutoffs, PolicyCutoff } from './repositories/retention.js'
export type {
  RetentionPolicy,
  RetentionMode,
  RetentionSettings,
  RetentionUpdate,
  LegalHold,
  NewLegalHold,
  LegalHoldListOptions,
} from './schemas/retention.js'
export type { RetentionService } from './services/retention.js'
export type {
  ModelPrice,
  QuotaLimit,
  QuotaSettings,
  QuotaStatus,
  QuotaUpdate,
  UsageGroup,
  UsageQuery,
  UsageQuota,
  UsageReport,
  UsageRow,
} from './schemas/usage.js'
export type { UsageService } from './services/usage.js'
export type { LegalHoldService } from './services/legal-holds.js'
export type { PrivacyService, UserExportOptions } from './services/privacy.js'
export type { ErasureReport, ErasedCounts } from './schemas/privacy.js'
export type { UserExportManifest } from './operations/personal-data/export.js'
export {
  collectStats,
  StatsSchema,
  STATS_LIMITS,
  type Stats,
  type StatsOptions,
} from './operations/stats.js'
export {
  exportDatabase,
  type ExportOptions,
  type ExportSummary,
} from './operations/logical/export.js'
export {
  importDatabase,
  type ImportOptions,
  type ImportSummary,
  type TableOutcome,
} from './operations/logical/import.js'
export { importTinyDb, type TinyDbImportOptions } from './operations/import/tinydb.js'
export { importChatGpt, type ChatGptImportOptions } from './operations/import/chatgpt.js'
export type {
  ImportReport,
  ImportedTable,
  SkippedRecord,
  GeneratedPassword,
} from './operations/import/report.js'
export type { AuditEvent, NewAuditEvent, AuditListOptions } from './schemas/audit.js'
export { EVENT_TYPES } from './schemas/events.js'
export type { ChangeEvent, EventListOptions, EventPage, EventType } from './schemas/events.js'
export type { EventService } from './services/events.js'
export type {
  AuditService,
  AuditActor,
  AuditContext,
  AuditInput,
  AuditTarget,
} from './services/audit.js'
export { KNOWN_CONFIG_KEYS, type SystemConfig } from './schemas/system-config.js'
export {
  SystemConfigService,
  CONFIG_CACHE_TTL_MS,
  type SystemConfigOptions,
} from './services/system-config.js'
export {
  createBackup,
  type BackupFormat,
  type BackupOptions,
  type BackupResult,
} from './operations/backup/backup.js'
export {
  restoreBackup,
  verifyBackup,
  type RestoreOptions,
  type RestoreResult,
  type RestoreStage,
} from './operations/backup/restore.js'
export type { BackupKind, BackupManifest } from './operations/backup/manifest.js'
export { listBackupLog, type BackupLog } from './operations/backup/log.js'
export type { Cache, CacheLogger, CacheStats } from './cache/cache.js'
export { MemoryCache, type MemoryCacheOptions } from './cache/memory-cache.js'
export { RedisCache, type RedisCacheOptions } from './cache/redis-cache.js'
export { openCache, type CacheConfig } from './cache/open.js'
export { ResponseCache, type ResponseCacheOptions } from './cache/response-cache.js'
export type {
  CachedResponse,
  NewCachedResponse,
  ResponseLookupInput,
  ResponseLookupResult,
  StoredResponse,
} from './schemas/response-cache.js'
