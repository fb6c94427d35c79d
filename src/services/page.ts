import { ChatkeepError } from '../errors.js'
import { isUuid } from '../lib/uuid7.js'
import type { Page } from '../schemas/data.js'

/**
 * A cursor is the id of an item of the list: `after` or `before`, not both. A malformed one is
 * refused here, the same on both engines, before PostgreSQL can choke on it as a uuid.
 */
export function checkCursors(
  cursors: { after?: string | undefined; before?: string | undefined },
  item: string,
): void {
  if (cursors.after !== undefined && cursors.before !== undefined) {
    throw new ChatkeepError('validation_failed', '/before: give after or before, not both.', {
      field: '/before',
    })
  }
  for (const field of ['after', 'before'] as const) {
    const cursor = cursors[field]
    if (cursor !== undefined && !isUuid(cursor)) {
      throw new ChatkeepError('validation_failed', `/${field}: must be the id of a ${item}.`, {
        field: `/${field}`,
      })
    }
  }
}

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
