import {
  type ExpressionBuilder,
  type Generated,
  type Insertable,
  type RawBuilder,
  type Selectable,
  sql,
} from 'kysely'
import type { Sealed } from '../crypto/message-cipher.js'
import { encodeJson } from './codec.js'
import type { Database } from './database.js'
import { perDatabase } from './memo.js'
import type { BytesColumn, JsonColumn, Schema, Timestamp } from './schema.js'
import { type HeldConnection, SqliteDatabase } from './sqlite.js'

/**
 * The messages table: its columns, its row types and every statement that inserts into it (the
 * live append, which moves the conversation's counters, and the insert of messages whose
 * sequence and time are already known, which the imports use). A new column is added here
 * (`MessagesTable`, `COLUMNS` and, when the writer chooses it, `AppendRow`) and in its migration;
 * every insert is built from these.
 */
export interface MessagesTable {
  id: string
  conversation_id: string
  user_id: string
  sequence: number
  parent_id: string | null
  role: string
  content: string | null
  encrypted_content: BytesColumn | null
  key_id: string | null
  parts: JsonColumn | null
  encrypted_parts: BytesColumn | null
  request_id: string | null
  tokens_used: number
  /** The prompt's and the completion's share of tokens_used; null when not reported. */
  prompt_tokens: number | null
  completion_tokens: number | null
  model_version: string | null
  context_documents: JsonColumn
  metadata: JsonColumn
  feedback: number | null
  feedback_reason: string | null
  created_at: Timestamp
  deleted_at: Timestamp | null
  /** `complete`, `streaming` while deltas arrive (live replies), `aborted` or `failed`. */
  status: Generated<string>
  finish_reason: string | null
  /** When a streamed answer ended; null for a message appended whole. */
  completed_at: Timestamp | null
  /** A streaming message's latest checkpoint, which the sweeper measures its silence from. */
  last_delta_at: Timestamp | null
  /**
   * The app's embedding of the message (float32, little-endian), for semantic recall; the only
   * column besides the stream's and feedback's that may change after the insert.
   */
  embedding: BytesColumn | null
}

type PgType = 'uuid' | 'text' | 'integer' | 'jsonb' | 'bytea' | 'timestamptz'
type Column = keyof MessagesTable

/** Every column with its PostgreSQL type, which bound values are cast to in one-statement appends. */
const COLUMNS = {
  id: 'uuid',
  conversation_id: 'uuid',
  user_id: 'uuid',
  sequence: 'integer',
  parent_id: 'uuid',
  role: 'text',
  content: 'text',
  encrypted_content: 'bytea',
  key_id: 'text',
  parts: 'jsonb',
  encrypted_parts: 'bytea',
  request_id: 'text',
  tokens_used: 'integer',
  prompt_tokens: 'integer',
  completion_tokens: 'integer',
  model_version: 'text',
  context_documents: 'jsonb',
  metadata: 'jsonb',
  feedback: 'integer',
  feedback_reason: 'text',
  created_at: 'timestamptz',
  deleted_at: 'timestamptz',
  status: 'text',
  finish_reason: 'text',
  completed_at: 'timestamptz',
  last_delta_at: 'timestamptz',
  embedding: 'bytea',
} as const satisfies { readonly [C in Column]-?: PgType }

/** Written, never read back with the message: a reader has no use for the vector's bytes. */
type Unread = 'embedding'
const UNREAD: readonly Column[] = ['embedding']

/** Every column a writer may set, including the embedding. */
const WRITTEN_COLUMNS = Object.keys(COLUMNS) as readonly Column[]

/**
 * Every column a reader selects (an encrypted row's content is opened from the ciphertext); not
 * the embedding, which only the vector index reads.
 */
export const MESSAGE_COLUMNS = WRITTEN_COLUMNS.filter(
  (c): c is Exclude<Column, Unread> => !UNREAD.includes(c),
)

export type MessageRow = Omit<Selectable<MessagesTable>, Unread>

/** Where an appended message goes and when: from the conversation row it bumps, and the batch. */
type Placed = 'conversation_id' | 'user_id' | 'sequence' | 'created_at'
/** Changed only later (feedback, soft delete, a stream's end): a new message has them null. */
type Later =
  'feedback' | 'feedback_reason' | 'deleted_at' | 'finish_reason' | 'completed_at' | 'last_delta_at'
/** How the content is stored: `content`, or sealed into these (encryption at rest). */
type SealedColumn = 'encrypted_content' | 'key_id' | 'encrypted_parts'
/** The columns whose values the writer of an append chooses. */
type OwnColumn = Exclude<Column, Placed | Later>

const PLACED: readonly Placed[] = ['conversation_id', 'user_id', 'sequence', 'created_at']
const LATER: readonly Later[] = [
  'feedback',
  'feedback_reason',
  'deleted_at',
  'finish_reason',
  'completed_at',
  'last_delta_at',
]
const SEALED: readonly SealedColumn[] = ['encrypted_content', 'key_id', 'encrypted_parts']
const OWN = WRITTEN_COLUMNS.filter(
  (c): c is OwnColumn => !(PLACED as Column[]).includes(c) && !(LATER as Column[]).includes(c),
)
const OWN_PLAIN = OWN.filter((c) => !(SEALED as Column[]).includes(c))

/** A message's content and parts as encryption at rest stores them. */
export interface SealedMessage extends Sealed {
  encrypted_parts: Buffer | null
}

/** One message of a batch, with its id and time already chosen by the caller. */
export interface AppendRow {
  id: string
  /** The parent the caller named; null: the conversation's active leaf, as the append finds it. */
  parent_id: string | null
  /** No parent at all: a new root (an edit of a conversation's first message). */
  root: boolean
  /** The message becomes the conversation's active leaf (`activate: false` leaves it be). */
  activate: boolean
  role: string
  /** The plain text, kept for the caller's answer; stored only when `sealed` is null. */
  content: string
  /** Structured content; null for none. Stored only when `sealed` is null. */
  parts: unknown[] | null
  /**
   * Encryption at rest: stored instead of `content` and `parts`, which the row then has null;
   * `encrypted_parts` is null when the message has no parts.
   */
  sealed: SealedMessage | null
  request_id: string | null
  tokens_used: number
  prompt_tokens: number | null
  completion_tokens: number | null
  model_version: string | null
  context_documents: unknown[]
  metadata: Record<string, unknown>
  /** The app's embedding as float32 bytes; null for none. */
  embedding: Buffer | null
  /**
   * `streaming` starts a live reply; absent, the message is complete. A copy (fork) keeps the
   * status its original ended with.
   */
  status?: 'complete' | 'streaming' | 'aborted' | 'failed'
}

/** A row's own column values as bound to a statement: JSON as text, the content as stored. */
function boundValues(row: Omit<AppendRow, 'activate' | 'root'>): Record<OwnColumn, unknown> {
  const values = {} as Record<OwnColumn, unknown>
  for (const c of OWN) {
    const value = ownValue(row, c)
    // SQL null, never the JSON text `null`: a message without parts has the column null.
    values[c] = COLUMNS[c] === 'jsonb' && value !== null ? encodeJson(value) : value
  }
  return values
}

function ownValue(row: Omit<AppendRow, 'activate' | 'root'>, c: OwnColumn): unknown {
  switch (c) {
    case 'content':
      return row.sealed === null ? row.content : null
    case 'encrypted_content':
      return row.sealed?.encrypted_content ?? null
    case 'key_id':
      return row.sealed?.key_id ?? null
    case 'parts':
      return row.sealed === null ? row.parts : null
    case 'encrypted_parts':
      return row.sealed?.encrypted_parts ?? null
    case 'status':
      return row.status ?? 'complete'
    default:
      return row[c]
  }
}

/** A row as one record of a batch's jsonb array: JSON as JSON, bytes as base64. */
function recordValues(row: AppendRow, ord: number): Record<string, unknown> {
  const record: Record<string, unknown> = { ord }
  for (const c of OWN) {
    const value = ownValue(row, c)
    record[c] = Buffer.isBuffer(value) ? value.toString('base64') : value
  }
  return record
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
  /** Each row's parent as stored (a row without one of its own continues the active leaf). */
  parents: (string | null)[]
}

/**
 * Where each row of a batch hangs, as far as the batch itself decides: its own parent_id, or
 * the row before it that became the active leaf; null for a row that continues the active leaf
 * the conversation had before the batch (which only the write learns). So appends without a
 * parent_id that share a transaction chain one after another, in sequence order, exactly as
 * they would one transaction each; and `leaf` is the active leaf the batch leaves (null: as it was).
 */
function chainParents(rows: readonly AppendRow[]): {
  parents: (string | null)[]
  leaf: string | null
} {
  let leaf: string | null = null
  const parents = rows.map((row) => {
    const parent = row.root ? null : (row.parent_id ?? leaf)
    if (row.activate) leaf = row.id
    return parent
  })
  return { parents, leaf }
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
  /** The batch's new active leaf; null leaves the conversation's as it is. */
  leaf: string | null
}

/**
 * Takes the next `n` sequences, returning the new message_count, and moves the active leaf;
 * takes the row's write lock.
 */
/** What an append changes on its conversation, the same on both engines. */
const bumpedColumns = (p: BumpParams) => (eb: ExpressionBuilder<Schema, 'conversations'>) => ({
  message_count: eb('message_count', '+', p.n),
  total_tokens: eb('total_tokens', '+', p.tokens),
  last_activity: p.now,
  updated_at: p.now,
  active_leaf_id: sql<string | null>`coalesce(${p.leaf}, active_leaf_id)`,
})

/** A conversation an append may go to: live, not closed, and not a temporary one past its time. */
const takesMessages = (now: string) => (eb: ExpressionBuilder<Schema, 'conversations'>) =>
  eb.and([
    eb('deleted_at', 'is', null),
    eb('status', '!=', 'closed'),
    eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]),
  ])

const bumpConversation = (db: Database, p: BumpParams, owned: boolean) => {
  const q = db.kysely
    .updateTable('conversations')
    .set(bumpedColumns(p))
    .where('id', '=', p.conversation_id)
    .where(takesMessages(p.now))
  return (owned ? q.where('user_id', '=', p.owner as string) : q).returning([
    'message_count',
    'user_id',
  ])
}

/**
 * The message a path read (and a SQLite append) starts from: the active leaf while it exists,
 * else the newest message left. A purge moves the pointer itself (purgeMessageBatch); this covers
 * any other hard delete. Not for PostgreSQL's append: its FOR UPDATE read of the conversation
 * re-reads the row after the lock, but a subquery would still see the statement's snapshot.
 */
const survivingLeaf = sql<string | null>`coalesce(
  (select m.id from messages m where m.id = conversations.active_leaf_id),
  (select m.id from messages m where m.conversation_id = conversations.id
    order by m.sequence desc limit 1))`

/**
 * PostgreSQL: the bump, also returning the active leaf the row had before it (`leaf_before`),
 * which RETURNING alone cannot (it sees the new row). The FOR UPDATE subquery takes the row's
 * lock first and reads the row as the appender before us left it, so two appends to one leaf
 * that race each see the other's: they chain, in sequence order.
 */
const bumpReturningLeaf = (db: Database, p: BumpParams, owned: boolean) => {
  const before = db.kysely
    .selectFrom('conversations')
    .select('active_leaf_id as leaf_before')
    .where('id', '=', p.conversation_id)
    .forUpdate()
  const q = db.kysely
    .updateTable('conversations')
    .from(before.as('o'))
    .set(bumpedColumns(p))
    .where('id', '=', p.conversation_id)
    .where(takesMessages(p.now))
  return (owned ? q.where('user_id', '=', p.owner as string) : q).returning([
    'message_count',
    'user_id',
    'leaf_before',
  ])
}

type InsertParams = Record<OwnColumn, unknown> & Record<Placed, unknown>

/** SQLite: built only for a SqliteDatabase (see appendMessages). */
const twoStatements = perDatabase((db) => {
  const insert = (columns: readonly Column[]) =>
    db.prepare((p: InsertParams) =>
      db.kysely
        .insertInto('messages')
        .values(
          Object.fromEntries(
            [...PLACED, ...columns].map((c) => [c, p[c as keyof InsertParams]]),
          ) as Insertable<MessagesTable>,
        ),
    )
  return {
    // Read before the bump, in the same BEGIN IMMEDIATE transaction, which holds the write lock.
    leafBefore: db.prepare((p: { conversation_id: string }) =>
      db.kysely
        .selectFrom('conversations')
        .select(survivingLeaf.as('active_leaf_id'))
        .where('id', '=', p.conversation_id),
    ),
    bump: {
      any: db.prepare((p: BumpParams) => bumpConversation(db, p, false)),
      owned: db.prepare((p: BumpParams) => bumpConversation(db, p, true)),
    },
    insert: insert(OWN_PLAIN),
    insertSealed: insert(OWN),
  }
})

const cast = (value: unknown, column: Column): RawBuilder<unknown> =>
  sql`${value}::${sql.raw(COLUMNS[column])}`

/** A record column of jsonb_to_recordset: bytes travel as base64 text inside the JSON. */
const recordColumn = (c: Column) =>
  sql`${sql.ref(c)} ${sql.raw(COLUMNS[c] === 'bytea' ? 'text' : COLUMNS[c])}`
const fromRecord = (c: Column) =>
  COLUMNS[c] === 'bytea' ? sql`decode(${sql.ref(`r.${c}`)}, 'base64')` : sql.ref(`r.${c}`)

/**
 * PostgreSQL (writable_cte): the bump and every insert in one statement. A batch travels as one
 * jsonb array; a single message, the usual append, as plain parameters, which spares the server
 * the jsonb parse and recordset (about 4% of an append's time). Encrypted messages have their
 * own variants, so a plain append binds nothing more than it needs.
 */
const oneStatement = perDatabase((db) => {
  // A row without a parent of its own (null) continues the leaf the conversation had.
  const inRecord = (c: OwnColumn) =>
    c === 'parent_id'
      ? sql`case when r.root then null else coalesce(r.parent_id, c.leaf_before) end`
      : fromRecord(c)
  const bound = (p: Record<OwnColumn, unknown> & { root: boolean }, c: OwnColumn) =>
    c === 'parent_id'
      ? sql`case when ${p.root}::boolean then null else coalesce(${cast(p[c], c)}, c.leaf_before) end`
      : cast(p[c], c)
  const many = (owned: boolean, columns: readonly OwnColumn[]) =>
    db.prepare((p: BumpParams & { rows: string }) =>
      db.kysely
        .with('c', () => bumpReturningLeaf(db, p, owned))
        .insertInto('messages')
        .columns([...PLACED, ...columns])
        .expression(
          sql`select ${cast(p.conversation_id, 'conversation_id')}, c.user_id,
            c.message_count - ${p.n}::int + r.ord, ${cast(p.now, 'created_at')},
            ${sql.join(columns.map(inRecord))}
          from c cross join jsonb_to_recordset(${p.rows}::jsonb)
            as r(ord int, root boolean, ${sql.join(columns.map(recordColumn))})`,
        )
        .returning(['user_id', 'sequence', 'parent_id']),
    )
  const one = (owned: boolean, columns: readonly OwnColumn[]) =>
    db.prepare((p: BumpParams & Record<OwnColumn, unknown> & { root: boolean }) =>
      db.kysely
        .with('c', () => bumpReturningLeaf(db, p, owned))
        .insertInto('messages')
        .columns([...PLACED, ...columns])
        .expression(
          sql`select ${cast(p.conversation_id, 'conversation_id')}, c.user_id, c.message_count,
            ${cast(p.now, 'created_at')}, ${sql.join(columns.map((c) => bound(p, c)))}
          from c`,
        )
        .returning(['user_id', 'sequence', 'parent_id']),
    )
  const variants = <S>(make: (owned: boolean, columns: readonly OwnColumn[]) => S) => ({
    plain: { any: make(false, OWN_PLAIN), owned: make(true, OWN_PLAIN) },
    sealed: { any: make(false, OWN), owned: make(true, OWN) },
  })
  return { many: variants(many), one: variants(one) }
})

const totalTokens = (rows: AppendRow[]) => rows.reduce((sum, r) => sum + r.tokens_used, 0)

function appendInImmediateTransaction(
  db: SqliteDatabase,
  batch: AppendBatch,
): Promise<AppendResult | undefined> {
  const set = twoStatements(db)
  return db.immediate((held) => writeHeld(held, set, batch))
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
  return db.immediate((held) => batches.map((batch) => writeHeld(held, set, batch)))
}

/** One batch's statements, on the connection `immediate` holds. */
function writeHeld(
  held: HeldConnection,
  set: ReturnType<typeof twoStatements>,
  batch: AppendBatch,
): AppendResult | undefined {
  const bump = batch.owner === null ? set.bump.any : set.bump.owned
  const chain = chainParents(batch.rows)
  const [before] = held.run(set.leafBefore, { conversation_id: batch.conversation_id })
  const [conversation] = held.run(bump, {
    conversation_id: batch.conversation_id,
    owner: batch.owner,
    n: batch.rows.length,
    tokens: totalTokens(batch.rows),
    now: batch.created_at,
    leaf: chain.leaf,
  })
  if (conversation === undefined) return undefined
  const first = conversation.message_count - batch.rows.length + 1
  const parents = chain.parents.map((parent, i) =>
    batch.rows[i]!.root ? null : (parent ?? before?.active_leaf_id ?? null),
  )
  batch.rows.forEach((row, i) => {
    const params = {
      ...boundValues(row),
      parent_id: parents[i],
      conversation_id: batch.conversation_id,
      user_id: conversation.user_id,
      sequence: first + i,
      created_at: batch.created_at,
    }
    held.run(row.sealed === null ? set.insert : set.insertSealed, params)
  })
  return { user_id: conversation.user_id, first_sequence: first, parents }
}

async function appendInOneStatement(
  db: Database,
  batch: AppendBatch,
): Promise<AppendResult | undefined> {
  const set = oneStatement(db)
  const chain = chainParents(batch.rows)
  const bump = {
    conversation_id: batch.conversation_id,
    owner: batch.owner,
    n: batch.rows.length,
    tokens: totalTokens(batch.rows),
    now: batch.created_at,
    leaf: chain.leaf,
  }
  const sealed = batch.rows.some((r) => r.sealed !== null)
  const pick = <S>(variants: { plain: { any: S; owned: S }; sealed: { any: S; owned: S } }) => {
    const kind = sealed ? variants.sealed : variants.plain
    return batch.owner === null ? kind.any : kind.owned
  }
  const inserted = await db.write(() => {
    if (batch.rows.length === 1) {
      return pick(set.one).all(db, {
        ...bump,
        ...boundValues(batch.rows[0]!),
        parent_id: chain.parents[0],
        root: batch.rows[0]!.root,
      })
    }
    const rows = encodeJson(
      batch.rows.map((r, i) => ({
        ...recordValues(r, i + 1),
        parent_id: chain.parents[i],
        root: r.root,
      })),
    )
    return pick(set.many).all(db, { ...bump, rows })
  })
  if (inserted.length === 0) return undefined
  const first = Math.min(...inserted.map((r) => r.sequence))
  const parents: (string | null)[] = []
  for (const r of inserted) parents[r.sequence - first] = r.parent_id
  return { user_id: inserted[0]!.user_id, first_sequence: first, parents }
}

/**
 * The message `id` of the conversation, once an append of it still in flight has settled:
 * after a lost connection, an append sent before may still be running on the server, holding
 * the conversation's row lock (it updates that row first), and FOR SHARE waits for it to commit
 * or roll back (PostgreSQL). In process (SQLite) nothing can still be in flight.
 */
export async function findAppended(
  db: Database,
  conversationId: string,
  id: string,
): Promise<MessageRow | undefined> {
  const byId = (on: Database) =>
    on.kysely.selectFrom('messages').select(MESSAGE_COLUMNS).where('id', '=', id).executeTakeFirst()
  if (db.capabilities.in_process) return byId(db)
  return db.transaction(async (tx) => {
    await tx.kysely
      .selectFrom('conversations')
      .select('id')
      .where('id', '=', conversationId)
      .forShare()
      .execute()
    return byId(tx)
  })
}

/** Rows per INSERT of known messages: 21 columns each stays below both engines' parameter limits. */
const INSERT_ROWS = 500

/** A message whose time is already known (imports): an append's row with its created_at. */
export interface PlacedRow extends Omit<AppendRow, 'activate' | 'root'> {
  created_at: string
}

/**
 * Inserts messages of one conversation with sequences from `first_sequence` on, in the order
 * given, each with its own created_at (imports), all or none; the conversation's counters are
 * the caller's to move.
 */
export async function insertPlacedMessages(
  db: Database,
  place: { conversation_id: string; user_id: string; first_sequence: number },
  rows: readonly PlacedRow[],
): Promise<void> {
  const values = rows.map((row, i) => ({
    ...boundValues(row),
    conversation_id: place.conversation_id,
    user_id: place.user_id,
    sequence: place.first_sequence + i,
    created_at: row.created_at,
  }))
  await insertMessages(db, values, 'fail')
}

/**
 * Inserts rows already in the database's form (a logical import), in the order given. `existing: 'skip'` leaves out a row whose id or other unique key is taken; `'fail'`
 * fails on it. Returns the ids inserted. The conversation's counters are the caller's to move
 * (or to recount with `recountConversations`).
 */
export async function insertMessages(
  db: Database,
  rows: readonly Readonly<Record<string, unknown>>[],
  existing: 'skip' | 'fail',
): Promise<Set<string>> {
  const inserted = new Set<string>()
  for (let i = 0; i < rows.length; i += INSERT_ROWS) {
    const values = rows.slice(i, i + INSERT_ROWS).map(onlyColumns)
    let q = db.kysely.insertInto('messages').values(values)
    if (existing === 'skip') q = q.onConflict((oc) => oc.doNothing())
    for (const row of await q.returning('id').execute()) inserted.add(row.id)
  }
  return inserted
}

/** The row's values of the table's columns: anything else is no column of messages. */
function onlyColumns(row: Readonly<Record<string, unknown>>): Insertable<MessagesTable> {
  const picked: Record<string, unknown> = {}
  for (const c of WRITTEN_COLUMNS) if (row[c] !== undefined) picked[c] = row[c]
  return picked as unknown as Insertable<MessagesTable>
}

/** Keys per `in (…)` list. */
const KEY_CHUNK = 500

/**
 * Conversations that got messages inserted with `insertMessages`: their counters move as
 * appends would have moved them (message_count to the highest sequence, so the next append
 * takes the next one; total_tokens and last_activity never go down). Returns how many changed.
 */
export async function recountConversations(
  db: Database,
  conversationIds: string[],
): Promise<number> {
  const of = (expression: string) =>
    sql`(select ${sql.raw(expression)} from messages m where m.conversation_id = conversations.id)`
  const maxSequence = of('max(m.sequence)')
  const tokens = of('coalesce(sum(m.tokens_used), 0)')
  const latest = of('max(m.created_at)')
  let recounted = 0
  for (let i = 0; i < conversationIds.length; i += KEY_CHUNK) {
    const result = await sql`update conversations set
        message_count = ${maxSequence},
        total_tokens = case when total_tokens > ${tokens} then total_tokens else ${tokens} end,
        last_activity = case when last_activity > ${latest} then last_activity else ${latest} end
      where id in (${sql.join(conversationIds.slice(i, i + KEY_CHUNK))})
        and message_count < ${maxSequence}`.execute(db.kysely)
    recounted += Number(result.numAffectedRows ?? 0)
  }
  return recounted
}

/** A message's content sealed anew, to store if the row still holds what was read. */
export interface Reseal {
  id: string
  /** The key id the row was read with; null for plain text. */
  from: string | null
  encrypted_content: Buffer
  key_id: string
  /** The parts sealed anew under key_id; null for a message without parts. */
  encrypted_parts: Buffer | null
}

/**
 * Stores messages' contents anew, sealed, each only if its row still holds what was read (its
 * key id, null for plain text), so two rotations at once never undo each other. In process
 * (SQLite) one update per row costs nothing; over the network (PostgreSQL) the batch goes as one
 * statement. Returns how many rows were rewritten.
 */
export async function resealMessages(db: Database, rows: Reseal[]): Promise<number> {
  if (rows.length === 0) return 0
  if (!db.capabilities.in_process) {
    const values = encodeJson(
      rows.map((r) => ({
        ...r,
        encrypted_content: r.encrypted_content.toString('base64'),
        encrypted_parts: r.encrypted_parts?.toString('base64') ?? null,
      })),
    )
    const result = await sql`update messages as m set content = null, parts = null,
        encrypted_content = decode(v.encrypted_content, 'base64'), key_id = v.key_id,
        encrypted_parts = decode(v.encrypted_parts, 'base64')
      from jsonb_to_recordset(${values}::jsonb)
        as v(id uuid, "from" text, encrypted_content text, key_id text, encrypted_parts text)
      where m.id = v.id and m.key_id is not distinct from v."from"`.execute(db.kysely)
    return Number(result.numAffectedRows ?? 0)
  }
  let rewritten = 0
  for (const r of rows) {
    const result = await db.kysely
      .updateTable('messages')
      .set({
        content: null,
        parts: null,
        encrypted_content: r.encrypted_content,
        key_id: r.key_id,
        encrypted_parts: r.encrypted_parts,
      })
      .where('id', '=', r.id)
      .where('key_id', r.from === null ? 'is' : '=', r.from)
      .executeTakeFirst()
    rewritten += Number(result.numUpdatedRows)
  }
  return rewritten
}

/** The longest path a read walks: a conversation deeper than this reads as ending there. */
export const MAX_PATH_DEPTH = 100_000

export interface PathQuery {
  conversation_id: string
  /** Only this user's conversation; null for any. */
  owner: string | null
  /** The message the path ends at; null: the conversation's active leaf. */
  leaf: string | null
  /** How many live messages to take, counting back from the leaf. */
  n: number
}

interface PathParams {
  conversation_id: string
  owner: string
  leaf: string
  n: number
  depth: number
}

/**
 * The last `n` live messages of the path root → leaf, oldest first, in one statement: a
 * recursive CTE that walks parent_id up from the leaf through the primary key, one row per
 * step, and stops once it holds `n` live messages (soft-deleted ones are walked through, not
 * returned) or at MAX_PATH_DEPTH. Each step carries the whole row, so nothing is looked up twice.
 */
const pathStatements = perDatabase((db) => {
  const columns = (from: string) => sql.join(MESSAGE_COLUMNS.map((c) => sql.ref(`${from}.${c}`)))
  const live = sql`case when m.deleted_at is null then 1 else 0 end`
  const build = (owned: boolean, active: boolean) =>
    db.prepare((p: PathParams) => {
      // Ownership is checked on the conversation's row, found by its primary key: a filter on
      // messages.user_id offers the planner messages_user_created_idx as well, which on a
      // grown table with stale statistics it combined with the conversation's index, sorting
      // the whole conversation (issue 14: 3.9 ms at 20,000 messages, against 0.26 ms). The
      // active leaf's check sits in the select list, not the WHERE, so that no index on
      // user_id (conversations_user_recent_idx) can stand in for the key either.
      const leaf = active
        ? sql`(select ${owned ? sql`case when conversations.user_id = ${p.owner} then ${survivingLeaf} end` : survivingLeaf}
            from conversations
            where conversations.id = ${p.conversation_id} and conversations.deleted_at is null)`
        : sql`${p.leaf}`
      const given =
        owned && !active
          ? sql`and exists (select 1 from conversations
              where conversations.id = ${p.conversation_id} and conversations.user_id = ${p.owner})`
          : sql``
      const walk = sql<MessageRow>`(with recursive path as (
          select ${columns('m')}, ${live} as live, 1 as depth from messages m
            where m.id = ${leaf} and m.conversation_id = ${p.conversation_id} ${given}
          union all
          select ${columns('m')}, p.live + ${live}, p.depth + 1
            from path p join messages m on m.id = p.parent_id
            where p.live < ${p.n} and p.depth < ${p.depth})
        select * from path where deleted_at is null)`
      return db.kysely.selectFrom(walk.as('path')).select(MESSAGE_COLUMNS).orderBy('sequence')
    })
  return {
    active: { any: build(false, true), owned: build(true, true) },
    leaf: { any: build(false, false), owned: build(true, false) },
  }
})

export function pathMessages(db: Database, q: PathQuery): Promise<MessageRow[]> {
  const set = pathStatements(db)[q.leaf === null ? 'active' : 'leaf']
  const params = {
    conversation_id: q.conversation_id,
    owner: q.owner ?? '',
    leaf: q.leaf ?? '',
    n: q.n,
    depth: MAX_PATH_DEPTH,
  }
  return (q.owner === null ? set.any : set.owned).all(db, params)
}

/** One alternative at a point of the tree: the message and the newest live message under it. */
export interface SiblingRow extends MessageRow {
  newest_leaf_id: string
}

/**
 * The live messages that share `parent_id` (null: the conversation's roots), oldest first, each
 * with the newest live message of its subtree (itself when it has none), in one statement: a
 * recursive CTE walks each sibling's subtree down through messages_parent_id_idx.
 */
const siblingStatements = perDatabase((db) => {
  const columns = (from: string) => sql.join(MESSAGE_COLUMNS.map((c) => sql.ref(`${from}.${c}`)))
  const build = (root: boolean) =>
    db.prepare((p: { conversation_id: string; parent_id: string }) => {
      const under = root ? sql`s.parent_id is null` : sql`s.parent_id = ${p.parent_id}`
      const rows = sql<SiblingRow>`(with recursive sub as (
          select s.id as top, s.id, s.sequence, s.deleted_at from messages s
            where s.conversation_id = ${p.conversation_id} and ${under} and s.deleted_at is null
          union all
          select sub.top, m.id, m.sequence, m.deleted_at
            from sub join messages m on m.parent_id = sub.id),
        newest as (
          select top, max(sequence) as sequence from sub where deleted_at is null group by top)
        select ${columns('s')}, l.id as newest_leaf_id
          from newest n
          join messages s on s.id = n.top
          join messages l on l.conversation_id = s.conversation_id and l.sequence = n.sequence)`
      return (
        db.kysely
          .selectFrom(rows.as('siblings'))
          .select([...MESSAGE_COLUMNS, 'newest_leaf_id'])
          // Oldest first by time: an import's current branch took the lower sequences.
          .orderBy('created_at')
          .orderBy('sequence')
      )
    })
  return { root: build(true), child: build(false) }
})

export function siblingMessages(
  db: Database,
  conversationId: string,
  parentId: string | null,
): Promise<SiblingRow[]> {
  const set = siblingStatements(db)
  return (parentId === null ? set.root : set.child).all(db, {
    conversation_id: conversationId,
    parent_id: parentId ?? '',
  })
}
