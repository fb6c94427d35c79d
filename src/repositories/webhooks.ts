import type { Insertable, Selectable, Updateable } from 'kysely'
import type { Codec } from '../db/codec.js'
import type { Database } from '../db/database.js'
import type { WebhookDeliveriesTable, WebhooksTable } from '../db/schema.js'
import type { Webhook, WebhookDelivery } from '../schemas/webhooks.js'

export type WebhookRow = Selectable<WebhooksTable>
export type DeliveryRow = Selectable<WebhookDeliveriesTable>

export function decodeWebhook(codec: Codec, row: WebhookRow): Webhook {
  return {
    id: row.id,
    url: row.url,
    types: codec.json<string[]>(row.types),
    description: row.description,
    enabled: Boolean(row.enabled),
    disabled_reason: row.disabled_reason,
    cursor: String(row.cursor),
    failing_since: row.failing_since,
    next_attempt_at: row.next_attempt_at,
    created_at: row.created_at,
    updated_at: row.updated_at,
  }
}

export function decodeDelivery(codec: Codec, row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    webhook_id: row.webhook_id,
    event_cursor: String(row.event_cursor),
    event_type: row.event_type,
    attempt: row.attempt,
    status_code: row.status_code,
    ok: Boolean(row.ok),
    error: row.error,
    duration_ms: row.duration_ms,
    at: row.at,
  }
}

export async function insertWebhook(db: Database, row: Insertable<WebhooksTable>): Promise<void> {
  await db.kysely.insertInto('webhooks').values(row).execute()
}

export function getWebhook(db: Database, id: string): Promise<WebhookRow | undefined> {
  return db.kysely.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst()
}

export function listWebhooks(db: Database): Promise<WebhookRow[]> {
  return db.kysely.selectFrom('webhooks').selectAll().orderBy('id').execute()
}

export function updateWebhook(
  db: Database,
  id: string,
  patch: Updateable<WebhooksTable>,
): Promise<WebhookRow | undefined> {
  return db.kysely
    .updateTable('webhooks')
    .set(patch)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst()
}

export async function deleteWebhook(db: Database, id: string): Promise<boolean> {
  const result = await db.kysely.deleteFrom('webhooks').where('id', '=', id).executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}

/** Enabled endpoints whose next attempt is due, and whose lease is free, expired or `owner`'s. */
export function listDueWebhooks(db: Database, now: string, owner: string): Promise<WebhookRow[]> {
  return db.kysely
    .selectFrom('webhooks')
    .selectAll()
    .where('enabled', '=', db.codec.bool(true))
    .where((eb) => eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', now)]))
    .where((eb) =>
      eb.or([
        eb('lease_until', 'is', null),
        eb('lease_until', '<', now),
        eb('lease_owner', '=', owner),
      ]),
    )
    .execute()
}

/**
 * Takes the endpoint's delivery lease for `owner` until `until`, if it is free, expired or
 * already `owner`'s: one UPDATE, so of several instances exactly one wins it.
 */
export async function takeLease(
  db: Database,
  id: string,
  owner: string,
  now: string,
  until: string,
): Promise<boolean> {
  const result = await db.kysely
    .updateTable('webhooks')
    .set({ lease_owner: owner, lease_until: until })
    .where('id', '=', id)
    .where('enabled', '=', db.codec.bool(true))
    .where((eb) =>
      eb.or([
        eb('lease_until', 'is', null),
        eb('lease_until', '<', now),
        eb('lease_owner', '=', owner),
      ]),
    )
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

/** Changes the endpoint only while `owner` holds its lease (a lease lost is a change refused). */
export async function updateLeased(
  db: Database,
  id: string,
  owner: string,
  patch: Updateable<WebhooksTable>,
): Promise<boolean> {
  const result = await db.kysely
    .updateTable('webhooks')
    .set(patch)
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

export async function insertDelivery(
  db: Database,
  row: Insertable<WebhookDeliveriesTable>,
): Promise<void> {
  await db.kysely.insertInto('webhook_deliveries').values(row).execute()
}

/** An endpoint's attempts, newest first (UUIDv7 ids), limit + 1 rows. */
export function listDeliveries(
  db: Database,
  webhookId: string,
  limit: number,
  before?: string,
): Promise<DeliveryRow[]> {
  let q = db.kysely
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('webhook_id', '=', webhookId)
    .orderBy('id', 'desc')
    .limit(limit + 1)
  if (before !== undefined) q = q.where('id', '<', before)
  return q.execute()
}

/** The attempts made so far to deliver one event to one endpoint. */
export async function countDeliveries(
  db: Database,
  webhookId: string,
  cursor: number,
): Promise<number> {
  const row = await db.kysely
    .selectFrom('webhook_deliveries')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('webhook_id', '=', webhookId)
    .where('event_cursor', '=', cursor)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}
