import type { Insertable, Selectable, Updateable } from 'kysely'
import { encodeJson } from '../db/codec.js'
import { CoalescedLookup } from '../db/coalesced-lookup.js'
import type { Database } from '../db/database.js'
import { perDatabase } from '../db/memo.js'
import type { AuthSessionsTable } from '../db/schema.js'
import { pageById } from './keyset.js'

export type AuthSessionRow = Selectable<AuthSessionsTable>

/** A session with what authenticating its access token needs of its user. */
export interface SessionAuthRow {
  id: string
  user_id: string
  expires_at: string
  last_activity: string
  revoked_at: string | null
  role: string
  is_active: boolean | number
}

const statements = perDatabase((db) => {
  const withUser = () =>
    db.kysely
      .selectFrom('auth_sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .select([
        's.id',
        's.user_id',
        's.expires_at',
        's.last_activity',
        's.revoked_at',
        'u.role',
        'u.is_active',
      ])
  return {
    // Runs on every request made with an access token: one primary-key lookup and its user.
    withUser: db.prepare((p: { id: string }) => withUser().where('s.id', '=', p.id)),
    // The sessions of several requests at once (SessionReader), by primary key.
    withUserMany: db.prepare((p: { ids: string }) =>
      withUser().where(db.dialect.idIn('s.id', p.ids)),
    ),
  }
})

/** One session with what authenticating needs of its user; inside a transaction on `db` too. */
export async function getSessionWithUser(
  db: Database,
  id: string,
): Promise<SessionAuthRow | undefined> {
  return (await statements(db).withUser.all(db, { id }))[0]
}

/**
 * Reads sessions for authentication, on every request made with an access token. Under load
 * many requests want one at once: over the network their round trips are shared
 * (CoalescedLookup). Each request's session is still read after the request arrived, so a
 * revoked session or a deactivated user is refused as before.
 */
export class SessionReader {
  readonly #lookup: CoalescedLookup<SessionAuthRow>

  constructor(db: Database) {
    this.#lookup = new CoalescedLookup(
      db,
      (id) => statements(db).withUser.all(db, { id }),
      (ids) => statements(db).withUserMany.all(db, { ids: encodeJson(ids) }),
    )
  }

  get(id: string): Promise<SessionAuthRow | undefined> {
    return this.#lookup.get(id)
  }
}

export async function insertSession(
  db: Database,
  row: Insertable<AuthSessionsTable>,
): Promise<AuthSessionRow> {
  return db.kysely.insertInto('auth_sessions').values(row).returningAll().executeTakeFirstOrThrow()
}

export async function updateSession(
  db: Database,
  id: string,
  patch: Updateable<AuthSessionsTable>,
): Promise<void> {
  await db.kysely.updateTable('auth_sessions').set(patch).where('id', '=', id).execute()
}

/** Moves last_activity to `at` unless it is already later than `since`: one write a minute at most. */
export async function touchSession(
  db: Database,
  id: string,
  at: string,
  since: string,
): Promise<void> {
  await db.kysely
    .updateTable('auth_sessions')
    .set({ last_activity: at })
    .where('id', '=', id)
    .where('last_activity', '<', since)
    .execute()
}

/** Revokes a live session of `user_id`; false when there is none with that id. */
export async function revokeSession(
  db: Database,
  id: string,
  user_id: string,
  at: string,
): Promise<boolean> {
  const result = await db.kysely
    .updateTable('auth_sessions')
    .set({ revoked_at: at })
    .where('id', '=', id)
    .where('user_id', '=', user_id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

/**
 * A user's live sessions (not revoked, not expired), newest first, keyset-paginated on id
 * (UUIDv7); reads `auth_sessions_user_id_idx`. Returns up to limit + 1 rows; with `before`, oldest first.
 */
export async function listSessions(
  db: Database,
  filter: {
    user_id: string
    now: string
    limit: number
    after?: string | undefined
    before?: string | undefined
  },
): Promise<AuthSessionRow[]> {
  const q = db.kysely
    .selectFrom('auth_sessions')
    .selectAll()
    .where('user_id', '=', filter.user_id)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', filter.now)
  return pageById(q, filter, 'newest_first').execute()
}
