import pg from 'pg'
import { uuid7 } from '../src/lib/uuid7.js'
import type { Baseline, RawAppended } from './subject.js'

/**
 * The raw-driver baseline on PostgreSQL: pg with named (prepared) statements, autocommit,
 * synchronous_commit on. An append is one round trip: a CTE that bumps the conversation's counters
 * (taking its row lock) and inserts the message with the new count as its sequence. `clients`
 * connections, so that W4's concurrent callers each have their own.
 */
export function postgresBaseline(url: string, clients: number): Baseline {
  const pool = new pg.Pool({ connectionString: url, max: clients, options: '-c TimeZone=UTC' })
  // A connection that dies while idle (the database dropped at the end, say) is not an error here.
  pool.on('error', () => {})

  const APPEND = `
    with c as (
      update conversations
         set message_count = message_count + 1, total_tokens = total_tokens + $2::int,
             last_activity = $3::timestamptz, updated_at = $3::timestamptz
       where id = $1::uuid and deleted_at is null and status <> 'closed'
       returning message_count, user_id)
    insert into messages (id, conversation_id, user_id, sequence, parent_id, role, content,
      request_id, tokens_used, model_version, context_documents, metadata, created_at)
    select $4::uuid, $1::uuid, c.user_id, c.message_count, null, $5::text, $6::text, null,
      $2::int, $7::text, '[]'::jsonb, $8::jsonb, $3::timestamptz
      from c
    returning user_id, sequence`
  const LAST = `
    select * from (
      select id, conversation_id, user_id, sequence, parent_id, role, content, request_id,
             tokens_used, model_version, context_documents, metadata, feedback, created_at, deleted_at
        from messages
       where conversation_id = $1::uuid and deleted_at is null
       order by sequence desc limit $2::int) last
    order by sequence asc`
  const RECENT = `
    select * from conversations
     where user_id = $1::uuid and deleted_at is null
     order by last_activity desc, id desc limit $2::int`

  const appendRow = async (
    conversationId: string,
    m: Parameters<Baseline['append']>[1],
  ): Promise<RawAppended> => {
    const now = new Date().toISOString()
    const id = uuid7()
    const result = await pool.query<{ user_id: string; sequence: number }>({
      name: 'bench_append',
      text: APPEND,
      values: [
        conversationId,
        m.tokens_used,
        now,
        id,
        m.role,
        m.content,
        m.model_version,
        JSON.stringify(m.metadata),
      ],
    })
    const row = result.rows[0]
    if (row === undefined) throw new Error(`no open conversation ${conversationId}`)
    return { id, user_id: row.user_id, sequence: row.sequence, created_at: now }
  }

  return {
    append: async (target, m) => (await appendRow(target.conversation_id, m)).sequence,
    appendRow,
    async lastN(target, n) {
      const result = await pool.query({
        name: 'bench_last',
        text: LAST,
        values: [target.conversation_id, n],
      })
      return result.rows
    },
    async listRecent(userId, n) {
      const result = await pool.query({ name: 'bench_recent', text: RECENT, values: [userId, n] })
      return result.rows
    },
    close: () => pool.end(),
  }
}
