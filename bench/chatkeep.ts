import type { Store } from '../src/index.js'
import type { Subject } from './subject.js'

/** Chatkeep through its public API, as an app calls it: scoped to the user (`forUser`). */
export function chatkeepSubject(store: Store): Subject {
  return {
    async append(target, message) {
      const stored = await store
        .forUser(target.user_id)
        .messages.append(target.conversation_id, message)
      return stored.sequence
    },
    lastN: (target, n) => store.forUser(target.user_id).messages.lastN(target.conversation_id, n),
    async listRecent(user_id, n) {
      const page = await store.forUser(user_id).conversations.list({ limit: n })
      return page.data
    },
    close: () => store.close(),
  }
}
