import type { Database } from './database.js'
import { listen, type Listener } from './notifications.js'

/** The channel `chatkeep_sequence_events()` notifies when it has numbered new events. */
const CHANNEL = 'chatkeep_events'

/**
 * Calls `wake` whenever any instance numbers new events of the feed; null on an engine without
 * notifications (followers poll as well, so a notification only makes them quicker).
 */
export function listenForEvents(db: Database, wake: () => void): Listener | null {
  return listen(db, CHANNEL, wake)
}
