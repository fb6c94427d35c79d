import type { Page } from '../schemas/data.js'

/**
 * Turns limit + 1 rows into a page. Rows fetched for `before` arrive in reverse; they are put
 * back in the list's order here.
 */
export function toPage<R, T extends { id: string }>(
  rows: R[],
  limit: number,
  backwards: boolean,
  decode: (row: R) => T,
): Page<T> {
  const has_more = rows.length > limit
  const kept = has_more ? rows.slice(0, limit) : rows
  if (backwards) kept.reverse()
  const data = kept.map(decode)
  return { data, has_more, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null }
}
