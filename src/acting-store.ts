// `store.as(actor)`: the store seen by one actor, whose reads of content are audited.
import { ChatkeepError } from './errors.js'
import type { Page } from './schemas/data.js'
import {
  type AuditActor,
  auditInput,
  type AuditService,
  type AuditTarget,
} from './services/audit.js'
import type { ScopedStore, Store } from './store.js'

/** What one read is on record as: its action, target and details (those of the HTTP routes). */
interface ReadRow {
  action: string
  target: AuditTarget | null
  details: Record<string, unknown>
}

/** For a read method: the row its call and result make. */
type ReadOf = (args: readonly unknown[], result: never) => ReadRow

type Record_ = (row: ReadRow) => Promise<unknown>

const conversation = (id: unknown): AuditTarget => ({ type: 'conversation', id: String(id) })
const count = (result: { data: unknown[] } | unknown[]) =>
  Array.isArray(result) ? result.length : result.data.length
const messagesRead = (args: readonly unknown[], result: Page<unknown> | unknown[]): ReadRow => ({
  action: 'messages.read',
  target: conversation(args[0]),
  details: { messages: count(result) },
})

/** Every method of the message service that hands out message content. */
const MESSAGE_READS: Record<string, ReadOf> = {
  get: (_args, m: { id: string; conversation_id: string }) => ({
    action: 'message.read',
    target: { type: 'message', id: m.id },
    details: { conversation_id: m.conversation_id },
  }),
  list: messagesRead,
  lastN: messagesRead,
  lastPage: messagesRead,
  path: messagesRead,
  siblings: (args, result: unknown[]) => ({
    action: 'messages.read',
    target: { type: 'message', id: String(args[0]) },
    details: { siblings: result.length },
  }),
  getByRequestId: (args, m: { id: string }) => ({
    action: 'message.read',
    target: { type: 'message', id: m.id },
    details: { conversation_id: String(args[0]) },
  }),
  listBySource: (args, page: Page<unknown>) => ({
    action: 'messages.read',
    target: null,
    details: { source: args[0], messages: page.data.length },
  }),
  listFeedback: (_args, page: Page<unknown>) => ({
    action: 'messages.read',
    target: null,
    details: { feedback: true, messages: page.data.length },
  }),
  context: (args, window: { messages: unknown[] }) => ({
    action: 'conversation.context',
    target: conversation(args[0]),
    details: { messages: window.messages.length },
  }),
}

const CONVERSATION_READS: Record<string, ReadOf> = {
  get: (_args, c: { id: string; user_id: string }) => ({
    action: 'conversation.read',
    target: conversation(c.id),
    details: { owner_id: c.user_id },
  }),
}

const SEARCH_READS: Record<string, ReadOf> = {
  search: (args, page: Page<unknown>) => ({
    action: 'search.read',
    target: null,
    details: { scope: (args[0] as { scope?: string }).scope ?? 'messages', hits: page.data.length },
  }),
  similar: (_args, result: Page<unknown>) => ({
    action: 'search.similar',
    target: null,
    details: { hits: result.data.length },
  }),
  similarMessages: (_args, result: Page<unknown>) => ({
    action: 'search.similar_messages',
    target: null,
    details: { hits: result.data.length },
  }),
}

const TRANSCRIPT_READS: Record<string, ReadOf> = {
  read: (_args, file: { transcript: { id: string } }) => ({
    action: 'transcript.download',
    target: { type: 'transcript', id: file.transcript.id },
    details: {},
  }),
  render: (
    _args,
    done: { conversation: { id: string }; format: string; message_count: number },
  ) => ({
    action: 'conversation.export',
    target: conversation(done.conversation.id),
    details: { format: done.format, messages: done.message_count, stored: false },
  }),
}

const AUDIT_READS: Record<string, ReadOf> = {
  list: (args, page: Page<unknown>) => ({
    action: 'audit.read',
    target: null,
    details: { query: args[0] ?? {}, events: page.data.length },
  }),
  verify: (_args, report: { ok: boolean; sealed: number }) => ({
    action: 'audit.verify',
    target: null,
    details: { ok: report.ok, sealed: report.sealed },
  }),
}

/**
 * `service`, with each read in `reads` audited once it has answered: its row commits (in a group
 * with other reads, `recordRead`) before the result is handed back, so no read returns
 * unrecorded, and a row that cannot be written fails the read. Every other method is the
 * service's own, bound to it (its private fields need the real `this`).
 */
function audited<T extends object>(service: T, reads: Record<string, ReadOf>, record: Record_): T {
  return new Proxy(service, {
    get(target, key) {
      // The service itself as `this`: a getter or a method of its reads private fields.
      const value: unknown = Reflect.get(target, key)
      if (typeof value !== 'function') return value
      const method = value as (...args: unknown[]) => unknown
      const read = typeof key === 'string' && Object.hasOwn(reads, key) ? reads[key] : undefined
      if (read === undefined) return method.bind(target)
      return async (...args: unknown[]) => {
        const result = await method.apply(target, args)
        await record(read(args, result as never))
        return result
      }
    },
  })
}

/**
 * The message service with `follow` (a live reply's stream) audited once the stream has its first
 * event (the message found and the caller's) and before that event is handed out, as
 * `GET /v1/messages/{id}/stream` is: a stream may never end, so its row cannot wait for the end.
 */
function auditedMessages<T extends object>(service: T, record: Record_): T {
  const messages = audited(service, MESSAGE_READS, record)
  type Follow = (id: string, options?: { after?: unknown }) => AsyncGenerator<unknown, void>
  const follow = (service as unknown as { follow: Follow }).follow.bind(service)
  return new Proxy(messages, {
    get(target, key, receiver) {
      if (key !== 'follow') return Reflect.get(target, key, receiver)
      return async function* (id: string, options?: { after?: unknown }) {
        const events = follow(id, options)
        try {
          const first = await events.next()
          await record({
            action: 'message.stream',
            target: { type: 'message', id },
            details: { after: options?.after ?? null },
          })
          if (first.done === true) return
          yield first.value
          yield* events
        } finally {
          await events.return()
        }
      }
    },
  })
}

function checkActor(actor: AuditActor): void {
  if (
    typeof actor !== 'object' ||
    actor === null ||
    typeof actor.via !== 'string' ||
    actor.via === ''
  ) {
    throw new ChatkeepError(
      'validation_failed',
      "/via: an actor names where it acts from, e.g. { via: 'support-console' }.",
      { field: '/via' },
    )
  }
}

const recorder =
  (audit: AuditService, actor: AuditActor): Record_ =>
  (row) =>
    audit.recordRead(auditInput(row.action, actor, row.target, row.details))

/**
 * The store as `actor` sees it: the same API, and every read of content (messages, the context
 * window, search, live streams, transcripts, exports, the audit log) writes an audit row naming
 * the actor, as the server writes for its callers. Changes that the server audits (deletes,
 * transcripts, erasures) name the actor where they take one.
 */
export function actingStore(store: Store, actor: AuditActor): Store {
  checkActor(actor)
  const record = recorder(store.audit, actor)
  return Object.create(store, {
    conversations: { value: audited(store.conversations, CONVERSATION_READS, record) },
    messages: { value: auditedMessages(store.messages, record) },
    search: { value: audited(store.search, SEARCH_READS, record) },
    audit: { value: audited(store.audit, AUDIT_READS, record) },
    transcripts: { get: () => actingTranscripts(store.transcripts, actor, record) },
    privacy: { get: () => actingPrivacy(store.privacy, actor) },
    forUser: {
      value: (user_id: string) => actingScopedStore(store.forUser(user_id), store.audit, actor),
    },
    as: { value: (other: AuditActor) => actingStore(store, other) },
  }) as Store
}

/** `store.forUser(id).as(actor)`: one user's view, its reads audited as `actingStore`'s. */
export function actingScopedStore(
  scoped: ScopedStore,
  audit: AuditService,
  actor: AuditActor,
): ScopedStore {
  checkActor(actor)
  const record = recorder(audit, actor)
  return Object.create(scoped, {
    conversations: { value: audited(scoped.conversations, CONVERSATION_READS, record) },
    messages: { value: auditedMessages(scoped.messages, record) },
    search: { value: audited(scoped.search, SEARCH_READS, record) },
    transcripts: { get: () => actingTranscripts(scoped.transcripts, actor, record) },
    as: { value: (other: AuditActor) => actingScopedStore(scoped, audit, other) },
  }) as ScopedStore
}

type Transcripts = Store['transcripts']

/** Transcripts as the actor: reads audited, and a stored one recorded with the actor named. */
function actingTranscripts(service: Transcripts, actor: AuditActor, record: Record_): Transcripts {
  const transcripts = audited(service, TRANSCRIPT_READS, record)
  return new Proxy(transcripts, {
    get(target, key, receiver) {
      if (key !== 'create') return Reflect.get(target, key, receiver)
      return (...[id, input, options]: Parameters<Transcripts['create']>) =>
        service.create(id, input, { ...options, actor: options?.actor ?? actor })
    },
  })
}

type Privacy = Store['privacy']

/** Exports audited as the server's are; an erasure names the actor as the one who asked. */
function actingPrivacy(service: Privacy, actor: AuditActor): Privacy {
  return new Proxy(service, {
    get(target, key, receiver) {
      if (key === 'export') {
        return (...[user_id, out, options]: Parameters<Privacy['export']>) =>
          service.export(user_id, out, { ...options, actor: options?.actor ?? actor })
      }
      if (key === 'erase') {
        return (...[user_id, context]: Parameters<Privacy['erase']>) =>
          service.erase(user_id, context ?? actor)
      }
      const value: unknown = Reflect.get(target, key, receiver)
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value
    },
  })
}
