import type { Insertable, Selectable } from 'kysely'
import type { Codec } from '../db/codec.js'
import type { Database } from '../db/database.js'
import { perDatabase } from '../db/memo.js'
import type { ApiKeysTable } from '../db/schema.js'
import type { ApiKey } from '../schemas/auth.js'
import { pageById } from './keyset.js'

export type ApiKeyRow = Selectable<ApiKeysTable>

/** An API key as its owner sees it: never the secret, never its hash. */
export function decodeApiKey(codec: Codec, row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: codec.json<string[]>(row.scopes),
    created_at: row.created_at,
    last_used_at: row.last_used_at,
  }
}

/** A live key with what authenticating it needs of its user. */
export interface ApiKeyAuthRow {
  id: string
  user_id: string
  key_hash: string
  scopes: unknown
  last_used_at: string | null
  role: string
  is_active: boolean | number
}

const statements = perDatabase((db) => ({
  // Runs on every request made with an API key; reads `api_keys_prefix_idx`.
  byPrefix: db.prepare((p: { prefix: string }) =>
    db.kysely
      .selectFrom('api_keys as k')
      .innerJoin('users as u', 'u.id', 'k.user_id')
      .select([
        'k.id',
        'k.user_id',
        'k.key_hash',
        'k.scopes',
        'k.last_used_at',
        'u.role',
        'u.is_active',
      ])
      .where('k.prefix', '=', p.prefix)
      .where('k.revoked_at', 'is', null),
  ),
}))

export async function listLiveApiKeysByPrefix(
  db: Database,
  prefix: string,
): Promise<ApiKeyAuthRow[]> {
  return statements(db).byPrefix.all(db, { prefix })
}

export async function insertApiKey(
  db: Database,
  row: Insertable<ApiKeysTable>,
): Promise<ApiKeyRow> {
  return db.kysely.insertInto('api_keys').values(row).returningAll().executeTakeFirstOrThrow()
}

/** Moves last_used_at to `at` unless it is already later than `since`: one write a minute at most. */
export async function touchApiKey(
  db: Database,
  id: string,
  at: string,
  since: string,
): Promise<void> {
  await db.kysely
    .updateTable('api_keys')
    .set({ last_used_at: at })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', since)]))
    .execute()
}

/** Revokes a live key of `user_id`; false when there is none with that id. */
export async function revokeApiKey(
  db: Database,
  id: string,
  user_id: string,
  at: string,
): Promise<boolean> {
  const result = await db.kysely
    .updateTable('api_keys')
    .set({ revoked_at: at })
    .where('id', '=', id)
    .where('user_id', '=', user_id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

/**
 * A user's live keys, newest first, keyset-paginated on id (UUIDv7); reads
 * `api_keys_user_id_idx`. Returns up to limit + 1 rows; with `before`, oldest first.
 */
export async function listApiKeys(
  db: Database,
  filter: {
    user_id: string
    limit: number
    after?: string | undefined
    before?: string | undefined
  },
): Promise<ApiKeyRow[]> {
  const q = db.kysely
    .selectFrom('api_keys')
    .selectAll()
    .where('user_id', '=', filter.user_id)
    .where('revoked_at', 'is', null)
  return pageById(q, filter, 'newest_first').execute()
}
