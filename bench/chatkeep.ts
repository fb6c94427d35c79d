import type { AuditActor, Store } from '../src/index.js'
import type { Subject } from './subject.js'

/**
 * Chatkeep through its public API, as an app calls it: scoped to the user (`forUser`); with
 * `actor` (BENCH_AUDIT_ACTOR), its reads go through `as(actor)` and are audited.
 */
export function chatkeepSubject(store: Store, actor?: AuditActor): Subject {
  const reader = (user_id: string) => {
    const scoped = store.forUser(user_id)
    return actor === undefined ? scoped : scoped.as(actor)
  }
  return {
    async append(target, message) {
      const stored = await store
        .forUser(target.user_id)
        .messages.append(target.conversation_id, message)
      return stored.sequence
    },
    lastN: (target, n) => reader(target.user_id).messages.lastN(target.conversation_id, n),
    async listRecent(user_id, n) {
      const page = await store.forUser(user_id).conversations.list({ limit: n })
      return page.data
    },
    close: () => store.close(),
  }
}
