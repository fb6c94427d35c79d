import { sql } from 'kysely'
import type { Sealed } from '../crypto/message-cipher.js'
import { encodeJson } from './codec.js'
import type { Database } from './database.js'
import { perDatabase } from './memo.js'
import { SqliteDatabase } from './sqlite.js'

/** One message of a batch, with its id and time already chosen by the caller. */
export interface AppendRow {
  id: string
  parent_id: string | null
  role: string
  /** The plain text, kept for the caller's answer; stored only when `sealed` is null. */
  content: string
  /** Encryption at rest: stored instead of `content`, which the row then has null. */
  sealed: Sealed | null
  request_id: string | null
  tokens_used: number
  model_version: string | null
  context_documents: unknown[]
  metadata: Record<string, unknown>
}

export interface AppendBatch {
  conversation_id: string
  /** Only this user's conversation; null for any. */
  owner: string | null
  created_at: string
  rows: AppendRow[]
}

/** What the conversation row said when the batch took its sequence numbers. */
export interface AppendResult {
  user_id: string
  /** The sequence of rows[0]; the others follow it. */
  first_sequence: number
}

/**
 * Appends a batch of messages to a conversation as one atomic step: the conversation's
 * message_count, total_tokens and last_activity move with the rows, and the sequences are the
 * next ones after message_count. The conversation row's lock orders concurrent appenders, so
 * sequences stay gapless across processes. Returns undefined when no live, open conversation
 * (of this owner) matched. A unique violation (replayed id or idempotency key) fails it whole.
 *
 * PostgreSQL does it in one statement (writable CTE), one round trip. SQLite, without writable
 * CTEs, bumps the counters and then inserts the rows in one BEGIN IMMEDIATE transaction run
 * straight on its connection: better-sqlite3 is synchronous, so Kysely's transaction (a promise
 * and an executor pass per statement) would only add time to the hottest write.
 */
export function appendMessages(
  db: Database,
  batch: AppendBatch,
): Promise<AppendResult | undefined> {
  if (db.capabilities.writable_cte) return appendInOneStatement(db, batch)
  if (db instanceof SqliteDatabase) return appendInImmediateTransaction(db, batch)
  return Promise.reject(new Error(`appendMessages: no append path for ${db.engine}`))
}

interface BumpParams {
  conversation_id: string
  owner: string | null
  n: number
  tokens: number
  now: string
}

/** Takes the next `n` sequences, returning the new message_count; takes the row's write lock. */
const bumpConversation = (db: Database, p: BumpParams, owned: boolean) => {
  const q = db.kysely
    .updateTable('conversations')
    .set((eb) => ({
      message_count: eb('message_count', '+', p.n),
      total_tokens: eb('total_tokens', '+', p.tokens),
      last_activity: p.now,
      updated_at: p.now,
    }))
    .where('id', '=', p.conversation_id)
    .where('deleted_at', 'is', null)
    .where('status', '!=', 'closed')
  return (owned ? q.where('user_id', '=', p.owner as string) : q).returning([
    'message_count',
    'user_id',
  ])
}

type InsertParams = Omit<AppendRow, 'context_documents' | 'metadata' | 'sealed'> & {
  conversation_id: string
  user_id: string
  sequence: number
  created_at: string
  context_documents: string
  metadata: string
}

/** SQLite: built only for a SqliteDatabase (see appendMessages). */
const twoStatements = perDatabase((db) => {
  const sqlite = db as SqliteDatabase
  const values = (p: InsertParams) => ({
    id: p.id,
    conversation_id: p.conversation_id,
    user_id: p.user_id,
    sequence: p.sequence,
    parent_id: p.parent_id,
    role: p.role,
    content: p.content,
    request_id: p.request_id,
    tokens_used: p.tokens_used,
    model_version: p.model_version,
    context_documents: p.context_documents,
    metadata: p.metadata,
    created_at: p.created_at,
  })
  return {
    bump: {
      any: sqlite.prepare((p: BumpParams) => bumpConversation(db, p, false)),
      owned: sqlite.prepare((p: BumpParams) => bumpConversation(db, p, true)),
    },
    insert: sqlite.prepare((p: InsertParams) => db.kysely.insertInto('messages').values(values(p))),
    insertSealed: sqlite.prepare((p: InsertParams & Sealed) =>
      db.kysely.insertInto('messages').values({
        ...values(p),
        content: null,
        encrypted_content: p.encrypted_content,
        key_id: p.key_id,
      }),
    ),
  }
})

const INSERT_COLUMNS = [
  'id',
  'conversation_id',
  'user_id',
  'sequence',
  'parent_id',
  'role',
  'content',
  'request_id',
  'tokens_used',
  'model_version',
  'context_documents',
  'metadata',
  'created_at',
] as const

const SEALED_INSERT_COLUMNS = [...INSERT_COLUMNS, 'encrypted_content', 'key_id'] as const

type OneRowParams = BumpParams &
  Omit<AppendRow, 'context_documents' | 'metadata' | 'sealed'> & {
    context_documents: string
    metadata: string
  }

/**
 * PostgreSQL (writable_cte): the bump and every insert in one statement. A batch travels as one
 * jsonb array; a single message, the usual append, as plain parameters, which spares the server
 * the jsonb parse and recordset (about 4% of an append's time). Encrypted messages have their
 * own variants (`sealed`), so a plain append binds nothing more than before.
 */
const oneStatement = perDatabase((db) => {
  const many = (owned: boolean) =>
    db.prepare((p: BumpParams & { rows: string }) =>
      db.kysely
        .with('c', () => bumpConversation(db, p, owned))
        .insertInto('messages')
        .columns(INSERT_COLUMNS)
        .expression(
          sql`select r.id, ${p.conversation_id}::uuid, c.user_id, c.message_count - ${p.n}::int + r.ord,
            r.parent_id, r.role, r.content, r.request_id, r.tokens_used, r.model_version,
            r.context_documents, r.metadata, ${p.now}::timestamptz
          from c cross join jsonb_to_recordset(${p.rows}::jsonb) as r(
            ord int, id uuid, parent_id uuid, role text, content text, request_id text,
            tokens_used int, model_version text, context_documents jsonb, metadata jsonb)`,
        )
        .returning(['user_id', 'sequence']),
    )
  const one = (owned: boolean) =>
    db.prepare((p: OneRowParams) =>
      db.kysely
        .with('c', () => bumpConversation(db, p, owned))
        .insertInto('messages')
        .columns(INSERT_COLUMNS)
        .expression(
          sql`select ${p.id}::uuid, ${p.conversation_id}::uuid, c.user_id, c.message_count,
            ${p.parent_id}::uuid, ${p.role}::text, ${p.content}::text, ${p.request_id}::text,
            ${p.tokens_used}::int, ${p.model_version}::text, ${p.context_documents}::jsonb,
            ${p.metadata}::jsonb, ${p.now}::timestamptz
          from c`,
        )
        .returning(['user_id', 'sequence']),
    )
  // Encryption at rest: content is null, the envelope travels as base64 in a batch's jsonb.
  const manySealed = (owned: boolean) =>
    db.prepare((p: BumpParams & { rows: string }) =>
      db.kysely
        .with('c', () => bumpConversation(db, p, owned))
        .insertInto('messages')
        .columns(SEALED_INSERT_COLUMNS)
        .expression(
          sql`select r.id, ${p.conversation_id}::uuid, c.user_id, c.message_count - ${p.n}::int + r.ord,
            r.parent_id, r.role, r.content, r.request_id, r.tokens_used, r.model_version,
            r.context_documents, r.metadata, ${p.now}::timestamptz,
            decode(r.encrypted_content, 'base64'), r.key_id
          from c cross join jsonb_to_recordset(${p.rows}::jsonb) as r(
            ord int, id uuid, parent_id uuid, role text, content text, request_id text,
            tokens_used int, model_version text, context_documents jsonb, metadata jsonb,
            encrypted_content text, key_id text)`,
        )
        .returning(['user_id', 'sequence']),
    )
  const oneSealed = (owned: boolean) =>
    db.prepare((p: OneRowParams & Sealed) =>
      db.kysely
        .with('c', () => bumpConversation(db, p, owned))
        .insertInto('messages')
        .columns(SEALED_INSERT_COLUMNS)
        .expression(
          sql`select ${p.id}::uuid, ${p.conversation_id}::uuid, c.user_id, c.message_count,
            ${p.parent_id}::uuid, ${p.role}::text, null::text, ${p.request_id}::text,
            ${p.tokens_used}::int, ${p.model_version}::text, ${p.context_documents}::jsonb,
            ${p.metadata}::jsonb, ${p.now}::timestamptz, ${p.encrypted_content}::bytea,
            ${p.key_id}::text
          from c`,
        )
        .returning(['user_id', 'sequence']),
    )
  return {
    many: { any: many(false), owned: many(true) },
    one: { any: one(false), owned: one(true) },
    manySealed: { any: manySealed(false), owned: manySealed(true) },
    oneSealed: { any: oneSealed(false), owned: oneSealed(true) },
  }
})

/** A batch's rows as the sealed statement's jsonb reads them; a plain row keeps its content. */
const sealedRowsJson = (rows: AppendRow[]): string =>
  encodeJson(
    rows.map(({ sealed, ...r }, i) => ({
      ord: i + 1,
      ...r,
      content: sealed === null ? r.content : null,
      encrypted_content: sealed?.encrypted_content.toString('base64') ?? null,
      key_id: sealed?.key_id ?? null,
    })),
  )

const totalTokens = (rows: AppendRow[]) => rows.reduce((sum, r) => sum + r.tokens_used, 0)

function appendInImmediateTransaction(
  db: SqliteDatabase,
  batch: AppendBatch,
): Promise<AppendResult | undefined> {
  const set = twoStatements(db)
  return db.immediate(() => writeHeld(set, batch))
}

/**
 * An in-process engine (`capabilities.in_process`, SQLite): batches for several conversations in
 * one BEGIN IMMEDIATE transaction, one commit (and one fsync) for all of them; each batch exactly
 * as `appendMessages` writes it alone. The result of batch i is at i (undefined: no live, open
 * conversation of that owner). A unique violation anywhere fails the whole transaction, and
 * nothing of it is written.
 */
export function appendToConversations(
  db: Database,
  batches: AppendBatch[],
): Promise<(AppendResult | undefined)[]> {
  if (!(db instanceof SqliteDatabase)) {
    return Promise.reject(new Error('appendToConversations needs an in-process engine'))
  }
  const set = twoStatements(db)
  return db.immediate(() => batches.map((batch) => writeHeld(set, batch)))
}

/** One batch's statements, on the connection `immediate` holds. */
function writeHeld(
  set: ReturnType<typeof twoStatements>,
  batch: AppendBatch,
): AppendResult | undefined {
  const bump = batch.owner === null ? set.bump.any : set.bump.owned
  const [conversation] = bump.runHeld({
    conversation_id: batch.conversation_id,
    owner: batch.owner,
    n: batch.rows.length,
    tokens: totalTokens(batch.rows),
    now: batch.created_at,
  })
  if (conversation === undefined) return undefined
  const first = conversation.message_count - batch.rows.length + 1
  batch.rows.forEach((row, i) => {
    const params = {
      ...row,
      context_documents: encodeJson(row.context_documents),
      metadata: encodeJson(row.metadata),
      conversation_id: batch.conversation_id,
      user_id: conversation.user_id,
      sequence: first + i,
      created_at: batch.created_at,
    }
    if (row.sealed === null) set.insert.runHeld(params)
    else set.insertSealed.runHeld({ ...params, ...row.sealed })
  })
  return { user_id: conversation.user_id, first_sequence: first }
}

async function appendInOneStatement(
  db: Database,
  batch: AppendBatch,
): Promise<AppendResult | undefined> {
  const set = oneStatement(db)
  const bump = {
    conversation_id: batch.conversation_id,
    owner: batch.owner,
    n: batch.rows.length,
    tokens: totalTokens(batch.rows),
    now: batch.created_at,
  }
  const [row] = batch.rows
  const inserted = await db.write(() => {
    if (batch.rows.length === 1) {
      const params = {
        ...bump,
        ...row!,
        context_documents: encodeJson(row!.context_documents),
        metadata: encodeJson(row!.metadata),
      }
      if (row!.sealed !== null) {
        const statement = batch.owner === null ? set.oneSealed.any : set.oneSealed.owned
        return statement.all({ ...params, ...row!.sealed })
      }
      const statement = batch.owner === null ? set.one.any : set.one.owned
      return statement.all(params)
    }
    if (batch.rows.some((r) => r.sealed !== null)) {
      const statement = batch.owner === null ? set.manySealed.any : set.manySealed.owned
      return statement.all({ ...bump, rows: sealedRowsJson(batch.rows) })
    }
    const statement = batch.owner === null ? set.many.any : set.many.owned
    return statement.all({
      ...bump,
      rows: encodeJson(batch.rows.map((r, i) => ({ ord: i + 1, ...r }))),
    })
  })
  if (inserted.length === 0) return undefined
  const first = Math.min(...inserted.map((r) => r.sequence))
  return { user_id: inserted[0]!.user_id, first_sequence: first }
}
