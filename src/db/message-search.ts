import { sql } from 'kysely'
import type { MessageSearchMode } from '../config/message-search-mode.js'
import type { Database } from './database.js'

export type { MessageSearchMode }

/** What is not indexed yet. */
export interface MessageSearchBacklog {
  pending: number
  /** created_at of the oldest pending message, or null when none is. */
  oldest_at: string | null
}

/**
 * The engine's side of the modes (migration 2026-12-07-01): where the mode lives, how a pending
 * message is marked, and how catch-up indexes it.
 */
interface MessageSearchEngine {
  setMode(db: Database, mode: MessageSearchMode): Promise<void>
  catchUp(db: Database, limit: number): Promise<number>
  backlog(db: Database): Promise<MessageSearchBacklog>
}

const engineOf = (db: Database): MessageSearchEngine =>
  db.engine === 'postgres' ? postgresEngine : sqliteEngine

/** The database's mode: the one the last store opened with a mode set. */
export async function getMessageSearchMode(db: Database): Promise<MessageSearchMode> {
  const { rows } = await sql<{
    mode: MessageSearchMode
  }>`select mode from message_search_mode where id = 1`.execute(db.kysely)
  return rows[0]?.mode ?? 'immediate'
}

/** Makes `mode` the database's for every process, in one transaction with what follows it. */
export function setMessageSearchMode(db: Database, mode: MessageSearchMode): Promise<void> {
  return engineOf(db).setMode(db, mode)
}

/**
 * Indexes up to `limit` pending messages, oldest first, in one transaction, and returns how many
 * were taken. Processes catching up at once each take their own (PostgreSQL: skip locked;
 * SQLite: one writer at a time), so none is indexed twice; on PostgreSQL a row another
 * transaction holds locked is skipped, so fewer than `limit` does not mean none is left.
 */
export function catchUpMessageSearch(db: Database, limit: number): Promise<number> {
  return engineOf(db).catchUp(db, limit)
}

export function messageSearchBacklog(db: Database): Promise<MessageSearchBacklog> {
  return engineOf(db).backlog(db)
}

const sqliteEngine: MessageSearchEngine = {
  async setMode(db, mode) {
    // The triggers read the mode with every insert: nothing else to change.
    await db.write(() =>
      sql`update message_search_mode set mode = ${mode} where id = 1`.execute(db.kysely),
    )
  },
  catchUp(db, limit) {
    return db.transaction(async (tx) => {
      const { rows } = await sql<{ upto: number | null; n: number }>`
        select max(message_rowid) as upto, count(*) as n from (select message_rowid
          from message_search_pending order by message_rowid limit ${limit})`.execute(tx.kysely)
      const { upto, n } = rows[0]!
      if (upto === null) return 0
      // A pending row whose content became null (none is written so) has nothing to index.
      await sql`insert into messages_fts(rowid, content)
        select m.rowid, m.content from message_search_pending p
          join messages m on m.rowid = p.message_rowid
        where p.message_rowid <= ${upto} and m.content is not null`.execute(tx.kysely)
      await sql`delete from message_search_pending where message_rowid <= ${upto}`.execute(
        tx.kysely,
      )
      return Number(n)
    })
  },
  async backlog(db) {
    // Rowids grow as messages are written, so the smallest pending one is the oldest.
    const { rows } = await sql<{ pending: number; oldest_at: string | null }>`
      select (select count(*) from message_search_pending) as pending,
        (select m.created_at from messages m where m.rowid =
          (select min(message_rowid) from message_search_pending)) as oldest_at`.execute(db.kysely)
    return { pending: Number(rows[0]!.pending), oldest_at: rows[0]!.oldest_at }
  },
}

/** Deferred and off need the trigger that marks each insert pending; immediate must not pay it. */
const marksPending = (mode: MessageSearchMode) => mode !== 'immediate'

const postgresEngine: MessageSearchEngine = {
  setMode(db, mode) {
    return db.transaction(async (tx) => {
      // The row lock orders stores opening at once: the last to commit sets both mode and trigger.
      const { rows } = await sql<{ mode: MessageSearchMode }>`
        select mode from message_search_mode where id = 1 for update`.execute(tx.kysely)
      const before = rows[0]?.mode ?? 'immediate'
      if (before === mode) return
      await sql`update message_search_mode set mode = ${mode} where id = 1`.execute(tx.kysely)
      // Only when it changes: the ALTER waits for appends in flight, and holds new ones meanwhile.
      if (marksPending(before) !== marksPending(mode)) {
        const state = marksPending(mode) ? sql`enable` : sql`disable`
        await sql`alter table messages ${state} trigger messages_search_defer`.execute(tx.kysely)
      }
    })
  },
  async catchUp(db, limit) {
    // messages_search_pending_idx finds the batch; clearing the flag puts each row into the
    // partial GIN index messages_content_search_idx.
    const result = await db.write(() =>
      sql`with batch as (
          select id from messages where search_pending
          order by created_at limit ${limit} for update skip locked)
        update messages m set search_pending = false from batch where m.id = batch.id`.execute(
        db.kysely,
      ),
    )
    return Number(result.numAffectedRows ?? 0)
  },
  async backlog(db) {
    const { rows } = await sql<{ pending: number; oldest_at: string | null }>`
      select count(*) as pending, min(created_at) as oldest_at
      from messages where search_pending`.execute(db.kysely)
    return { pending: Number(rows[0]!.pending), oldest_at: rows[0]!.oldest_at }
  },
}
