import type { Engine } from '../../db/database.js'
import { type DataTable, TABLES, type Schema } from '../../db/schema.js'
import { ChatkeepError } from '../../errors.js'

/**
 * The logical export format: JSON Lines, the same whatever engine wrote or reads it.
 *
 *   {"format":"chatkeep-export","version":1,"schema":"…","engine":"sqlite","exported_at":"…","rows":N}
 *   {"table":"users","row":{…}}                       one line per row, tables in TABLES order
 *   {"end":{"counts":{"users":3,…}}}                  the trailer: a file without it is truncated
 *
 * Rows carry every column of their table under its snake_case name: times as ISO-8601 text in
 * UTC, json columns as JSON values, booleans as true/false, bytes as base64, numbers and text as
 * they are.
 */
export const FORMAT = 'chatkeep-export'
export const VERSION = 1

export type TableName = (typeof TABLES)[number]

/** Every table, parents before children: the order rows are written and inserted in. */
export const TABLE_ORDER: readonly TableName[] = TABLES

export type ColumnKind = 'text' | 'integer' | 'time' | 'json' | 'nullable_json' | 'bool' | 'bytes'

/** Kysely's table types with their columns, so a column left out of a spec fails to compile. */
type Columns<T> = { readonly [C in keyof T]-?: ColumnKind }

export interface TableSpec<T = Record<string, unknown>> {
  /** The primary key (one column in every table): rows are paged and ordered by it. */
  readonly key: keyof T & string
  readonly columns: Columns<T>
  /** A column referring to this same table (a parent row), which must be inserted first. */
  readonly parent?: keyof T & string
}

/**
 * Every table of `Schema` with every column, and how each column is encoded. The mapped type
 * makes a table or a column missing here a compile error; `checkCoverage` compares it with the
 * live database, so a table added by a migration cannot be left out of an export.
 */
export const SPECS: { readonly [T in DataTable]: TableSpec<Schema[T]> } = {
  users: {
    key: 'id',
    columns: {
      id: 'text',
      username: 'text',
      display_name: 'text',
      email: 'text',
      password_hash: 'text',
      role: 'text',
      is_active: 'bool',
      discord_id: 'text',
      preferences: 'json',
      created_at: 'time',
      updated_at: 'time',
      last_login_at: 'time',
      retention_mode: 'text',
      retention_days: 'integer',
      quota: 'nullable_json',
    },
  },
  auth_sessions: {
    key: 'id',
    columns: {
      id: 'text',
      user_id: 'text',
      access_jti: 'text',
      user_agent: 'text',
      ip_address: 'text',
      created_at: 'time',
      last_activity: 'time',
      expires_at: 'time',
      revoked_at: 'time',
    },
  },
  refresh_tokens: {
    key: 'id',
    parent: 'parent_id',
    columns: {
      id: 'text',
      user_id: 'text',
      session_id: 'text',
      token_hash: 'text',
      parent_id: 'text',
      created_at: 'time',
      expires_at: 'time',
      used_at: 'time',
      revoked_at: 'time',
    },
  },
  api_keys: {
    key: 'id',
    columns: {
      id: 'text',
      user_id: 'text',
      name: 'text',
      prefix: 'text',
      key_hash: 'text',
      scopes: 'json',
      created_at: 'time',
      last_used_at: 'time',
      revoked_at: 'time',
    },
  },
  conversations: {
    key: 'id',
    columns: {
      id: 'text',
      short_id: 'text',
      user_id: 'text',
      title: 'text',
      status: 'text',
      origin: 'text',
      discord_channel_id: 'text',
      parameters: 'json',
      metadata: 'json',
      message_count: 'integer',
      total_tokens: 'integer',
      active_leaf_id: 'text',
      forked_from: 'nullable_json',
      created_at: 'time',
      updated_at: 'time',
      last_activity: 'time',
      archived_at: 'time',
      ended_at: 'time',
      deleted_at: 'time',
      retention_mode: 'text',
      retention_days: 'integer',
      expires_at: 'time',
    },
  },
  messages: {
    key: 'id',
    parent: 'parent_id',
    columns: {
      id: 'text',
      conversation_id: 'text',
      user_id: 'text',
      sequence: 'integer',
      parent_id: 'text',
      role: 'text',
      content: 'text',
      encrypted_content: 'bytes',
      key_id: 'text',
      parts: 'nullable_json',
      encrypted_parts: 'bytes',
      request_id: 'text',
      tokens_used: 'integer',
      prompt_tokens: 'integer',
      completion_tokens: 'integer',
      model_version: 'text',
      context_documents: 'json',
      metadata: 'json',
      feedback: 'integer',
      feedback_reason: 'text',
      created_at: 'time',
      deleted_at: 'time',
      status: 'text',
      finish_reason: 'text',
      completed_at: 'time',
      last_delta_at: 'time',
      embedding: 'bytes',
    },
  },
  documents: {
    key: 'id',
    columns: {
      id: 'text',
      user_id: 'text',
      source_url: 'text',
      title: 'text',
      doc_type: 'text',
      version: 'text',
      metadata: 'json',
      created_at: 'time',
      updated_at: 'time',
      deleted_at: 'time',
    },
  },
  document_chunks: {
    key: 'id',
    columns: {
      id: 'text',
      document_id: 'text',
      chunk_index: 'integer',
      content: 'text',
      content_hash: 'text',
      token_count: 'integer',
      embedding_id: 'text',
      embedding: 'bytes',
      created_at: 'time',
      updated_at: 'time',
    },
  },
  rate_limits: {
    key: 'key',
    columns: {
      key: 'text',
      request_count: 'integer',
      window_start: 'time',
      reset_time: 'time',
      last_request: 'time',
    },
  },
  transcripts: {
    key: 'id',
    columns: {
      id: 'text',
      conversation_id: 'text',
      user_id: 'text',
      format: 'text',
      storage: 'text',
      storage_key: 'text',
      file_size_bytes: 'integer',
      message_count: 'integer',
      sha256: 'text',
      created_at: 'time',
    },
  },
  metrics: {
    key: 'id',
    columns: {
      id: 'text',
      source: 'text',
      metric_type: 'text',
      timestamp: 'time',
      metric_data: 'json',
    },
  },
  system_configs: {
    key: 'key',
    columns: { key: 'text', value: 'json', updated_at: 'time', updated_by: 'text' },
  },
  backup_logs: {
    key: 'id',
    columns: {
      id: 'text',
      backup_type: 'text',
      status: 'text',
      started_at: 'time',
      completed_at: 'time',
      file_path: 'text',
      file_size_bytes: 'integer',
      sha256: 'text',
      error_message: 'text',
    },
  },
  audit_events: {
    key: 'id',
    columns: {
      id: 'text',
      user_id: 'text',
      action: 'text',
      target_type: 'text',
      target_id: 'text',
      ip_address: 'text',
      user_agent: 'text',
      details: 'json',
      created_at: 'time',
      chain_seq: 'integer',
      actor_digest: 'text',
      hash: 'text',
    },
  },
  legal_holds: {
    key: 'id',
    columns: {
      id: 'text',
      user_id: 'text',
      conversation_id: 'text',
      reason: 'text',
      created_by: 'text',
      created_at: 'time',
      released_at: 'time',
      released_by: 'text',
    },
  },
}

/** The spec of one table, with its column names in a fixed order. */
export function specOf(table: TableName): TableSpec & { names: readonly string[] } {
  const spec = SPECS[table] as unknown as TableSpec
  return { ...spec, names: Object.keys(spec.columns) }
}

export const isTableName = (name: unknown): name is TableName =>
  typeof name === 'string' && (TABLE_ORDER as readonly string[]).includes(name)

export type Counts = Record<TableName, number>

export const zeroCounts = (): Counts => Object.fromEntries(TABLE_ORDER.map((t) => [t, 0])) as Counts

export interface Header {
  format: typeof FORMAT
  version: number
  /** The newest migration applied to the exported database. */
  schema: string
  engine: Engine
  exported_at: string
  /** Rows in the file, for a progress bar; the trailer's counts are the ones checked. */
  rows: number
}

export interface Trailer {
  end: { counts: Counts }
}

/** A value of a column as it came from either engine, in the file's form. */
export function encodeValue(kind: ColumnKind, raw: unknown, json: (raw: unknown) => unknown) {
  if (raw === null || raw === undefined) return null
  switch (kind) {
    case 'json':
    case 'nullable_json':
      return json(raw)
    case 'bool':
      return raw === true || raw === 1 || raw === 1n
    case 'bytes':
      return Buffer.from(raw as Uint8Array).toString('base64')
    case 'time':
      return raw instanceof Date ? raw.toISOString() : raw
    case 'integer':
      return typeof raw === 'bigint' ? Number(raw) : raw
    case 'text':
      return raw
  }
}

const ISO_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
/** ISO-8601 with a zone, as another tool may have written it: kept as the instant it names. */
const ISO_ZONED = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/**
 * A value of the file as bound to a statement, checked against its column's kind. `bool` is
 * the engine's own form (`codec.bool`). Throws a message naming what is wrong.
 */
export function decodeValue(
  kind: ColumnKind,
  value: unknown,
  bool: (value: boolean) => boolean | number,
): unknown {
  // A `json` column is NOT NULL, so a null there is JSON's null (PostgreSQL hands both out alike).
  if (kind === 'json') return JSON.stringify(value)
  // A nullable json column (messages.parts, conversations.forked_from) holds SQL null, never
  // JSON's null.
  if (value === null) return null
  switch (kind) {
    case 'nullable_json':
      return JSON.stringify(value)
    case 'bool':
      if (typeof value !== 'boolean') throw new TypeError('must be true or false')
      return bool(value)
    case 'bytes':
      if (typeof value !== 'string' || !BASE64.test(value)) throw new TypeError('must be base64')
      return Buffer.from(value, 'base64')
    case 'time':
      return decodeTime(value)
    case 'integer':
      if (!Number.isSafeInteger(value)) throw new TypeError('must be an integer')
      return value
    case 'text':
      if (typeof value !== 'string') throw new TypeError('must be a string')
      return value
  }
}

/** Times are stored as ISO-8601 UTC with milliseconds on both engines; others are brought to it. */
function decodeTime(value: unknown): string {
  if (typeof value === 'string' && ISO_UTC_MS.test(value) && !isNaN(Date.parse(value))) {
    return value
  }
  const time = typeof value === 'string' && ISO_ZONED.test(value) ? Date.parse(value) : NaN
  if (isNaN(time)) throw new TypeError('must be an ISO-8601 time (UTC, with milliseconds)')
  return new Date(time).toISOString()
}

/** The file is not a complete, well-formed export: nothing of it should be trusted blindly. */
export const badFile = (line: number, message: string, cause?: unknown): ChatkeepError =>
  new ChatkeepError('validation_failed', `Line ${line} of the export: ${message}`, {
    ...(cause === undefined ? {} : { cause }),
  })
