import { type FeedRow, purgedThrough, readFeed } from '../db/event-feed.js'
import type { Database } from '../db/database.js'
import { ChatkeepError } from '../errors.js'
import type { Owner } from '../repositories/conversations.js'
import {
  type ChangeEvent,
  type EventListOptions,
  EventListSchema,
  type EventPage,
  type EventType,
} from '../schemas/events.js'
import { LIMITS } from '../schemas/limits.js'
import { validator } from '../schemas/validate.js'

const validateList = validator(EventListSchema)

/**
 * The change feed (`store.events`): every change of conversations, messages, documents and
 * users, in the order the changes committed. A user's store reads that user's events, the
 * root store everyone's.
 */
export class EventService {
  constructor(
    private readonly db: Database,
    private readonly owner: Owner,
  ) {}

  /**
   * Events after the cursor `after`, oldest first. Once a reader has seen a cursor it never
   * later finds an event at or below it, so `next_cursor` is all it needs to keep. A cursor
   * whose events the retention purge removed fails with `cursor_expired`.
   * @example
   * let cursor = '0'
   * const page = await store.events.list({ after: cursor, types: ['message.*'] })
   * cursor = page.next_cursor
   */
  async list(options: EventListOptions = {}): Promise<EventPage> {
    const data = validateList(options)
    const after = Number(data.after ?? '0')
    const limit = data.limit ?? LIMITS.default_page
    const types = data.types ?? []
    const rows = await readFeed(this.db, {
      after,
      limit: limit + 1,
      user_id: this.owner,
      types: types.filter((t) => !t.endsWith('.*')),
      prefixes: types.filter((t) => t.endsWith('.*')).map((t) => t.slice(0, -1)),
    })
    // Read after the events: a purge that ran before the read is seen here.
    if (data.after !== undefined && after < (await purgedThrough(this.db))) {
      throw cursorExpired(data.after)
    }
    const page = rows.slice(0, limit).map((row) => this.decode(row))
    return {
      data: page,
      has_more: rows.length > limit,
      next_cursor: page.at(-1)?.cursor ?? String(after),
    }
  }

  private decode(row: FeedRow): ChangeEvent {
    return {
      cursor: String(row.cursor),
      type: row.type as EventType,
      user_id: row.user_id,
      conversation_id: row.conversation_id,
      message_id: row.message_id,
      at: row.at,
      data: this.db.codec.json(row.data),
    }
  }
}

const cursorExpired = (cursor: string) =>
  new ChatkeepError(
    'cursor_expired',
    `Cursor ${cursor} is older than the events kept (EVENTS_RETENTION_DAYS); events after it ` +
      'were purged. Read the current state again, then follow the feed from a new cursor.',
    { field: '/after' },
  )
