import { sql } from 'kysely'
import { encodeJson } from '../db/codec.js'
import type { Database } from '../db/database.js'
import type { UsageGroup, UsageQuota } from '../schemas/usage.js'

/**
 * Token usage read from messages (soft-deleted ones count: their tokens were spent), and users'
 * own quotas, kept as JSON in `users.quota`; the default quota is a reserved system config.
 */

/** Where the default quota is kept; reserved (a leading `_`), so only this code writes it. */
export const DEFAULT_QUOTA_KEY = '_usage.default_quota'

/** One model's tokens within one group of a report, or one period of a user's usage. */
export interface ModelTokens {
  model_version: string | null
  messages: number
  prompt_tokens: number
  completion_tokens: number
  tokens_used: number
}

const sums = [
  sql<string>`count(*)`.as('messages'),
  sql<string>`coalesce(sum(prompt_tokens), 0)`.as('prompt_tokens'),
  sql<string>`coalesce(sum(completion_tokens), 0)`.as('completion_tokens'),
  sql<string>`coalesce(sum(tokens_used), 0)`.as('tokens_used'),
]

const counted = (row: {
  model_version: string | null
  messages: unknown
  prompt_tokens: unknown
  completion_tokens: unknown
  tokens_used: unknown
}): ModelTokens => ({
  model_version: row.model_version,
  messages: Number(row.messages),
  prompt_tokens: Number(row.prompt_tokens),
  completion_tokens: Number(row.completion_tokens),
  tokens_used: Number(row.tokens_used),
})

/** Tokens per model within each group (a user, a model or a UTC day), created in [since, until). */
export async function usageByGroup(
  db: Database,
  query: { group_by: UsageGroup; since: string; until: string; user_id: string | null },
): Promise<(ModelTokens & { key: string | null })[]> {
  const key =
    query.group_by === 'user'
      ? sql<string | null>`user_id`
      : query.group_by === 'model'
        ? sql<string | null>`model_version`
        : db.dialect.bucketStart('day', 'created_at')
  let q = db.kysely
    .selectFrom('messages')
    .select([key.as('key'), 'model_version', ...sums])
    .where('created_at', '>=', query.since)
    .where('created_at', '<', query.until)
  if (query.user_id !== null) q = q.where('user_id', '=', query.user_id)
  const rows = await q.groupBy([key, 'model_version']).execute()
  return rows.map((row) => ({
    ...counted(row),
    // A day bucket's start as ISO-8601 text: its first ten characters are the date.
    key: query.group_by === 'day' ? String(row.key).slice(0, 10) : row.key,
  }))
}

/** A user's tokens per model since the month began, and which of them fell on today. */
export async function userPeriodUsage(
  db: Database,
  user_id: string,
  month_start: string,
  day_start: string,
): Promise<(ModelTokens & { today: boolean })[]> {
  const today = sql<number>`case when created_at >= ${day_start} then 1 else 0 end`
  const rows = await db.kysely
    .selectFrom('messages')
    .select([today.as('today'), 'model_version', ...sums])
    .where('user_id', '=', user_id)
    .where('created_at', '>=', month_start)
    // By position: PostgreSQL would not match the CASE here to the one selected, as each binds its own parameter.
    .groupBy([sql`1`, sql`2`])
    .execute()
  return rows.map((row) => ({ ...counted(row), today: Number(row.today) === 1 }))
}

export async function usernamesOf(db: Database, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map()
  const rows = await db.kysely
    .selectFrom('users')
    .select(['id', 'username'])
    .where('id', 'in', ids)
    .execute()
  return new Map(rows.map((row) => [row.id, row.username]))
}

export async function getUserQuota(
  db: Database,
  user_id: string,
): Promise<{ quota: UsageQuota | null } | undefined> {
  const row = await db.kysely
    .selectFrom('users')
    .select('quota')
    .where('id', '=', user_id)
    .executeTakeFirst()
  return row === undefined ? undefined : { quota: db.codec.json<UsageQuota | null>(row.quota) }
}

export async function setUserQuota(
  db: Database,
  user_id: string,
  quota: UsageQuota | null,
): Promise<boolean> {
  const result = await db.kysely
    .updateTable('users')
    .set({ quota: quota === null ? null : encodeJson(quota) })
    .where('id', '=', user_id)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

export async function listUserQuotas(
  db: Database,
): Promise<{ user_id: string; username: string; quota: UsageQuota }[]> {
  const rows = await db.kysely
    .selectFrom('users')
    .select(['id', 'username', 'quota'])
    .where('quota', 'is not', null)
    .execute()
  return rows
    .map((row) => ({
      user_id: row.id,
      username: row.username,
      quota: db.codec.json<UsageQuota>(row.quota),
    }))
    .sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0))
}

/** Whether any user has a quota of their own: while none has, appends skip the quota check. */
export async function anyUserQuota(db: Database): Promise<boolean> {
  const row = await db.kysely
    .selectFrom('users')
    .select('id')
    .where('quota', 'is not', null)
    .limit(1)
    .executeTakeFirst()
  return row !== undefined
}
