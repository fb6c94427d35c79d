import { createHash } from 'node:crypto'
import type { Database } from '../db/database.js'
import { canonicalJson } from '../lib/canonical-json.js'
import type { AuditEventRow } from './audit-events.js'

/** The hash chain's first link has this as its previous hash. */
export const GENESIS_HASH = '0'.repeat(64)

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex')

/** What stands for the actor in the chain: erasing the actor empties user_id, never this. */
export const actorDigest = (user_id: string | null): string | null =>
  user_id === null ? null : sha256(`chatkeep-actor:${user_id}`)

/**
 * A sealed row's hash: over the previous row's hash and every field of the row but user_id
 * (which `actor_digest` stands for), as canonical JSON with times in ISO-8601 UTC, so it is the
 * same on either engine and after an export and import.
 */
export function linkHash(
  db: Database,
  previous: string,
  row: AuditEventRow,
  chain_seq: number,
  actor_digest: string | null,
): string {
  return sha256(
    canonicalJson({
      previous,
      chain_seq,
      id: row.id,
      actor_digest,
      action: row.action,
      target_type: row.target_type,
      target_id: row.target_id,
      ip_address: row.ip_address,
      user_agent: row.user_agent,
      details: db.codec.json(row.details),
      created_at: new Date(row.created_at as string | Date).toISOString(),
    }),
  )
}

/** The newest sealed row's place and hash; GENESIS at 0 when nothing is sealed. */
export async function chainHead(db: Database): Promise<{ chain_seq: number; hash: string }> {
  const row = await db.kysely
    .selectFrom('audit_events')
    .select(['chain_seq', 'hash'])
    .where('chain_seq', 'is not', null)
    .orderBy('chain_seq', 'desc')
    .limit(1)
    .executeTakeFirst()
  return row === undefined
    ? { chain_seq: 0, hash: GENESIS_HASH }
    : { chain_seq: Number(row.chain_seq), hash: row.hash ?? '' }
}

/** Unsealed rows, oldest id first. */
export function unsealedRows(db: Database, limit: number): Promise<AuditEventRow[]> {
  return db.kysely
    .selectFrom('audit_events')
    .selectAll()
    .where('chain_seq', 'is', null)
    .orderBy('id')
    .limit(limit)
    .execute()
}

export async function countUnsealed(db: Database): Promise<number> {
  const row = await db.kysely
    .selectFrom('audit_events')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('chain_seq', 'is', null)
    .executeTakeFirst()
  return Number(row?.n ?? 0)
}

/**
 * Seals one row, if no other sealer has: false when it was sealed meanwhile (the caller's
 * transaction must then give up, as its view of the chain is stale).
 */
export async function sealRow(
  db: Database,
  id: string,
  seal: { chain_seq: number; actor_digest: string | null; hash: string },
): Promise<boolean> {
  const result = await db.kysely
    .updateTable('audit_events')
    .set(seal)
    .where('id', '=', id)
    .where('chain_seq', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/** Sealed rows in chain order after `after`, a page at a time. */
export function sealedRowsAfter(
  db: Database,
  after: number,
  limit: number,
): Promise<AuditEventRow[]> {
  return db.kysely
    .selectFrom('audit_events')
    .selectAll()
    .where('chain_seq', '>', after)
    .orderBy('chain_seq')
    .limit(limit)
    .execute()
}
