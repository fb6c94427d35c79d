import { sql } from 'kysely'
import { encodeJson } from './codec.js'
import type { Database } from './database.js'
import { perDatabase } from './memo.js'

/** One message of a batch, with its id and time already chosen by the caller. */
export interface AppendRow {
  id: string
  parent_id: string | null
  role: string
  content: string
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
 */
export function appendMessages(db: Database, batch: AppendBatch): Promise<AppendResult | undefined> {
  return db.capabilities.writable_cte ? appendInOneStatement(db, batch) : appendInTransaction(db, batch)
}

interface BumpParams {
  conversation_id: string
  owner: string | null
  n: number
  tokens: number
  now: string
}

const bumpConversation = (db: Database, p: BumpParams) =>
  db.kysely
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

type InsertParams = Omit<AppendRow, 'context_documents' | 'metadata'> & {
  conversation_id: string
  user_id: string
  sequence: number
  created_at: string
  context_documents: string
  metadata: string
}

const statements = perDatabase((db) => {
  const bump = (p: BumpParams, owned: boolean) => {
    const q = bumpConversation(db, p)
    return (owned ? q.where('user_id', '=', p.owner as string) : q).returning([
      'message_count',
      'user_id',
    ])
  }
  const oneStatement = (owned: boolean) =>
    db.prepare((p: BumpParams & { rows: string }) =>
      db.kysely
        .with('c', () => bump(p, owned))
        .insertInto('messages')
        .columns([
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
        ])
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
  return {
    bump: { any: db.prepare((p: BumpParams) => bump(p, false)), owned: db.prepare((p: BumpParams) => bump(p, true)) },
    insert: db.prepare((p: InsertParams) =>
      db.kysely.insertInto('messages').values({
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
      }),
    ),
    // Only compiled where the engine can run it (writable_cte).
    oneStatement: db.capabilities.writable_cte
      ? { any: oneStatement(false), owned: oneStatement(true) }
      : undefined,
  }
})

const totalTokens = (rows: AppendRow[]) => rows.reduce((sum, r) => sum + r.tokens_used, 0)

async function appendInTransaction(
  db: Database,
  batch: AppendBatch,
): Promise<AppendResult | undefined> {
  const set = statements(db)
  const bump = batch.owner === null ? set.bump.any : set.bump.owned
  return db.transaction(async (tx) => {
    const [conversation] = await bump.allIn(tx, {
      conversation_id: batch.conversation_id,
      owner: batch.owner,
      n: batch.rows.length,
      tokens: totalTokens(batch.rows),
      now: batch.created_at,
    })
    if (conversation === undefined) return undefined
    const first = conversation.message_count - batch.rows.length + 1
    for (const [i, row] of batch.rows.entries()) {
      await set.insert.allIn(tx, {
        ...row,
        context_documents: encodeJson(row.context_documents),
        metadata: encodeJson(row.metadata),
        conversation_id: batch.conversation_id,
        user_id: conversation.user_id,
        sequence: first + i,
        created_at: batch.created_at,
      })
    }
    return { user_id: conversation.user_id, first_sequence: first }
  })
}

async function appendInOneStatement(
  db: Database,
  batch: AppendBatch,
): Promise<AppendResult | undefined> {
  const rows = encodeJson(batch.rows.map((row, i) => ({ ord: i + 1, ...row })))
  const set = statements(db).oneStatement!
  const statement = batch.owner === null ? set.any : set.owned
  const inserted = await db.write(() =>
    statement.all({
      conversation_id: batch.conversation_id,
      owner: batch.owner,
      n: batch.rows.length,
      tokens: totalTokens(batch.rows),
      now: batch.created_at,
      rows,
    }),
  )
  if (inserted.length === 0) return undefined
  const first = Math.min(...inserted.map((r) => r.sequence))
  return { user_id: inserted[0]!.user_id, first_sequence: first }
}
