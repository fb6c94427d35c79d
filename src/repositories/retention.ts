import { type ExpressionBuilder, sql } from 'kysely'
import type { Database } from '../db/database.js'
import type { Schema } from '../db/schema.js'
import type { RetentionPolicy } from '../schemas/retention.js'
import { conversationHeld, documentHeld } from './legal-holds.js'
import { effectivePolicy } from './retention-policies.js'

/**
 * The queries of `chatkeep cleanup`: for each kind of row that can be past keeping, one
 * predicate, used both to count (a dry run) and to delete in batches, so that a dry run reports
 * exactly what a real run removes.
 */

/** A retention policy in use, and the time before which what it covers goes. */
export interface PolicyCutoff {
  mode: 'after_last_activity' | 'after_soft_delete'
  days: number
  before: string
}

/** The times that decide what goes; ISO-8601 UTC. */
export interface RetentionCutoffs {
  now: string
  /** Soft-deleted documents (and revoked API keys) from before this go: RETENTION_DAYS. */
  deleted_before: string
  /** With --older-than: conversations with no activity since this go, unless kept; else null. */
  inactive_before: string | null
  /** Sessions and refresh tokens expired or revoked before this go. */
  credentials_before: string
  /** The policy a conversation is under when neither it nor its user has one. */
  fallback: RetentionPolicy
  /** Each policy conversations are under (but `keep`), with its cutoff. */
  policies: PolicyCutoff[]
}

/**
 * Why a batch removes conversations: a temporary one past its time, its retention policy, or
 * the operator's --older-than. The three never overlap, so each conversation is counted once and
 * a dry run reports exactly what a run removes.
 */
export type ConversationPurge = 'expired' | 'policy' | 'inactive'

const ref = (column: string) => sql.ref(`conversations.${column}`)
const before = (column: string, at: string) =>
  sql<boolean>`(${ref(column)} is not null and ${ref(column)} < ${at})`

function expired(c: RetentionCutoffs) {
  return before('expires_at', c.now)
}

/** Whether the `conversations` row is due under the policy it is under. */
function dueByPolicy(c: RetentionCutoffs) {
  const policy = effectivePolicy(c.fallback)
  if (c.policies.length === 0) return sql<boolean>`(1 = 0)`
  return sql<boolean>`(${sql.join(
    c.policies.map((p) => {
      const due =
        p.mode === 'after_soft_delete'
          ? before('deleted_at', p.before)
          : sql`(${ref('last_activity')} < ${p.before} or ${before('deleted_at', p.before)})`
      return sql`(${policy.mode} = ${p.mode} and ${policy.days} = ${p.days} and ${due})`
    }),
    sql` or `,
  )})`
}

function inactive(c: RetentionCutoffs) {
  if (c.inactive_before === null) return sql<boolean>`(1 = 0)`
  return sql<boolean>`(${ref('last_activity')} < ${c.inactive_before} and ${
    effectivePolicy(c.fallback).mode
  } <> 'keep')`
}

/** The `conversations` rows a purge of this kind takes: never one under a legal hold. */
function conversationWhere(kind: ConversationPurge, c: RetentionCutoffs) {
  const which =
    kind === 'expired'
      ? expired(c)
      : kind === 'policy'
        ? sql`(not ${expired(c)} and ${dueByPolicy(c)})`
        : sql`(not ${expired(c)} and not ${dueByPolicy(c)} and ${inactive(c)})`
  return sql<boolean>`(${which} and not ${conversationHeld()})`
}

/** A conversation that no purge of any kind takes now. */
function conversationStays(c: RetentionCutoffs) {
  return sql<boolean>`(not ${expired(c)} and not ${dueByPolicy(c)} and not ${inactive(c)})`
}

const sumBy = (rows: { key: string; n: number | string | bigint }[], keys: Set<string>) =>
  rows.reduce((sum, row) => (keys.has(row.key) ? sum + Number(row.n) : sum), 0)

export async function countConversations(
  db: Database,
  kind: ConversationPurge,
  c: RetentionCutoffs,
): Promise<{ conversations: number; messages: number; transcripts: number }> {
  const doomed = db.kysely
    .selectFrom('conversations')
    .select('id')
    .where(conversationWhere(kind, c))
  const [conversations, messages, transcripts] = await Promise.all([
    db.kysely
      .selectFrom('conversations')
      .select((eb) => eb.fn.countAll().as('n'))
      .where(conversationWhere(kind, c))
      .executeTakeFirstOrThrow(),
    db.kysely
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('conversation_id', 'in', doomed)
      .executeTakeFirstOrThrow(),
    db.kysely
      .selectFrom('transcripts')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('conversation_id', 'in', doomed)
      .executeTakeFirstOrThrow(),
  ])
  return {
    conversations: Number(conversations.n),
    messages: Number(messages.n),
    transcripts: Number(transcripts.n),
  }
}

/** A transcript's stored file, to remove once its row is gone. */
export interface StoredFile {
  storage: string
  storage_key: string
}

/**
 * Deletes the next batch of conversations, their messages (and transcripts rows) going with them
 * by cascade in the same statement; the transcripts' files are returned for the caller to remove
 * after the commit. A batch holds up to `size` conversations and, past the first,
 * no more than about `size` messages (message_count, which counts every message ever appended, is
 * an upper bound). `remaining` is false once nothing matched.
 */
export async function purgeConversationBatch(
  db: Database,
  kind: ConversationPurge,
  c: RetentionCutoffs,
  size: number,
): Promise<{
  conversations: number
  messages: number
  files: StoredFile[]
  remaining: boolean
}> {
  const candidates = await db.kysely
    .selectFrom('conversations')
    .select(['id', 'message_count'])
    .where(conversationWhere(kind, c))
    .orderBy('id')
    .limit(size)
    .execute()
  if (candidates.length === 0) {
    return { conversations: 0, messages: 0, files: [], remaining: false }
  }
  const ids: string[] = []
  let load = 0
  for (const row of candidates) {
    if (ids.length > 0 && load + row.message_count > size) break
    ids.push(row.id)
    load += row.message_count
  }
  const perConversation = await db.kysely
    .selectFrom('messages')
    .select((eb) => ['conversation_id as key', eb.fn.countAll().as('n')])
    .where('conversation_id', 'in', ids)
    .groupBy('conversation_id')
    .execute()
  const transcripts = await db.kysely
    .selectFrom('transcripts')
    .select(['conversation_id', 'storage', 'storage_key'])
    .where('conversation_id', 'in', ids)
    .execute()
  // The condition is asked again: a conversation restored or written to meanwhile stays.
  const deleted = await db.kysely
    .deleteFrom('conversations')
    .where('id', 'in', ids)
    .where(conversationWhere(kind, c))
    .returning('id')
    .execute()
  const gone = new Set(deleted.map((row) => row.id))
  return {
    conversations: gone.size,
    messages: sumBy(perConversation, gone),
    files: transcripts
      .filter((t) => gone.has(t.conversation_id))
      .map(({ storage, storage_key }) => ({ storage, storage_key })),
    remaining: true,
  }
}

/**
 * Messages soft-deleted one by one before their conversation's policy cutoff. Those of a
 * conversation that a conversation purge takes are left to it, and so are those deleted together
 * with their conversation (same deleted_at): restoring the conversation brings them back, so they
 * live as long as it does. A message deleted before its conversation was is not restored with
 * it, so it goes on its own. Nothing of a held conversation goes.
 */
function messagesQuery(db: Database, c: RetentionCutoffs) {
  const policy = effectivePolicy(c.fallback)
  const due =
    c.policies.length === 0
      ? sql<boolean>`(1 = 0)`
      : sql<boolean>`(${sql.join(
          c.policies.map(
            (p) =>
              sql`(${policy.mode} = ${p.mode} and ${policy.days} = ${p.days} and messages.deleted_at < ${p.before})`,
          ),
          sql` or `,
        )})`
  return db.kysely
    .selectFrom('messages')
    .innerJoin('conversations', 'conversations.id', 'messages.conversation_id')
    .where('messages.deleted_at', 'is not', null)
    .where(due)
    .where(conversationStays(c))
    .where(sql<boolean>`not ${conversationHeld()}`)
}

export async function countMessages(db: Database, c: RetentionCutoffs): Promise<number> {
  const row = await messagesQuery(db, c)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/**
 * Deletes up to `size` soft-deleted messages. The conversation's message_count and total_tokens
 * stay: message_count is the last sequence handed out (a purged number is never reused), and
 * soft-deleted messages were never taken out of either.
 */
/**
 * A purged message's children hang on to its nearest ancestor that stays, so a path read goes on
 * through the gap as it did while the message was only soft-deleted (the foreign key would
 * otherwise null their parent_id and cut the path there).
 */
async function reparentChildren(
  db: Database,
  doomed: readonly { id: string; parent_id: string | null }[],
): Promise<void> {
  const parentOf = new Map(doomed.map((m) => [m.id, m.parent_id]))
  const survivor = (id: string): string | null => {
    let at = parentOf.get(id) ?? null
    while (at !== null && parentOf.has(at)) at = parentOf.get(at) ?? null
    return at
  }
  // One statement per ancestor kept: usually one per conversation the batch touches.
  const byTarget = new Map<string | null, string[]>()
  for (const m of doomed) {
    const to = survivor(m.id)
    byTarget.set(to, [...(byTarget.get(to) ?? []), m.id])
  }
  for (const [to, from] of byTarget) {
    await db.kysely
      .updateTable('messages')
      .set({ parent_id: to })
      .where('parent_id', 'in', from)
      .execute()
  }
}

export async function purgeMessageBatch(
  db: Database,
  c: RetentionCutoffs,
  size: number,
): Promise<number> {
  const doomed = await messagesQuery(db, c)
    .select(['messages.id', 'messages.parent_id'])
    .limit(size)
    .execute()
  if (doomed.length === 0) return 0
  await reparentChildren(db, doomed)
  const deleted = await db.kysely
    .deleteFrom('messages')
    .where(
      'id',
      'in',
      doomed.map((m) => m.id),
    )
    .returning('conversation_id')
    .execute()
  const touched = [...new Set(deleted.map((row) => row.conversation_id))]
  if (touched.length > 0) {
    // An active leaf purged: the conversation goes on from the newest message left.
    await db.kysely
      .updateTable('conversations')
      .set({
        active_leaf_id: sql`(select m.id from messages m where m.conversation_id = conversations.id
          order by m.sequence desc limit 1)`,
      })
      .where('id', 'in', touched)
      .where('active_leaf_id', 'is not', null)
      .where(
        sql<boolean>`not exists (select 1 from messages m where m.id = conversations.active_leaf_id)`,
      )
      .execute()
  }
  return deleted.length
}

export async function countDocuments(
  db: Database,
  c: RetentionCutoffs,
): Promise<{ documents: number; chunks: number }> {
  const doomed = db.kysely
    .selectFrom('documents')
    .select('id')
    .where('deleted_at', '<', c.deleted_before)
    .where((eb) => eb.not(documentHeld(eb)))
  const [documents, chunks] = await Promise.all([
    db.kysely
      .selectFrom('documents')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('deleted_at', '<', c.deleted_before)
      .where((eb) => eb.not(documentHeld(eb)))
      .executeTakeFirstOrThrow(),
    db.kysely
      .selectFrom('document_chunks')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('document_id', 'in', doomed)
      .executeTakeFirstOrThrow(),
  ])
  return { documents: Number(documents.n), chunks: Number(chunks.n) }
}

/**
 * A deleted_at bound for the next documents purge: every document deleted before it goes, up to
 * `size` documents and, past the first, about `size` rows counting their chunks. Documents
 * deleted at the very same millisecond go together. Null when nothing is left to purge.
 */
export async function nextDocumentBound(
  db: Database,
  c: RetentionCutoffs,
  size: number,
): Promise<string | null> {
  const rows = await db.kysely
    .selectFrom('documents')
    .select((eb) => [
      'deleted_at',
      eb
        .selectFrom('document_chunks')
        .select((inner) => inner.fn.countAll().as('n'))
        .whereRef('document_chunks.document_id', '=', 'documents.id')
        .as('chunks'),
    ])
    .where('deleted_at', '<', c.deleted_before)
    .where((eb) => eb.not(documentHeld(eb)))
    .orderBy('deleted_at')
    .limit(size)
    .execute()
  if (rows.length === 0) return null
  let last = rows[0]!.deleted_at!
  let load = 0
  for (const row of rows) {
    const weight = 1 + Number(row.chunks ?? 0)
    if (load > 0 && load + weight > size) break
    last = row.deleted_at!
    load += weight
  }
  const bound = new Date(Date.parse(last) + 1).toISOString()
  return bound < c.deleted_before ? bound : c.deleted_before
}

function refreshTokenWhere(c: RetentionCutoffs) {
  return (eb: ExpressionBuilder<Schema, 'refresh_tokens'>) =>
    eb.or([
      eb('refresh_tokens.expires_at', '<', c.credentials_before),
      eb('refresh_tokens.revoked_at', '<', c.credentials_before),
    ])
}

function sessionWhere(c: RetentionCutoffs) {
  return (eb: ExpressionBuilder<Schema, 'auth_sessions'>) =>
    eb.or([
      eb('auth_sessions.expires_at', '<', c.credentials_before),
      eb('auth_sessions.revoked_at', '<', c.credentials_before),
    ])
}

/**
 * Sessions and refresh tokens that can no longer be used: expired or revoked before the cutoff.
 * A used token that has not expired is kept while its session lives, since presenting it again is
 * what reuse detection answers; once expired it is refused as expired, used or not.
 */
export async function countCredentials(
  db: Database,
  c: RetentionCutoffs,
): Promise<{ sessions: number; refresh_tokens: number }> {
  const doomedSessions = db.kysely.selectFrom('auth_sessions').select('id').where(sessionWhere(c))
  const [sessions, tokens, cascaded] = await Promise.all([
    db.kysely
      .selectFrom('auth_sessions')
      .select((eb) => eb.fn.countAll().as('n'))
      .where(sessionWhere(c))
      .executeTakeFirstOrThrow(),
    db.kysely
      .selectFrom('refresh_tokens')
      .select((eb) => eb.fn.countAll().as('n'))
      .where(refreshTokenWhere(c))
      .executeTakeFirstOrThrow(),
    db.kysely
      .selectFrom('refresh_tokens')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('session_id', 'in', doomedSessions)
      // Not those counted above; null-safe, as `not (… or revoked_at < x)` is not.
      .where('expires_at', '>=', c.credentials_before)
      .where((eb) =>
        eb.or([eb('revoked_at', 'is', null), eb('revoked_at', '>=', c.credentials_before)]),
      )
      .executeTakeFirstOrThrow(),
  ])
  return { sessions: Number(sessions.n), refresh_tokens: Number(tokens.n) + Number(cascaded.n) }
}

export async function purgeRefreshTokenBatch(
  db: Database,
  c: RetentionCutoffs,
  size: number,
): Promise<number> {
  const result = await db.kysely
    .deleteFrom('refresh_tokens')
    .where(refreshTokenWhere(c))
    .where(
      'id',
      'in',
      db.kysely.selectFrom('refresh_tokens').select('id').where(refreshTokenWhere(c)).limit(size),
    )
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}

/** Deletes up to `size` sessions; their remaining refresh tokens go by cascade and are counted. */
export async function purgeSessionBatch(
  db: Database,
  c: RetentionCutoffs,
  size: number,
): Promise<{ sessions: number; refresh_tokens: number }> {
  const candidates = await db.kysely
    .selectFrom('auth_sessions')
    .select('id')
    .where(sessionWhere(c))
    .limit(size)
    .execute()
  if (candidates.length === 0) return { sessions: 0, refresh_tokens: 0 }
  const ids = candidates.map((row) => row.id)
  const perSession = await db.kysely
    .selectFrom('refresh_tokens')
    .select((eb) => ['session_id as key', eb.fn.countAll().as('n')])
    .where('session_id', 'in', ids)
    .groupBy('session_id')
    .execute()
  const deleted = await db.kysely
    .deleteFrom('auth_sessions')
    .where('id', 'in', ids)
    .where(sessionWhere(c))
    .returning('id')
    .execute()
  const gone = new Set(deleted.map((row) => row.id))
  return { sessions: gone.size, refresh_tokens: sumBy(perSession, gone) }
}

export async function countRevokedApiKeys(db: Database, c: RetentionCutoffs): Promise<number> {
  const row = await db.kysely
    .selectFrom('api_keys')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('revoked_at', '<', c.deleted_before)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/** A revoked key is a soft-deleted one: it goes after the same retention period. */
export async function purgeRevokedApiKeyBatch(
  db: Database,
  c: RetentionCutoffs,
  size: number,
): Promise<number> {
  const result = await db.kysely
    .deleteFrom('api_keys')
    .where('revoked_at', '<', c.deleted_before)
    .where(
      'id',
      'in',
      db.kysely
        .selectFrom('api_keys')
        .select('id')
        .where('revoked_at', '<', c.deleted_before)
        .limit(size),
    )
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}
