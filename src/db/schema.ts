import type { ColumnType, Generated } from 'kysely'
import type { MessagesTable } from './messages-table.js'

/**
 * The tables as Kysely sees them, before decoding. JSON columns travel as text on the way in
 * (jsonb accepts it on PostgreSQL) and come back as text (SQLite) or parsed (PostgreSQL);
 * booleans come back as 0/1 on SQLite. `Codec` in `codec.ts` turns them into one shape.
 */
export type JsonColumn = ColumnType<unknown, string, string>
export type BoolColumn = ColumnType<boolean | number, boolean | number, boolean | number>
/** ISO-8601 text in UTC with milliseconds, on both engines. */
export type Timestamp = string
export type BytesColumn = ColumnType<Buffer, Buffer, Buffer>

export type { MessagesTable }

export interface UsersTable {
  id: string
  username: string
  display_name: string | null
  email: string | null
  password_hash: string | null
  role: string
  is_active: BoolColumn
  discord_id: string | null
  preferences: JsonColumn
  created_at: Timestamp
  updated_at: Timestamp
  last_login_at: Timestamp | null
  retention_mode: string | null
  retention_days: number | null
  /** The user's own quota (UsageQuota as JSON); null: the default applies. */
  quota: JsonColumn | null
}

export interface AuthSessionsTable {
  id: string
  user_id: string
  access_jti: string | null
  user_agent: string | null
  ip_address: string | null
  created_at: Timestamp
  last_activity: Timestamp
  expires_at: Timestamp
  revoked_at: Timestamp | null
}

export interface RefreshTokensTable {
  id: string
  user_id: string
  session_id: string
  token_hash: string
  parent_id: string | null
  created_at: Timestamp
  expires_at: Timestamp
  used_at: Timestamp | null
  revoked_at: Timestamp | null
}

export interface ApiKeysTable {
  id: string
  user_id: string
  name: string
  prefix: string
  key_hash: string
  scopes: JsonColumn
  created_at: Timestamp
  last_used_at: Timestamp | null
  revoked_at: Timestamp | null
}

export interface ConversationsTable {
  id: string
  short_id: string
  user_id: string
  title: string | null
  status: string
  origin: string
  discord_channel_id: string | null
  parameters: JsonColumn
  metadata: JsonColumn
  message_count: number
  total_tokens: number
  /** The message the conversation currently ends at; null before its first message. */
  active_leaf_id: string | null
  /** json `{ conversation_id, message_id }`: where a fork was copied from; null otherwise. */
  forked_from: JsonColumn | null
  created_at: Timestamp
  updated_at: Timestamp
  last_activity: Timestamp
  archived_at: Timestamp | null
  ended_at: Timestamp | null
  deleted_at: Timestamp | null
  retention_mode: string | null
  retention_days: number | null
  expires_at: Timestamp | null
}

export interface DocumentsTable {
  id: string
  user_id: string | null
  source_url: string | null
  title: string | null
  doc_type: string | null
  version: string | null
  metadata: JsonColumn
  created_at: Timestamp
  updated_at: Timestamp
  deleted_at: Timestamp | null
}

export interface DocumentChunksTable {
  id: string
  document_id: string
  chunk_index: number
  content: string
  content_hash: string
  token_count: number | null
  embedding_id: string | null
  embedding: BytesColumn | null
  created_at: Timestamp
  updated_at: Timestamp
}

/** What changed in the vector index, in commit order (memory-vectors.ts reads it; PostgreSQL). */
export interface ChunkVectorChangesTable {
  seq: Generated<number>
  document_id: string
}

/** Messages whose indexed embedding changed, in commit order (memory-vectors.ts; PostgreSQL). */
export interface MessageVectorChangesTable {
  seq: Generated<number>
  message_id: string
}

export interface RateLimitsTable {
  key: string
  request_count: number
  window_start: Timestamp
  reset_time: Timestamp
  last_request: Timestamp
}

export interface TranscriptsTable {
  id: string
  conversation_id: string
  user_id: string
  format: string
  storage: string
  storage_key: string
  file_size_bytes: number
  message_count: number
  sha256: string
  created_at: Timestamp
}

export interface MetricsTable {
  id: string
  source: string
  metric_type: string
  timestamp: Timestamp
  metric_data: JsonColumn
}

export interface SystemConfigsTable {
  key: string
  value: JsonColumn
  updated_at: Timestamp
  updated_by: string | null
}

export interface BackupLogsTable {
  id: string
  backup_type: string
  status: string
  started_at: Timestamp
  completed_at: Timestamp | null
  file_path: string | null
  file_size_bytes: number | null
  sha256: string | null
  error_message: string | null
}

export interface AuditEventsTable {
  id: string
  user_id: string | null
  action: string
  target_type: string | null
  target_id: string | null
  ip_address: string | null
  user_agent: string | null
  details: JsonColumn
  created_at: Timestamp
  /** The row's place in the hash chain, from 1 with no gap; null until sealed. */
  chain_seq: number | string | null
  /** SHA-256 of the actor's id at sealing: checks `user_id`, and outlives its erasure. */
  actor_digest: string | null
  /** SHA-256 over the previous sealed row's hash and this row's fields. */
  hash: string | null
}

/** A user or a conversation (exactly one) that nothing may delete until the hold is released. */
export interface LegalHoldsTable {
  id: string
  user_id: string | null
  conversation_id: string | null
  reason: string
  created_by: string | null
  created_at: Timestamp
  released_at: Timestamp | null
  released_by: string | null
}

/**
 * The change feed's outbox (see the change-feed migration). The cursor a reader pages by is
 * the id on SQLite and a `cursor` column PostgreSQL numbers after commit: only `event-feed.ts`
 * reads it, so it is not part of this type.
 */
export interface EventsTable {
  id: Generated<number>
  type: string
  user_id: string | null
  conversation_id: string | null
  message_id: string | null
  at: Timestamp
  data: JsonColumn
}

export interface EventFeedTable {
  id: number
  head: number
  purged_through: number
}

export interface WebhooksTable {
  id: string
  url: string
  secret: string
  types: JsonColumn
  description: string | null
  enabled: BoolColumn
  disabled_reason: string | null
  cursor: number
  failing_since: Timestamp | null
  next_attempt_at: Timestamp | null
  lease_owner: string | null
  lease_until: Timestamp | null
  created_at: Timestamp
  updated_at: Timestamp
}

export interface WebhookDeliveriesTable {
  id: string
  webhook_id: string
  event_cursor: number
  event_type: string
  attempt: number
  status_code: number | null
  ok: BoolColumn
  error: string | null
  duration_ms: number
  at: Timestamp
}

export interface KyselyMigrationTable {
  name: string
  timestamp: Generated<string>
}

/** Tables the database derives from the data tables by itself: not data to export or restore. */
export type DerivedTable = 'chunk_vector_changes' | 'message_vector_changes'

export interface Schema {
  users: UsersTable
  auth_sessions: AuthSessionsTable
  refresh_tokens: RefreshTokensTable
  api_keys: ApiKeysTable
  conversations: ConversationsTable
  messages: MessagesTable
  documents: DocumentsTable
  document_chunks: DocumentChunksTable
  chunk_vector_changes: ChunkVectorChangesTable
  message_vector_changes: MessageVectorChangesTable
  rate_limits: RateLimitsTable
  transcripts: TranscriptsTable
  metrics: MetricsTable
  system_configs: SystemConfigsTable
  backup_logs: BackupLogsTable
  audit_events: AuditEventsTable
  legal_holds: LegalHoldsTable
  events: EventsTable
  event_feed: EventFeedTable
  webhooks: WebhooksTable
  webhook_deliveries: WebhookDeliveriesTable
}

/**
 * The change feed and the webhooks that follow it: state of this one database (feed cursors
 * mean nothing in another), so exports, imports and stats leave them out.
 */
export const FEED_TABLES = ['events', 'event_feed', 'webhooks', 'webhook_deliveries'] as const
export type FeedTable = (typeof FEED_TABLES)[number]
/** The tables that hold the data model's rows. */
export type DataTable = Exclude<keyof Schema, FeedTable | DerivedTable>

/** Every table of the data model, parents before children (the order a restore writes them in). */
export const TABLES = [
  'users',
  'auth_sessions',
  'refresh_tokens',
  'api_keys',
  'conversations',
  'messages',
  'documents',
  'document_chunks',
  'rate_limits',
  'transcripts',
  'metrics',
  'system_configs',
  'backup_logs',
  'audit_events',
  'legal_holds',
] as const satisfies readonly DataTable[]
