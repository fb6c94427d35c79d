import { channel } from 'node:diagnostics_channel'
import type { Database } from '../db/database.js'
import type { Message } from '../schemas/data.js'

/**
 * Appends as they are acknowledged, for observers such as the server's Prometheus counters.
 * A diagnostics channel costs one property read while nobody subscribes, so the library pays
 * nothing for it; a subscriber must not throw.
 */

export interface AppendedEvent {
  /** The database the messages went to: an observer counts the appends of its own store. */
  database: Database
  /** Messages this call stored, after their commit; never the first message a replay returns. */
  messages: readonly Message[]
}

export const appendedChannel = channel('chatkeep:messages:appended')

/**
 * Publishes the messages of `stored` that this call wrote, and returns `stored` as it was. A
 * stored message carries the id its call chose (`rows[i].id`); a replay of an idempotency key
 * answers with the first message, whose id is another, and is not published again.
 */
export function announceAppended(
  database: Database,
  rows: readonly { id: string }[],
  stored: Message[],
): Message[] {
  if (appendedChannel.hasSubscribers) {
    const messages = stored.filter((message, i) => message.id === rows[i]?.id)
    if (messages.length > 0) appendedChannel.publish({ database, messages } as AppendedEvent)
  }
  return stored
}

/** `announceAppended` for one message. */
export function announceAppend(database: Database, row: { id: string }, stored: Message): Message {
  announceAppended(database, [row], [stored])
  return stored
}
