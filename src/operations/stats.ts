import { type Static, Type } from '@sinclair/typebox'
import { sql } from 'kysely'
import type { Database } from '../db/database.js'
import { TABLES } from '../db/schema.js'
import { ChatkeepError } from '../errors.js'
import { getSystemConfig } from '../repositories/system-configs.js'
import { usageByGroup } from '../repositories/usage.js'
import { EARLIEST_TIME, LATEST_TIME } from '../schemas/date-time.js'
import { readMessageSearchStatus } from '../services/message-search-index.js'
import { costOf, type Prices, PRICES_KEY, roundCost } from '../services/pricing.js'
import { STATS_LIMITS } from './defaults.js'

export { STATS_LIMITS }

/**
 * What `chatkeep stats` and `GET /v1/admin/stats` report, from this one module. Activity figures
 * (per day, per model, per user) count every stored message, soft-deleted ones too: they were
 * written and their tokens spent, and they take space until `chatkeep cleanup` purges them.
 * Days are UTC days on both engines.
 */

const Count = Type.Integer({ minimum: 0 })

const TopUserSchema = Type.Object({
  user_id: Type.String(),
  username: Type.String(),
  messages: Count,
  tokens: Count,
})

export const StatsSchema = Type.Object(
  {
    engine: Type.Union([Type.Literal('sqlite'), Type.Literal('postgres')]),
    generated_at: Type.String({ format: 'date-time' }),
    database_size_bytes: Type.Integer({
      minimum: 0,
      description:
        'SQLite: the file (page_count × page_size) plus its WAL; PostgreSQL: pg_database_size.',
    }),
    tables: Type.Object(
      Object.fromEntries(TABLES.map((table) => [table, Count])) as Record<
        (typeof TABLES)[number],
        typeof Count
      >,
      { description: 'Rows per table, soft-deleted ones included.' },
    ),
    soft_deleted: Type.Object(
      { conversations: Count, messages: Count, documents: Count },
      { description: 'Rows soft-deleted and not yet purged.' },
    ),
    feedback: Type.Object(
      {
        up: Count,
        down: Count,
        with_reason: Count,
      },
      {
        description:
          'Messages rated thumbs up (1) and down (-1), and how many of those came with a reason.',
      },
    ),
    days: Type.Integer({ minimum: 1 }),
    messages_per_day: Type.Array(
      Type.Object({ day: Type.String({ format: 'date' }), messages: Count, tokens: Count }),
      { description: 'One entry per UTC day, oldest first, the last being today; zeros included.' },
    ),
    tokens_per_model: Type.Array(
      Type.Object({
        model_version: Type.Union([Type.String(), Type.Null()]),
        messages: Count,
        tokens: Count,
        prompt_tokens: Count,
        completion_tokens: Count,
        cost: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], {
          description:
            'By the price table (`llm.model_prices`); null for a model it has no price for.',
        }),
      }),
      { description: 'All time, most tokens first; null gathers messages without a model.' },
    ),
    top: Type.Integer({ minimum: 1 }),
    top_users: Type.Object({
      by_messages: Type.Array(TopUserSchema),
      by_tokens: Type.Array(TopUserSchema),
    }),
    message_search: Type.Object(
      {
        mode: Type.Union([
          Type.Literal('immediate'),
          Type.Literal('deferred'),
          Type.Literal('off'),
        ]),
        lag_messages: Count,
        lag_ms: Count,
      },
      {
        description:
          'Full-text indexing of messages (MESSAGE_SEARCH): the mode, the messages written and not yet indexed, and the age of the oldest of them in milliseconds.',
      },
    ),
  },
  { $id: 'Stats', title: 'Stats' },
)

export type Stats = Static<typeof StatsSchema>

export interface StatsOptions {
  /** UTC days of messages_per_day, ending today: 1 to 366, default 30. */
  days?: number | undefined
  /** Users in each top list: 1 to 100, default 10. */
  top?: number | undefined
  /** The clock; tests set it. */
  now?: Date | undefined
}

const DAY_MS = 86_400_000

/**
 * @example
 * const stats = await collectStats(store.database, { days: 7, top: 5 })
 * stats.tables.messages
 */
export async function collectStats(db: Database, options: StatsOptions = {}): Promise<Stats> {
  const days = bounded(options.days, 'days')
  const top = bounded(options.top, 'top')
  const now = options.now ?? new Date()
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())
  const first = today - (days - 1) * DAY_MS
  const [
    tables,
    soft_deleted,
    feedback,
    database_size_bytes,
    perDay,
    tokens_per_model,
    byMessages,
    byTokens,
    message_search,
  ] = await Promise.all([
    tableCounts(db),
    softDeletedCounts(db),
    feedbackCounts(db),
    db.sizeOnDisk(),
    messagesPerDay(db, new Date(first).toISOString(), new Date(today + DAY_MS).toISOString()),
    tokensPerModel(db),
    topUsers(db, 'messages', top),
    topUsers(db, 'tokens', top),
    readMessageSearchStatus(db, undefined, now),
  ])
  const messages_per_day = Array.from({ length: days }, (_, i) => {
    const day = new Date(first + i * DAY_MS).toISOString().slice(0, 10)
    return { day, messages: 0, tokens: 0, ...perDay.get(day) }
  })
  return {
    engine: db.engine,
    generated_at: now.toISOString(),
    database_size_bytes,
    tables,
    soft_deleted,
    feedback,
    days,
    messages_per_day,
    tokens_per_model,
    top,
    top_users: { by_messages: byMessages, by_tokens: byTokens },
    message_search,
  }
}

function bounded(value: number | undefined, field: keyof typeof STATS_LIMITS): number {
  const { min, max, default: fallback } = STATS_LIMITS[field]
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ChatkeepError(
      'validation_failed',
      `/${field}: must be a whole number from ${min} to ${max}; got ${value}.`,
      { field: `/${field}` },
    )
  }
  return value
}

/** A count or sum as a number: PostgreSQL's sum of a bigint is numeric, which arrives as text. */
const num = (value: unknown): number => Number(value ?? 0)

async function tableCounts(db: Database): Promise<Stats['tables']> {
  const columns = TABLES.map(
    (table) => sql`(select count(*) from ${sql.table(table)}) as ${sql.ref(table)}`,
  )
  const { rows } = await sql<Record<string, unknown>>`select ${sql.join(columns)}`.execute(
    db.kysely,
  )
  return Object.fromEntries(TABLES.map((table) => [table, num(rows[0]![table])])) as Stats['tables']
}

async function softDeletedCounts(db: Database): Promise<Stats['soft_deleted']> {
  const tables = ['conversations', 'messages', 'documents'] as const
  const columns = tables.map(
    (table) =>
      sql`(select count(*) from ${sql.table(table)} where deleted_at is not null) as ${sql.ref(table)}`,
  )
  const { rows } = await sql<Record<string, unknown>>`select ${sql.join(columns)}`.execute(
    db.kysely,
  )
  const row = rows[0]!
  return {
    conversations: num(row.conversations),
    messages: num(row.messages),
    documents: num(row.documents),
  }
}

/** Walks messages_feedback_idx: only rated messages are in it. */
async function feedbackCounts(db: Database): Promise<Stats['feedback']> {
  const { rows } = await sql<Record<string, unknown>>`select
      count(*) filter (where feedback = 1) as up,
      count(*) filter (where feedback = -1) as down,
      count(*) filter (where feedback_reason is not null) as with_reason
    from messages where feedback is not null`.execute(db.kysely)
  const row = rows[0]!
  return { up: num(row.up), down: num(row.down), with_reason: num(row.with_reason) }
}

async function messagesPerDay(
  db: Database,
  from: string,
  until: string,
): Promise<Map<string, { messages: number; tokens: number }>> {
  const day = db.dialect.bucketStart('day', 'created_at')
  const rows = await db.kysely
    .selectFrom('messages')
    .select((eb) => [
      day.as('day'),
      eb.fn.countAll().as('messages'),
      eb.fn.sum('tokens_used').as('tokens'),
    ])
    .where('created_at', '>=', from)
    .where('created_at', '<', until)
    .groupBy(day)
    .execute()
  // The day's start as ISO-8601 text: its first ten characters are the date.
  return new Map(
    rows.map((r) => [r.day.slice(0, 10), { messages: num(r.messages), tokens: num(r.tokens) }]),
  )
}

async function tokensPerModel(db: Database): Promise<Stats['tokens_per_model']> {
  const [rows, config] = await Promise.all([
    usageByGroup(db, {
      group_by: 'model',
      since: EARLIEST_TIME,
      until: LATEST_TIME,
      user_id: null,
    }),
    getSystemConfig(db, PRICES_KEY),
  ])
  const prices = config === undefined ? {} : db.codec.json<Prices>(config.value)
  // Sorted here, not in SQL: text collation differs between the engines, code units do not.
  return rows
    .map((r) => {
      const priced = r.model_version !== null && Object.hasOwn(prices, r.model_version)
      return {
        model_version: r.model_version,
        messages: r.messages,
        tokens: r.tokens_used,
        prompt_tokens: r.prompt_tokens,
        completion_tokens: r.completion_tokens,
        cost: priced ? roundCost(costOf(r, prices).cost) : null,
      }
    })
    .sort(
      (a, b) =>
        b.tokens - a.tokens ||
        b.messages - a.messages ||
        compareNullsLast(a.model_version, b.model_version),
    )
}

function compareNullsLast(a: string | null, b: string | null): number {
  if (a === b) return 0
  if (a === null) return 1
  if (b === null) return -1
  return a < b ? -1 : 1
}

/** Ties go by user id, which orders the same on both engines (lowercase hex, UUID or text). */
async function topUsers(
  db: Database,
  by: 'messages' | 'tokens',
  limit: number,
): Promise<Stats['top_users']['by_messages']> {
  const rows = await db.kysely
    .selectFrom('messages')
    .innerJoin('users', 'users.id', 'messages.user_id')
    .select((eb) => [
      'messages.user_id',
      'users.username',
      eb.fn.countAll().as('messages'),
      eb.fn.coalesce(eb.fn.sum('messages.tokens_used'), sql.lit(0)).as('tokens'),
    ])
    .groupBy(['messages.user_id', 'users.username'])
    .orderBy(by === 'messages' ? 'messages' : 'tokens', 'desc')
    .orderBy(by === 'messages' ? 'tokens' : 'messages', 'desc')
    .orderBy('messages.user_id')
    .limit(limit)
    .execute()
  return rows.map((r) => ({
    user_id: r.user_id,
    username: r.username,
    messages: num(r.messages),
    tokens: num(r.tokens),
  }))
}
