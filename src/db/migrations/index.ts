import type { Migration } from 'kysely'
import * as dataModel from './2026-11-25-01-data-model.js'
import * as apiKeysPrefix from './2026-11-25-02-api-keys-prefix.js'
import * as documentKeys from './2026-11-25-03-document-keys.js'
import * as fullTextSearch from './2026-11-25-04-full-text-search.js'
import * as metricsTime from './2026-11-25-05-metrics-time.js'
import * as foreignKeyIndexes from './2026-11-25-06-foreign-key-indexes.js'
import * as unloggedRateLimits from './2026-12-03-01-unlogged-rate-limits.js'
import * as messageTree from './2026-12-03-02-message-tree.js'
import * as messageParts from './2026-12-03-03-message-parts.js'
import * as seedCalls from './2026-12-03-04-seed-calls.js'
import * as vectors from './2026-12-03-06-vectors.js'
import * as retentionAndLegalHolds from './2026-12-03-08-retention-and-legal-holds.js'
import * as streaming from './2026-12-03-09-streaming.js'
import * as changeFeed from './2026-12-03-10-change-feed.js'
import * as auditChain from './2026-12-04-01-audit-chain.js'
import * as usageAndQuotas from './2026-12-06-01-usage-and-quotas.js'
import * as messageEmbeddings from './2026-12-06-02-message-embeddings.js'
import * as messageSearchModes from './2026-12-07-01-message-search-modes.js'

/** Every migration, oldest first. Append only: a released migration is never edited. */
export const MIGRATIONS: Record<string, Migration> = {
  '2026-11-25-01-data-model': dataModel,
  '2026-11-25-02-api-keys-prefix': apiKeysPrefix,
  '2026-11-25-03-document-keys': documentKeys,
  '2026-11-25-04-full-text-search': fullTextSearch,
  '2026-11-25-05-metrics-time': metricsTime,
  '2026-11-25-06-foreign-key-indexes': foreignKeyIndexes,
  '2026-12-03-01-unlogged-rate-limits': unloggedRateLimits,
  '2026-12-03-02-message-tree': messageTree,
  '2026-12-03-03-message-parts': messageParts,
  '2026-12-03-04-seed-calls': seedCalls,
  '2026-12-03-06-vectors': vectors,
  '2026-12-03-08-retention-and-legal-holds': retentionAndLegalHolds,
  '2026-12-03-09-streaming': streaming,
  '2026-12-03-10-change-feed': changeFeed,
  '2026-12-04-01-audit-chain': auditChain,
  '2026-12-06-01-usage-and-quotas': usageAndQuotas,
  '2026-12-06-02-message-embeddings': messageEmbeddings,
  '2026-12-07-01-message-search-modes': messageSearchModes,
}
