import type { Insertable } from 'kysely'
import { encodeJson } from '../db/codec.js'
import type { Database } from '../db/database.js'
import type { EventsTable } from '../db/schema.js'
import type { EventType } from '../schemas/events.js'

export type NewEventRow = Insertable<EventsTable>

/** What a change is about; the ids it leaves out are null. */
export interface EventSubject {
  user_id: string | null
  conversation_id?: string | null
  message_id?: string | null
}

/** One event of the feed, ready to insert in the transaction of the change it records. */
export function eventRow(
  type: EventType,
  subject: EventSubject,
  data: Record<string, unknown>,
  at: string = new Date().toISOString(),
): NewEventRow {
  return {
    type,
    user_id: subject.user_id,
    conversation_id: subject.conversation_id ?? null,
    message_id: subject.message_id ?? null,
    at,
    data: encodeJson(data),
  }
}

/**
 * Writes events into the outbox; call it on the transaction's handle of the change, so that
 * both commit together or neither does.
 */
export async function insertEvents(db: Database, rows: NewEventRow | NewEventRow[]): Promise<void> {
  if (Array.isArray(rows) && rows.length === 0) return
  await db.kysely.insertInto('events').values(rows).execute()
}

/** Deleting a user removes what is theirs, their events too. */
export async function deleteUserEvents(db: Database, userId: string): Promise<void> {
  await db.kysely.deleteFrom('events').where('user_id', '=', userId).execute()
}
