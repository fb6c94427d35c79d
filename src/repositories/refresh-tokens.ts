import type { Insertable, Selectable } from 'kysely'
import type { Database } from '../db/database.js'
import type { RefreshTokensTable } from '../db/schema.js'

export type RefreshTokenRow = Selectable<RefreshTokensTable>

/** By the SHA-256 of the token; the token itself is never stored. Reads the unique index on token_hash. */
export async function getRefreshTokenByHash(
  db: Database,
  token_hash: string,
): Promise<RefreshTokenRow | undefined> {
  return db.kysely
    .selectFrom('refresh_tokens')
    .selectAll()
    .where('token_hash', '=', token_hash)
    .executeTakeFirst()
}

export async function getRefreshToken(
  db: Database,
  id: string,
): Promise<RefreshTokenRow | undefined> {
  return db.kysely.selectFrom('refresh_tokens').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function insertRefreshToken(
  db: Database,
  row: Insertable<RefreshTokensTable>,
): Promise<void> {
  await db.kysely.insertInto('refresh_tokens').values(row).execute()
}

/**
 * Marks a live, unused token used. Of two transactions claiming the same token, only one sees
 * a row updated: the other waits on the row lock (PostgreSQL) or the write lock (SQLite), then
 * finds used_at set.
 */
export async function claimRefreshToken(db: Database, id: string, at: string): Promise<boolean> {
  const result = await db.kysely
    .updateTable('refresh_tokens')
    .set({ used_at: at })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

/** Revokes every token of a session: the whole rotation chain, siblings included. */
export async function revokeSessionRefreshTokens(
  db: Database,
  session_id: string,
  at: string,
): Promise<void> {
  await db.kysely
    .updateTable('refresh_tokens')
    .set({ revoked_at: at })
    .where('session_id', '=', session_id)
    .where('revoked_at', 'is', null)
    .execute()
}
