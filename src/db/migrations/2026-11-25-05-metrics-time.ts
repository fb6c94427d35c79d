import type { Kysely } from 'kysely'

// Frozen in time: this file imports only kysely and never changes once released.

/**
 * Admins read metrics by time range without naming a type or a source (every metric of the last
 * hour, bucketed), and page through them in (timestamp, id) order: the two indexes that lead
 * with metric_type and source cannot serve either.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('metrics_time_idx')
    .on('metrics')
    .columns(['timestamp', 'id'])
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('metrics_time_idx').execute()
}
