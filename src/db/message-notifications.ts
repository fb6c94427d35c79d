import type { Database } from './database.js'
import { listen, type Listener, notify } from './notifications.js'

/**
 * Wake-ups for followers of live replies: a checkpoint's transaction names the messages it
 * changed, and every instance's followers of them look again.
 */

const CHANNEL = 'chatkeep_messages'
/** NOTIFY payloads stop at 8000 bytes: 37 bytes per id, 200 ids to a notification. */
const IDS_PER_NOTIFY = 200

/** Within a write transaction: tells every listening instance these messages changed. */
export async function notifyMessagesChanged(db: Database, ids: readonly string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += IDS_PER_NOTIFY) {
    await notify(db, CHANNEL, ids.slice(i, i + IDS_PER_NOTIFY).join(','))
  }
}

/** Calls `changed` with the ids of every notification; null on an engine without them. */
export function listenForMessageChanges(
  db: Database,
  changed: (ids: string[]) => void,
): Listener | null {
  return listen(db, CHANNEL, (payload) => {
    if (payload !== '') changed(payload.split(','))
  })
}
