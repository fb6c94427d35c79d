import type { Kysely } from 'kysely'

// Frozen in time: this file imports only kysely and never changes once released.

/** An API key is looked up by its visible prefix on every request made with it. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('api_keys_prefix_idx').on('api_keys').column('prefix').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('api_keys_prefix_idx').execute()
}
