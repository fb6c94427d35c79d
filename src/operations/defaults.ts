/**
 * The defaults and bounds of the operations, in a module that imports nothing: `chatkeep
 * cleanup --help` and `chatkeep stats --help` print them without loading the operations.
 */

/** Rows per cleanup transaction (about; a conversation's messages are never split). */
export const DEFAULT_CLEANUP_BATCH = 1000
/** Days an expired or revoked session or refresh token is kept before cleanup removes it. */
export const DEFAULT_CREDENTIAL_GRACE_DAYS = 7

/** Days the change feed keeps its events (EVENTS_RETENTION_DAYS). */
export const DEFAULT_EVENTS_RETENTION_DAYS = 7

/** What `stats` accepts for its days of activity and its top lists. */
export const STATS_LIMITS = {
  days: { min: 1, max: 366, default: 30 },
  top: { min: 1, max: 100, default: 10 },
} as const
