import { sql } from 'kysely'
import type { Database } from './database.js'

/**
 * The change feed's reads, which differ by engine: what a cursor is, and how events get one.
 * SQLite's writer is alone, so an event's autoincrement id is its cursor from the insert on.
 * PostgreSQL's events get their cursor after commit, from `chatkeep_sequence_events()` (the
 * change-feed migration says why): a reader numbers what is waiting before it reads, so what it
 * committed itself is there to read.
 */

export interface FeedRow {
  cursor: number
  type: string
  user_id: string | null
  conversation_id: string | null
  message_id: string | null
  at: string
  data: unknown
}

export interface FeedQuery {
  after: number
  /** Rows to read: the caller asks for one more than its page to learn whether more follow. */
  limit: number
  /** Only this user's events; null for everyone's. */
  user_id: string | null
  /** Exact types, and prefixes (`message.`) of whole subjects; none of either: every type. */
  types: readonly string[]
  prefixes: readonly string[]
}

const cursorColumn = (db: Database) => sql.ref(db.engine === 'postgres' ? 'cursor' : 'id')

/** PostgreSQL: numbers every committed event still without a cursor. Returns how many. */
export async function sequenceEvents(db: Database): Promise<number> {
  if (db.engine !== 'postgres') return 0
  const { rows } = await sql<{ n: number }>`select chatkeep_sequence_events() as n`.execute(
    db.kysely,
  )
  return Number(rows[0]?.n ?? 0)
}

/** Events after `after` in cursor order, numbered first (PostgreSQL). */
export async function readFeed(db: Database, q: FeedQuery): Promise<FeedRow[]> {
  await sequenceEvents(db)
  const cursor = cursorColumn(db)
  const filters = [sql`${cursor} > ${q.after}`]
  if (db.engine === 'postgres') filters.push(sql`cursor is not null`)
  if (q.user_id !== null) filters.push(sql`user_id = ${q.user_id}`)
  const kinds = [
    ...(q.types.length > 0 ? [sql`type in (${sql.join(q.types)})`] : []),
    ...q.prefixes.map((p) => sql`type like ${`${p}%`}`),
  ]
  if (kinds.length > 0) filters.push(sql`(${sql.join(kinds, sql` or `)})`)
  const { rows } = await sql<FeedRow>`select ${cursor} as cursor, type, user_id,
      conversation_id, message_id, at, data
    from events where ${sql.join(filters, sql` and `)}
    order by ${cursor} limit ${q.limit}`.execute(db.kysely)
  return rows
}

/** The newest cursor handed out so far (0 for an empty feed): a new reader may start there. */
export async function feedHead(db: Database): Promise<number> {
  await sequenceEvents(db)
  const { rows } = await (
    db.engine === 'postgres'
      ? sql<{ head: number }>`select head from event_feed where id = 1`
      : // A purge may have emptied the table; what it removed was handed out too.
        sql<{ head: number }>`select max(coalesce((select max(id) from events), 0),
          purged_through) as head from event_feed where id = 1`
  ).execute(db.kysely)
  return Number(rows[0]?.head ?? 0)
}

/** The highest cursor the purge removed: a reader behind it has missed events. */
export async function purgedThrough(db: Database): Promise<number> {
  const row = await db.kysely
    .selectFrom('event_feed')
    .select('purged_through')
    .where('id', '=', 1)
    .executeTakeFirstOrThrow()
  return Number(row.purged_through)
}

/** How many events are older than `before` (what a purge at that time removes, about). */
export async function countEventsBefore(db: Database, before: string): Promise<number> {
  const row = await db.kysely
    .selectFrom('events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('at', '<', before)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/**
 * Removes the events before `before`, as a prefix of the feed: everything up to the newest
 * cursor older than that, so that `purged_through` splits what is gone from what is kept.
 * Returns how many went.
 */
export async function purgeEvents(db: Database, before: string): Promise<number> {
  await sequenceEvents(db)
  const cursor = cursorColumn(db)
  return db.transaction(async (tx) => {
    const { rows } = await sql<{ last: number | null }>`select max(${cursor}) as last
      from events where at < ${before}`.execute(tx.kysely)
    const last = rows[0]?.last
    if (last === null || last === undefined) return 0
    const result = await sql`delete from events where ${cursor} <= ${last}`.execute(tx.kysely)
    await sql`update event_feed set purged_through = ${last}
      where id = 1 and purged_through < ${last}`.execute(tx.kysely)
    return Number(result.numAffectedRows ?? 0)
  })
}
