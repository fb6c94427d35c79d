import { type Kysely, PostgresAdapter, sql } from 'kysely'

// Frozen in time: this file imports only kysely and never changes once released.

function columnTypes(db: Kysely<unknown>) {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  return {
    pg,
    id: pg ? ('uuid' as const) : ('text' as const),
    time: pg ? ('timestamptz' as const) : ('text' as const),
    json: pg ? ('jsonb' as const) : ('text' as const),
    bool: pg ? ('boolean' as const) : ('integer' as const),
    bigint: pg ? ('bigint' as const) : ('integer' as const),
    bytes: pg ? ('bytea' as const) : ('blob' as const),
    yes: pg ? sql`true` : sql`1`,
    emptyObject: pg ? sql`'{}'::jsonb` : sql`'{}'`,
    emptyArray: pg ? sql`'[]'::jsonb` : sql`'[]'`,
  }
}

const inList = (column: string, values: readonly string[]) =>
  sql`${sql.ref(column)} in (${sql.join(values.map((v) => sql.lit(v)))})`

export async function up(db: Kysely<unknown>): Promise<void> {
  const t = columnTypes(db)

  await db.schema
    .createTable('users')
    .addColumn('id', t.id, (c) => c.primaryKey())
    .addColumn('username', 'text', (c) => c.notNull().unique())
    .addColumn('display_name', 'text')
    .addColumn('email', 'text', (c) => c.unique())
    .addColumn('password_hash', 'text')
    .addColumn('role', 'text', (c) => c.notNull().defaultTo('user'))
    .addColumn('is_active', t.bool, (c) => c.notNull().defaultTo(t.yes))
    .addColumn('discord_id', 'text', (c) => c.unique())
    .addColumn('preferences', t.json, (c) => c.notNull().defaultTo(t.emptyObject))
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .addColumn('last_login_at', t.time)
    .addCheckConstraint('users_role_check', inList('role', ['user', 'admin']))
    .execute()

  await db.schema
    .createTable('auth_sessions')
    .addColumn('id', t.id, (c) => c.primaryKey())
    .addColumn('user_id', t.id, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('access_jti', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('ip_address', 'text')
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('last_activity', t.time, (c) => c.notNull())
    .addColumn('expires_at', t.time, (c) => c.notNull())
    .addColumn('revoked_at', t.time)
    .execute()
  await db.schema
    .createIndex('auth_sessions_user_id_idx')
    .on('auth_sessions')
    .column('user_id')
    .execute()
  await db.schema
    .createIndex('auth_sessions_expires_at_idx')
    .on('auth_sessions')
    .column('expires_at')
    .execute()

  await db.schema
    .createTable('refresh_tokens')
    .addColumn('id', t.id, (c) => c.primaryKey())
    .addColumn('user_id', t.id, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('session_id', t.id, (c) =>
      c.notNull().references('auth_sessions.id').onDelete('cascade'),
    )
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('parent_id', t.id, (c) => c.references('refresh_tokens.id').onDelete('set null'))
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('expires_at', t.time, (c) => c.notNull())
    .addColumn('used_at', t.time)
    .addColumn('revoked_at', t.time)
    .execute()
  await db.schema
    .createIndex('refresh_tokens_session_id_idx')
    .on('refresh_tokens')
    .column('session_id')
    .execute()
  await db.schema
    .createIndex('refresh_tokens_user_id_idx')
    .on('refresh_tokens')
    .column('user_id')
    .execute()

  await db.schema
    .createTable('api_keys')
    .addColumn('id', t.id, (c) => c.primaryKey())
    .addColumn('user_id', t.id, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('scopes', t.json, (c) => c.notNull().defaultTo(t.emptyArray))
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('last_used_at', t.time)
    .addColumn('revoked_at', t.time)
    .execute()
  await db.schema.createIndex('api_keys_user_id_idx').on('api_keys').column('user_id').execute()

  await db.schema
    .createTable('conversations')
    .addColumn('id', t.id, (c) => c.primaryKey())
    .addColumn('short_id', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', t.id, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('title', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
    .addColumn('origin', 'text', (c) => c.notNull().defaultTo('api'))
    .addColumn('discord_channel_id', 'text', (c) => c.unique())
    .addColumn('parameters', t.json, (c) => c.notNull().defaultTo(t.emptyObject))
    .addColumn('metadata', t.json, (c) => c.notNull().defaultTo(t.emptyObject))
    .addColumn('message_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('total_tokens', t.bigint, (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .addColumn('last_activity', t.time, (c) => c.notNull())
    .addColumn('archived_at', t.time)
    .addColumn('ended_at', t.time)
    .addColumn('deleted_at', t.time)
    .addCheckConstraint(
      'conversations_status_check',
      inList('status', ['active', 'archived', 'closed']),
    )
    .addCheckConstraint('conversations_counts_check', sql`message_count >= 0 and total_tokens >= 0`)
    .execute()
  // "A user's live conversations, most recently active first" reads this index in order.
  await db.schema
    .createIndex('conversations_user_recent_idx')
    .on('conversations')
    .columns(['user_id', 'last_activity desc', 'id desc'])
    .where(sql.ref('deleted_at'), 'is', null)
    .execute()
  await db.schema
    .createIndex('conversations_deleted_at_idx')
    .on('conversations')
    .column('deleted_at')
    .where(sql.ref('deleted_at'), 'is not', null)
    .execute()

  await db.schema
    .createTable('messages')
    .addColumn('id', t.id, (c) => c.primaryKey())
    .addColumn('conversation_id', t.id, (c) =>
      c.notNull().references('conversations.id').onDelete('cascade'),
    )
    .addColumn('user_id', t.id, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('sequence', 'integer', (c) => c.notNull())
    .addColumn('parent_id', t.id, (c) => c.references('messages.id').onDelete('set null'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('content', 'text')
    .addColumn('encrypted_content', t.bytes)
    .addColumn('key_id', 'text')
    .addColumn('request_id', 'text')
    .addColumn('tokens_used', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('model_version', 'text')
    .addColumn('context_documents', t.json, (c) => c.notNull().defaultTo(t.emptyArray))
    .addColumn('metadata', t.json, (c) => c.notNull().defaultTo(t.emptyObject))
    .addColumn('feedback', 'integer')
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('deleted_at', t.time)
    .addCheckConstraint(
      'messages_role_check',
      inList('role', ['system', 'user', 'assistant', 'tool']),
    )
    .addCheckConstraint('messages_sequence_check', sql`sequence >= 1`)
    .addCheckConstraint('messages_tokens_check', sql`tokens_used >= 0`)
    .addCheckConstraint('messages_feedback_check', sql`feedback is null or feedback in (-1, 1)`)
    .addCheckConstraint(
      'messages_content_check',
      sql`content is not null or encrypted_content is not null`,
    )
    .execute()
  // Sequences are unique per conversation; reads of a conversation walk this index.
  await db.schema
    .createIndex('messages_conversation_sequence_key')
    .on('messages')
    .columns(['conversation_id', 'sequence'])
    .unique()
    .execute()
  // The idempotency key of an append.
  await db.schema
    .createIndex('messages_idempotency_key')
    .on('messages')
    .columns(['conversation_id', 'role', 'request_id'])
    .unique()
    .where(sql.ref('request_id'), 'is not', null)
    .execute()
  await db.schema
    .createIndex('messages_user_created_idx')
    .on('messages')
    .columns(['user_id', 'created_at'])
    .execute()
  await db.schema
    .createIndex('messages_deleted_at_idx')
    .on('messages')
    .column('deleted_at')
    .where(sql.ref('deleted_at'), 'is not', null)
    .execute()

  await db.schema
    .createTable('documents')
    .addColumn('id', t.id, (c) => c.primaryKey())
    .addColumn('user_id', t.id, (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('source_url', 'text')
    .addColumn('title', 'text')
    .addColumn('doc_type', 'text')
    .addColumn('version', 'text')
    .addColumn('metadata', t.json, (c) => c.notNull().defaultTo(t.emptyObject))
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .addColumn('deleted_at', t.time)
    .execute()
  await db.schema.createIndex('documents_user_id_idx').on('documents').column('user_id').execute()
  await db.schema
    .createIndex('documents_source_url_idx')
    .on('documents')
    .column('source_url')
    .execute()

  await db.schema
    .createTable('document_chunks')
    .addColumn('id', t.id, (c) => c.primaryKey())
    .addColumn('document_id', t.id, (c) =>
      c.notNull().references('documents.id').onDelete('cascade'),
    )
    .addColumn('chunk_index', 'integer', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('content_hash', 'text', (c) => c.notNull().unique())
    .addColumn('token_count', 'integer')
    .addColumn('embedding_id', 'text')
    .addColumn('embedding', t.bytes)
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .addCheckConstraint('document_chunks_index_check', sql`chunk_index >= 0`)
    .execute()
  await db.schema
    .createIndex('document_chunks_document_idx')
    .on('document_chunks')
    .columns(['document_id', 'chunk_index'])
    .execute()
  await db.schema
    .createIndex('document_chunks_embedding_id_idx')
    .on('document_chunks')
    .column('embedding_id')
    .execute()

  await db.schema
    .createTable('rate_limits')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('request_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('window_start', t.time, (c) => c.notNull())
    .addColumn('reset_time', t.time, (c) => c.notNull())
    .addColumn('last_request', t.time, (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('rate_limits_reset_time_idx')
    .on('rate_limits')
    .column('reset_time')
    .execute()

  await db.schema
    .createTable('transcripts')
    .addColumn('id', t.id, (c) => c.primaryKey())
    .addColumn('conversation_id', t.id, (c) =>
      c.notNull().references('conversations.id').onDelete('cascade'),
    )
    .addColumn('user_id', t.id, (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('storage', 'text', (c) => c.notNull())
    .addColumn('storage_key', 'text', (c) => c.notNull())
    .addColumn('file_size_bytes', t.bigint, (c) => c.notNull())
    .addColumn('message_count', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('created_at', t.time, (c) => c.notNull())
    .addCheckConstraint('transcripts_format_check', inList('format', ['json', 'csv', 'markdown']))
    .addCheckConstraint('transcripts_storage_check', inList('storage', ['fs', 's3']))
    .execute()
  await db.schema
    .createIndex('transcripts_conversation_idx')
    .on('transcripts')
    .columns(['conversation_id', 'created_at'])
    .execute()

  await db.schema
    .createTable('metrics')
    .addColumn('id', t.id, (c) => c.primaryKey())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('metric_type', 'text', (c) => c.notNull())
    .addColumn('timestamp', t.time, (c) => c.notNull())
    .addColumn('metric_data', t.json, (c) => c.notNull().defaultTo(t.emptyObject))
    .execute()
  await db.schema
    .createIndex('metrics_type_time_idx')
    .on('metrics')
    .columns(['metric_type', 'timestamp'])
    .execute()
  await db.schema
    .createIndex('metrics_source_time_idx')
    .on('metrics')
    .columns(['source', 'timestamp'])
    .execute()

  await db.schema
    .createTable('system_configs')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', t.json, (c) => c.notNull())
    .addColumn('updated_at', t.time, (c) => c.notNull())
    .addColumn('updated_by', t.id, (c) => c.references('users.id').onDelete('set null'))
    .execute()

  await db.schema
    .createTable('backup_logs')
    .addColumn('id', t.id, (c) => c.primaryKey())
    .addColumn('backup_type', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('started_at', t.time, (c) => c.notNull())
    .addColumn('completed_at', t.time)
    .addColumn('file_path', 'text')
    .addColumn('file_size_bytes', t.bigint)
    .addColumn('sha256', 'text')
    .addColumn('error_message', 'text')
    .addCheckConstraint(
      'backup_logs_status_check',
      inList('status', ['started', 'in_progress', 'completed', 'failed']),
    )
    .execute()
  await db.schema
    .createIndex('backup_logs_started_at_idx')
    .on('backup_logs')
    .column('started_at')
    .execute()

  await db.schema
    .createTable('audit_events')
    .addColumn('id', t.id, (c) => c.primaryKey())
    // The actor; kept as null when the user is deleted so the trail of what happened survives.
    .addColumn('user_id', t.id, (c) => c.references('users.id').onDelete('set null'))
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text')
    .addColumn('target_id', 'text')
    .addColumn('ip_address', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('details', t.json, (c) => c.notNull().defaultTo(t.emptyObject))
    .addColumn('created_at', t.time, (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('audit_events_created_at_idx')
    .on('audit_events')
    .column('created_at')
    .execute()
  await db.schema
    .createIndex('audit_events_user_idx')
    .on('audit_events')
    .columns(['user_id', 'created_at'])
    .execute()
  await db.schema
    .createIndex('audit_events_target_idx')
    .on('audit_events')
    .columns(['target_type', 'target_id'])
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'audit_events',
    'backup_logs',
    'system_configs',
    'metrics',
    'transcripts',
    'rate_limits',
    'document_chunks',
    'documents',
    'messages',
    'conversations',
    'api_keys',
    'refresh_tokens',
    'auth_sessions',
    'users',
  ]) {
    await db.schema.dropTable(table).execute()
  }
}
