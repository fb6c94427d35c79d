import type { Database } from '../db/database.js'
import { ChatkeepError } from '../errors.js'
import { DatabaseRateLimitStore } from '../rate-limit/database-store.js'
import { insertAuditEvents } from '../repositories/audit-events.js'
import * as retention from '../repositories/retention.js'
import { policiesInUse } from '../repositories/retention-policies.js'
import { type AuditContext, auditRow } from '../services/audit.js'
import { RetentionService } from '../services/retention.js'
import type { Store } from '../store.js'
import { countEventsBefore, purgeEvents } from '../db/event-feed.js'
import {
  DEFAULT_CLEANUP_BATCH,
  DEFAULT_CREDENTIAL_GRACE_DAYS,
  DEFAULT_EVENTS_RETENTION_DAYS,
} from './defaults.js'

export { DEFAULT_CLEANUP_BATCH, DEFAULT_CREDENTIAL_GRACE_DAYS, DEFAULT_EVENTS_RETENTION_DAYS }

/** What `chatkeep cleanup` removes, each kind counted on its own. */
export const CLEANUP_KINDS = [
  'conversations',
  'inactive_conversations',
  'temporary_conversations',
  'messages',
  'transcripts',
  'documents',
  'document_chunks',
  'auth_sessions',
  'refresh_tokens',
  'api_keys',
  'rate_limits',
  'events',
] as const

export type CleanupKind = (typeof CLEANUP_KINDS)[number]

export interface CleanupOptions {
  /**
   * RETENTION_DAYS: soft-deleted documents and revoked API keys older than this many days go, and
   * so do soft-deleted conversations and messages while no default retention policy is set.
   */
  retention_days: number
  /**
   * Also every conversation, live or not, with no activity for this many days, with its
   * messages; not those under a `keep` policy or a legal hold.
   */
  older_than_days?: number | null | undefined
  /** Count what would go and change nothing. */
  dry_run?: boolean | undefined
  /** Rows per transaction (about; a conversation's messages are never split). Default 1000. */
  batch_size?: number | undefined
  /**
   * Days an expired or revoked session or refresh token is kept, so the trail of recent logins
   * stays readable. Default 7.
   */
  credential_grace_days?: number | undefined
  /** Days the change feed keeps its events (EVENTS_RETENTION_DAYS). Default 7. */
  events_retention_days?: number | undefined
  /** The clock; tests set it. */
  now?: Date | undefined
  /** Who runs it (the CLI names itself): named in every `retention.purge` audit row. */
  actor?: AuditContext | undefined
  /** Called after each committed batch (and once per kind in a dry run), e.g. for progress. */
  onBatch?: ((kind: CleanupKind, removed: number) => void | Promise<void>) | undefined
}

export interface CleanupReport {
  dry_run: boolean
  retention_days: number
  older_than_days: number | null
  /** The times and policies that decided what went. */
  cutoffs: retention.RetentionCutoffs & { events_before: string }
  /** Rows removed (or, in a dry run, that would be) per kind. */
  removed: Record<CleanupKind, number>
}

const DAY_MS = 86_400_000

/**
 * Removes what is past keeping: temporary conversations past their time; conversations and
 * messages as their retention policy says (their own, else their user's, else the default, else
 * soft-deleted more than `retention_days` ago); documents (with their chunks) soft-deleted more
 * than `retention_days` ago, revoked API keys as old, sessions and refresh
 * tokens that ended more than `credential_grace_days` ago, ended rate-limit windows and, with
 * `older_than_days`, conversations inactive that long. Nothing under a legal hold goes. Each batch is one transaction of about
 * `batch_size` rows, so a large purge never holds one long lock, and stopping it anywhere (a
 * failure, a killed process) leaves a consistent database: a conversation goes with all its
 * messages or not at all, and no counter changes. Running it again finishes the work.
 * @example
 * const report = await cleanup(store, { retention_days: 30, dry_run: true })
 * report.removed.messages // how many would go
 */
export async function cleanup(store: Store, options: CleanupOptions): Promise<CleanupReport> {
  const retentionDays = wholeNumber(options.retention_days, 'retention_days')
  const olderThan =
    options.older_than_days === undefined || options.older_than_days === null
      ? null
      : wholeNumber(options.older_than_days, 'older_than_days')
  const graceDays = wholeNumber(
    options.credential_grace_days ?? DEFAULT_CREDENTIAL_GRACE_DAYS,
    'credential_grace_days',
    0,
  )
  const eventDays = wholeNumber(
    options.events_retention_days ?? DEFAULT_EVENTS_RETENTION_DAYS,
    'events_retention_days',
  )
  const size = wholeNumber(options.batch_size ?? DEFAULT_CLEANUP_BATCH, 'batch_size')
  const nowMs = (options.now ?? new Date()).getTime()
  const daysAgo = (days: number) => new Date(nowMs - days * DAY_MS).toISOString()
  const { policy: fallback } = await new RetentionService(
    store.database,
    retentionDays,
  ).defaultPolicy()
  const policies = (await policiesInUse(store.database, fallback)).flatMap((p) =>
    p.mode === 'keep' ? [] : [{ ...p, before: daysAgo(p.days) }],
  )
  const cutoffs = {
    now: new Date(nowMs).toISOString(),
    deleted_before: daysAgo(retentionDays),
    inactive_before: olderThan === null ? null : daysAgo(olderThan),
    credentials_before: daysAgo(graceDays),
    fallback,
    policies,
    events_before: daysAgo(eventDays),
  }
  const removed = Object.fromEntries(CLEANUP_KINDS.map((kind) => [kind, 0])) as Record<
    CleanupKind,
    number
  >
  const onBatch = options.onBatch ?? (() => {})
  const add = async (kind: CleanupKind, n: number) => {
    removed[kind] += n
    await onBatch(kind, n)
  }
  if (options.dry_run === true) await dryRun(store, cutoffs, add)
  else await purge(store, cutoffs, size, add, options.actor ?? {})
  return {
    dry_run: options.dry_run === true,
    retention_days: retentionDays,
    older_than_days: olderThan,
    cutoffs,
    removed,
  }
}

type Add = (kind: CleanupKind, n: number) => Promise<void>

/** Temporary ones first: a temporary conversation goes at its time whatever its policy says. */
const CONVERSATION_PURGES = ['expired', 'policy', 'inactive'] as const
const CONVERSATION_KIND: Record<retention.ConversationPurge, CleanupKind> = {
  expired: 'temporary_conversations',
  policy: 'conversations',
  inactive: 'inactive_conversations',
}
type Cutoffs = CleanupReport['cutoffs']

async function dryRun(store: Store, c: Cutoffs, add: Add): Promise<void> {
  const db = store.database
  for (const kind of CONVERSATION_PURGES) {
    const counted = await retention.countConversations(db, kind, c)
    await add(CONVERSATION_KIND[kind], counted.conversations)
    await add('messages', counted.messages)
    await add('transcripts', counted.transcripts)
  }
  await add('messages', await retention.countMessages(db, c))
  const documents = await retention.countDocuments(db, c)
  await add('documents', documents.documents)
  await add('document_chunks', documents.chunks)
  const credentials = await retention.countCredentials(db, c)
  await add('refresh_tokens', credentials.refresh_tokens)
  await add('auth_sessions', credentials.sessions)
  await add('api_keys', await retention.countRevokedApiKeys(db, c))
  await add('rate_limits', await withRateLimits(db, c, (limits) => limits.countEnded()))
  await add('events', await countEventsBefore(db, c.events_before))
}

async function purge(
  store: Store,
  c: Cutoffs,
  size: number,
  add: Add,
  actor: AuditContext,
): Promise<void> {
  const db = store.database
  for (const kind of CONVERSATION_PURGES) {
    for (;;) {
      const batch = await db.transaction(async (tx) => {
        const purged = await retention.purgeConversationBatch(tx, kind, c, size)
        if (purged.remaining) {
          await auditPurge(tx, actor, c, CONVERSATION_KIND[kind], {
            conversations: purged.conversations,
            messages: purged.messages,
            transcripts: purged.files.length,
          })
        }
        return purged
      })
      if (!batch.remaining) break
      await add(CONVERSATION_KIND[kind], batch.conversations)
      await add('messages', batch.messages)
      // After the commit: a file without a row is harmless, a row without its file is not.
      await store.transcripts.removeFiles(batch.files)
      await add('transcripts', batch.files.length)
    }
  }
  await repeat(db, 'messages', add, async (tx) => {
    const n = await retention.purgeMessageBatch(tx, c, size)
    if (n > 0) await auditPurge(tx, actor, c, 'messages', { messages: n })
    return n
  })
  // Documents go through the service's own purge, one deleted_at bound per batch.
  for (;;) {
    const bound = await retention.nextDocumentBound(db, c, size)
    if (bound === null) break
    const batch = await store.documents.purgeDeleted(bound)
    await add('documents', batch.documents)
    await add('document_chunks', batch.chunks)
  }
  await repeat(db, 'refresh_tokens', add, (tx) => retention.purgeRefreshTokenBatch(tx, c, size))
  for (;;) {
    const batch = await db.transaction((tx) => retention.purgeSessionBatch(tx, c, size))
    if (batch.sessions === 0) break
    await add('auth_sessions', batch.sessions)
    await add('refresh_tokens', batch.refresh_tokens)
  }
  await repeat(db, 'api_keys', add, (tx) => retention.purgeRevokedApiKeyBatch(tx, c, size))
  await add('rate_limits', await withRateLimits(db, c, (limits) => limits.prune()))
  // A reader behind what goes here is told its cursor expired (cursor_expired).
  await add('events', await purgeEvents(db, c.events_before))
}

/**
 * A `retention.purge` audit row in the batch's own transaction: what content went, how much and
 * by which cutoffs, so a purge leaves its trace; named after the actor given (the library's
 * cleanup has none unless its caller says who runs it).
 */
function auditPurge(
  tx: Database,
  actor: AuditContext,
  c: Cutoffs,
  kind: CleanupKind,
  counts: Record<string, number>,
): Promise<void> {
  const details = { kind, ...counts, now: c.now }
  return insertAuditEvents(tx, auditRow('retention.purge', actor, null, details))
}

/** The counters the rate limiter keeps for this database, on the cleanup's clock. */
async function withRateLimits<T>(
  db: Database,
  c: Cutoffs,
  work: (limits: DatabaseRateLimitStore) => Promise<T>,
): Promise<T> {
  const limits = new DatabaseRateLimitStore(db, { now: () => Date.parse(c.now), prune_every_ms: 0 })
  try {
    return await work(limits)
  } finally {
    await limits.close()
  }
}

/** Runs one batch per transaction until a batch removes nothing. */
async function repeat(
  db: Database,
  kind: CleanupKind,
  add: Add,
  batch: (tx: Database) => Promise<number>,
): Promise<void> {
  for (;;) {
    const n = await db.transaction(batch)
    if (n === 0) break
    await add(kind, n)
  }
}

function wholeNumber(value: number, field: string, min = 1): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new ChatkeepError(
      'validation_failed',
      `/${field}: must be a whole number of at least ${min}; got ${value}.`,
      { field: `/${field}` },
    )
  }
  return value
}
