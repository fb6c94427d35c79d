import BetterSqlite3 from 'better-sqlite3'
import { uuid7 } from '../src/lib/uuid7.js'
import type { Baseline, RawAppended, Subject } from './subject.js'

/**
 * The raw-driver baseline on SQLite: better-sqlite3 prepared statements on its own connection to
 * the same file, WAL, the given `synchronous`, foreign keys on (as Chatkeep has them). An append is
 * one BEGIN IMMEDIATE transaction: bump the conversation's counters returning the new count, then
 * insert the message with that sequence. Reads decode the JSON columns, as Chatkeep's do.
 */
export function sqliteBaseline(path: string, synchronous: string): Baseline {
  const db = new BetterSqlite3(path, { timeout: 5000 })
  db.pragma('journal_mode = WAL')
  db.pragma(`synchronous = ${synchronous}`)
  db.pragma('foreign_keys = ON')

  const bump = db.prepare<
    [number, string, string, string],
    { message_count: number; user_id: string }
  >(
    `update conversations
        set message_count = message_count + 1, total_tokens = total_tokens + ?,
            last_activity = ?, updated_at = ?
      where id = ? and deleted_at is null and status <> 'closed'
      returning message_count, user_id`,
  )
  const insert = db.prepare(
    `insert into messages (id, conversation_id, user_id, sequence, parent_id, role, content,
       request_id, tokens_used, model_version, context_documents, metadata, created_at)
     values (?, ?, ?, ?, null, ?, ?, null, ?, ?, '[]', ?, ?)`,
  )
  const last = db.prepare<[string, number], Record<string, unknown>>(
    `select * from (
       select id, conversation_id, user_id, sequence, parent_id, role, content, request_id,
              tokens_used, model_version, context_documents, metadata, feedback, created_at, deleted_at
         from messages
        where conversation_id = ? and deleted_at is null
        order by sequence desc limit ?)
     order by sequence asc`,
  )
  const recent = db.prepare<[string, number], Record<string, unknown>>(
    `select * from conversations
      where user_id = ? and deleted_at is null
      order by last_activity desc, id desc limit ?`,
  )

  const append = db.transaction(
    (conversationId: string, m: Parameters<Subject['append']>[1]): RawAppended => {
      const now = new Date().toISOString()
      const c = bump.get(m.tokens_used, now, now, conversationId)
      if (c === undefined) throw new Error(`no open conversation ${conversationId}`)
      const id = uuid7()
      insert.run(
        id,
        conversationId,
        c.user_id,
        c.message_count,
        m.role,
        m.content,
        m.tokens_used,
        m.model_version,
        JSON.stringify(m.metadata),
        now,
      )
      return { id, user_id: c.user_id, sequence: c.message_count, created_at: now }
    },
  )

  return {
    append: async (target, m) => append.immediate(target.conversation_id, m).sequence,
    appendRow: async (conversationId, m) => append.immediate(conversationId, m),
    lastN: async (target, n) =>
      last.all(target.conversation_id, n).map((row) => ({
        ...row,
        context_documents: JSON.parse(row.context_documents as string),
        metadata: JSON.parse(row.metadata as string),
      })),
    listRecent: async (userId, n) =>
      recent.all(userId, n).map((row) => ({
        ...row,
        parameters: JSON.parse(row.parameters as string),
        metadata: JSON.parse(row.metadata as string),
      })),
    close: async () => {
      db.close()
    },
  }
}
