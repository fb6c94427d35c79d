import { type Kysely, PostgresAdapter, sql } from 'kysely'

// Frozen in time: this file imports only kysely and never changes once released.

/**
 * The audit log's hash chain: a sealed row has its place in the chain (chain_seq, from 1 with no
 * gap), a digest of its actor (which outlives the actor's erasure) and a SHA-256 over the
 * previous row's hash and its own fields. Rows are written unsealed and sealed in commit order
 * by the sealer, so no audited transaction waits on the chain.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  await db.schema
    .alterTable('audit_events')
    .addColumn('chain_seq', pg ? 'bigint' : 'integer')
    .execute()
  await db.schema.alterTable('audit_events').addColumn('actor_digest', 'text').execute()
  await db.schema.alterTable('audit_events').addColumn('hash', 'text').execute()
  await db.schema
    .createIndex('audit_events_chain_seq_idx')
    .on('audit_events')
    .column('chain_seq')
    .unique()
    .execute()
  await db.schema
    .createIndex('audit_events_unsealed_idx')
    .on('audit_events')
    .column('id')
    .where(sql.ref('chain_seq'), 'is', null)
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('audit_events_unsealed_idx').execute()
  await db.schema.dropIndex('audit_events_chain_seq_idx').execute()
  for (const column of ['hash', 'actor_digest', 'chain_seq']) {
    await db.schema.alterTable('audit_events').dropColumn(column).execute()
  }
}
