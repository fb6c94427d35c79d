import { sql } from 'kysely'
import type { Database } from '../db/database.js'
import type { RetentionMode, RetentionPolicy } from '../schemas/retention.js'

/**
 * Retention policies as columns: `retention_mode` and `retention_days` on users and on
 * conversations (both null: the next one up decides), the default in a reserved system config.
 */

/** Where the default policy is kept; reserved (a leading `_`), so only this code writes it. */
export const DEFAULT_POLICY_KEY = '_retention.default'

export function decodePolicy(mode: string | null, days: number | null): RetentionPolicy | null {
  if (mode === null) return null
  if (mode === 'keep') return { mode }
  return { mode: mode as Exclude<RetentionMode, 'keep'>, days: Number(days) }
}

export function encodePolicy(policy: RetentionPolicy | null): {
  retention_mode: string | null
  retention_days: number | null
} {
  if (policy === null) return { retention_mode: null, retention_days: null }
  return { retention_mode: policy.mode, retention_days: 'days' in policy ? policy.days : null }
}

const own = (column: string) => sql.ref(`conversations.${column}`)
const users = (column: string) =>
  sql`(select ${sql.ref(`u.${column}`)} from users u where u.id = ${own('user_id')})`

/**
 * The policy a `conversations` row is under, as two SQL expressions: its own, else its user's,
 * else `fallback` (the default). `days` is 0 for `keep`; neither is ever null.
 */
export function effectivePolicy(fallback: RetentionPolicy) {
  const { retention_mode, retention_days } = encodePolicy(fallback)
  return {
    mode: sql<string>`coalesce(${own('retention_mode')}, ${users('retention_mode')}, ${retention_mode})`,
    // The days go with the mode they came with.
    days: sql<number>`(case when ${own('retention_mode')} is not null then coalesce(${own(
      'retention_days',
    )}, 0) when ${users('retention_mode')} is not null then coalesce(${users(
      'retention_days',
    )}, 0) else ${retention_days ?? 0} end)`,
  }
}

/** The distinct policies the conversations are under, to purge each with its own cutoff. */
export async function policiesInUse(
  db: Database,
  fallback: RetentionPolicy,
): Promise<RetentionPolicy[]> {
  const rows = await db.kysely
    .selectFrom('conversations')
    .select(() => {
      const p = effectivePolicy(fallback)
      return [p.mode.as('mode'), p.days.as('days')]
    })
    .distinct()
    .execute()
  return rows
    .map((row) => decodePolicy(row.mode, Number(row.days)))
    .filter((p): p is RetentionPolicy => p !== null)
}

export async function setUserPolicy(
  db: Database,
  user_id: string,
  policy: RetentionPolicy | null,
): Promise<boolean> {
  const result = await db.kysely
    .updateTable('users')
    .set(encodePolicy(policy))
    .where('id', '=', user_id)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

export async function listUserPolicies(
  db: Database,
): Promise<{ user_id: string; username: string; policy: RetentionPolicy }[]> {
  const rows = await db.kysely
    .selectFrom('users')
    .select(['id', 'username', 'retention_mode', 'retention_days'])
    .where('retention_mode', 'is not', null)
    .orderBy('username')
    .execute()
  return rows.map((row) => ({
    user_id: row.id,
    username: row.username,
    policy: decodePolicy(row.retention_mode, row.retention_days)!,
  }))
}
