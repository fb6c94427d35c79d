import { type SelectQueryBuilder, sql } from 'kysely'

export interface IdCursor {
  limit: number
  after?: string | undefined
  before?: string | undefined
}

/**
 * Keyset pagination on `id` (UUIDv7, so id order is creation order): the page after `after` or
 * before `before`, limit + 1 rows so the caller can tell whether there is more. With `before`
 * the rows come in the opposite order, for `toPage` to turn around.
 */
export function pageById<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  cursor: IdCursor,
  order: 'newest_first' | 'oldest_first',
): SelectQueryBuilder<DB, TB, O> {
  const id = sql.ref('id')
  const forward = order === 'oldest_first' ? ('>' as const) : ('<' as const)
  const backward = forward === '>' ? ('<' as const) : ('>' as const)
  let q = query
  if (cursor.after !== undefined) q = q.where(id, forward, cursor.after)
  if (cursor.before !== undefined) q = q.where(id, backward, cursor.before)
  const ascending = (order === 'oldest_first') !== (cursor.before !== undefined)
  return q.orderBy(id, ascending ? 'asc' : 'desc').limit(cursor.limit + 1)
}
