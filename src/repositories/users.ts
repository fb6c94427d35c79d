import { containsText } from '../db/text.js'
import type { Insertable, Selectable, Updateable } from 'kysely'
import type { Codec } from '../db/codec.js'
import type { Database } from '../db/database.js'
import { perDatabase } from '../db/memo.js'
import type { UsersTable } from '../db/schema.js'
import type { User, UserRole } from '../schemas/data.js'
import { pageById } from './keyset.js'

export type UserRow = Selectable<UsersTable>

export function decodeUser(codec: Codec, row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    display_name: row.display_name,
    email: row.email,
    role: row.role as UserRole,
    is_active: Boolean(row.is_active),
    discord_id: row.discord_id,
    preferences: codec.json(row.preferences),
    created_at: row.created_at,
    updated_at: row.updated_at,
    last_login_at: row.last_login_at,
  }
}

const statements = perDatabase((db) => ({
  byId: db.prepare((p: { id: string }) =>
    db.kysely.selectFrom('users').selectAll().where('id', '=', p.id),
  ),
  byUsername: db.prepare((p: { username: string }) =>
    db.kysely.selectFrom('users').selectAll().where('username', '=', p.username),
  ),
}))

export async function getUser(db: Database, id: string): Promise<UserRow | undefined> {
  return (await statements(db).byId.all(db, { id }))[0]
}

export async function getUserByUsername(
  db: Database,
  username: string,
): Promise<UserRow | undefined> {
  return (await statements(db).byUsername.all(db, { username }))[0]
}

/** The user bound to a Discord account (users_discord_id_key), or undefined. */
export async function getUserByDiscordId(
  db: Database,
  discordId: string,
): Promise<UserRow | undefined> {
  return db.kysely
    .selectFrom('users')
    .selectAll()
    .where('discord_id', '=', discordId)
    .executeTakeFirst()
}

export async function insertUser(db: Database, row: Insertable<UsersTable>): Promise<UserRow> {
  return db.kysely.insertInto('users').values(row).returningAll().executeTakeFirstOrThrow()
}

export async function updateUser(
  db: Database,
  id: string,
  patch: Updateable<UsersTable>,
): Promise<UserRow | undefined> {
  return db.kysely
    .updateTable('users')
    .set(patch)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst()
}

export async function deleteUser(db: Database, id: string): Promise<boolean> {
  const result = await db.kysely.deleteFrom('users').where('id', '=', id).executeTakeFirst()
  return result.numDeletedRows > 0n
}

/** Users in id order (UUIDv7: oldest first), keyset-paginated; limit + 1 rows. */
export async function listUsers(
  db: Database,
  filter: {
    limit: number
    after?: string | undefined
    before?: string | undefined
    search?: string | undefined
    role?: UserRow['role'] | undefined
    is_active?: boolean | undefined
  },
): Promise<UserRow[]> {
  let q = db.kysely.selectFrom('users').selectAll()
  const { search, role, is_active } = filter
  if (search !== undefined) {
    q = q.where((eb) =>
      eb.or([containsText(db, 'username', search), containsText(db, 'display_name', search)]),
    )
  }
  if (role !== undefined) q = q.where('role', '=', role)
  if (is_active !== undefined) q = q.where('is_active', '=', db.codec.bool(is_active))
  return pageById(q, filter, 'oldest_first').execute()
}

/** Swaps a password hash for a stronger one of the same password, unless it changed meanwhile. */
export async function replacePasswordHash(
  db: Database,
  id: string,
  expected: string,
  next: string,
): Promise<void> {
  await db.kysely
    .updateTable('users')
    .set({ password_hash: next })
    .where('id', '=', id)
    .where('password_hash', '=', expected)
    .execute()
}
