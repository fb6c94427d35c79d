// Cursor-paged lists as async iterators: the next page is asked for only when the loop gets to
// it, and breaking out of the loop asks for nothing more.

/** One page of a list and the cursor to pass as `after` for the next, null on the last. */
export interface Paged<T> {
  data: T[]
  has_more: boolean
  cursor: string | null
}

/**
 * Every item from the page `after` the given cursor on (from the start without one), in the
 * list's order.
 * @example
 * for await (const c of client.conversations.iterate({ limit: 50 })) console.log(c.title)
 */
export async function* iteratePages<T>(
  page: (after: string | undefined) => Promise<Paged<T>>,
  after?: string,
): AsyncGenerator<T, void, undefined> {
  let cursor = after
  for (;;) {
    const { data, has_more, cursor: next } = await page(cursor)
    yield* data
    if (!has_more || next === null || data.length === 0) return
    cursor = next
  }
}
